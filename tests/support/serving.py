"""Run a generated project's API under uvicorn on 127.0.0.1, and talk to it over HTTP.

Used by the level 2 and 3 integration tests and bench/serve_latency.py.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    conn: http.client.HTTPConnection | None = None,
) -> Answer:
    """One HTTP request to 127.0.0.1:port; a JSON body in, the parsed JSON body out."""
    connection = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return Answer(response.status, json.loads(raw) if raw else None)
    finally:
        if conn is None:
            connection.close()


def wait_healthy(server: Server, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the API exited {server.process.returncode}:\n{server.output()}")
        try:
            if request(server.port, "GET", "/health").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"the API did not answer /health within {timeout}s:\n{server.output()}")


def start(
    command: Sequence[str], cwd: Path, log: Path, port: int, env: dict[str, str] | None = None
) -> Server:
    """Start a server command in its own process group (so `stop` ends it and its children)."""
    handle = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    handle.close()
    return Server(f"http://127.0.0.1:{port}", process, log)


def stop(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)


@contextmanager
def running(
    command: Sequence[str], cwd: Path, log: Path, port: int, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """A healthy server for the duration of the block, stopped afterwards."""
    server = start(command, cwd, log, port, env)
    try:
        wait_healthy(server)
        yield server
    finally:
        stop(server)


def uvicorn(venv: Path, package: str, port: int) -> list[str]:
    return [
        str(venv / "bin" / "uvicorn"),
        f"{package}.serve:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
