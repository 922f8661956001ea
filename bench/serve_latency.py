"""Latency of a generated project's POST /predict under uvicorn on 127.0.0.1.

    python -m bench.serve_latency                      # generates a level 2 project first
    python -m bench.serve_latency --project DIR        # a level 2+ project, pipeline already run
    python -m bench.serve_latency --requests 500 --batch 1 --batch 100

Run it from the repository root (`make bench-serve`), so that `tests.support` imports.

Sends sequential requests over one keep-alive connection (one client, no concurrency),
after a warm-up, and prints p50/p99/mean in milliseconds per batch size. It measures the
whole round trip on loopback: JSON parsing, validation, the model, the response.
Needs this repo's dev environment (mlops-scaffold installed); the project's venv comes
from tests/support/venvs.py (cached).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support import serving
from tests.support.venvs import project_venv


def prepare(project: Path | None, work: Path) -> tuple[Path, Path, str]:
    """A project with a trained champion and its venv; (project, venv, package)."""
    from mlops_scaffold.create import create_project

    if project is None:
        project = work / "bench-api"
        create_project(project, {"level": 2, "package_name": "bench_api"}, use_git=True)
    venv = project_venv(project)
    package = next(p.name for p in (project / "src").iterdir() if (p / "serve.py").is_file())
    if not (project / "reports" / "promotion.json").is_file():
        done = subprocess.run(
            ["make", "pipeline", f"VENV={venv}"], cwd=project, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"make pipeline failed:\n{done.stdout}\n{done.stderr}")
    return project, venv, package


def held_out_rows(path: Path, limit: int = 100) -> list[dict[str, float]]:
    """Feature rows of the held-out split, as /predict records."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [
            {name: float(value) for name, value in row.items() if name != "target"}
            for _, row in zip(range(limit), reader, strict=False)
        ]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def measure(port: int, body: str, requests: int, warmup: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    timings = []
    try:
        for i in range(warmup + requests):
            started = time.perf_counter()
            connection.request("POST", "/predict", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise SystemExit(f"/predict answered {response.status}")
            if i >= warmup:
                timings.append(elapsed * 1000)
    finally:
        connection.close()
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a generated level 2+ project")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per batch size")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--batch", type=int, action="append", help="batch sizes (default 1, 100)")
    args = parser.parse_args(argv)
    batches = args.batch or [1, 100]

    with tempfile.TemporaryDirectory(prefix="serve-latency-") as scratch:
        work = Path(scratch)
        project, venv, package = prepare(args.project, work)
        rows = held_out_rows(project / "data" / "processed" / "test.csv")

        port = serving.free_port()
        command = [*serving.uvicorn(venv, package, port), "--log-level", "warning"]
        with serving.running(command, project, work / "uvicorn.log", port):
            print(f"{'batch':>6} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
            for batch in batches:
                records = [rows[i % len(rows)] for i in range(batch)]
                body = json.dumps({"records": records})
                timings = measure(port, body, args.requests, args.warmup)
                print(
                    f"{batch:>6} {len(timings):>9} {percentile(timings, 50):>8.2f} "
                    f"{percentile(timings, 99):>8.2f} {statistics.fmean(timings):>8.2f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
