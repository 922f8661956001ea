"""Virtual environments for generated projects, cached between test runs.

A venv is keyed by the Python version and the generated project's dependency
list (runtime and `dev` extra), so projects with the same dependencies share
one, and a template change that adds a dependency gets a fresh one.
Set MLOPS_SCAFFOLD_VENV_CACHE to move the cache (default ~/.cache/mlops-scaffold/venvs).
Venvs unused for PRUNE_AFTER_DAYS are deleted, so old dependency sets do not pile up.

Each project gets its own thin venv layered on the cached one (a `.pth` file adds the
cached site-packages, and the cached console scripts are copied with this venv's
interpreter), holding only the project's editable install. So test runs in parallel,
or two projects with the same package name, never repoint each other's install.

uv builds them when it is available (`make venv` installs it into .venv): its own
cache hard-links package files, so the four levels' venvs share one copy of each
package. Without uv, pip builds them (much slower; a notice says so).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

CACHE = Path(
    os.environ.get("MLOPS_SCAFFOLD_VENV_CACHE", Path.home() / ".cache" / "mlops-scaffold" / "venvs")
)
BUILD_TOOLS = ["hatchling>=1.25"]
PRUNE_AFTER_DAYS = 30


def dependencies(project: Path) -> list[str]:
    """The runtime and dev dependencies a generated project declares."""
    meta = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))["project"]
    extras = meta.get("optional-dependencies", {})
    return sorted({*meta.get("dependencies", []), *extras.get("dev", []), *BUILD_TOOLS})


def venv_key(project: Path) -> str:
    payload = json.dumps([sys.version_info[:2], dependencies(project)])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def project_venv(project: Path) -> Path:
    """A venv with the project's dependencies (cached) and the project itself (editable).

    It lives beside the project (`.<name>-<key>-venv`), outside its git work tree; the key
    names the dependency set, so an upgraded project gets a venv with its new dependencies.
    """
    base = cached_venv(project)
    venv = project.parent / f".{project.name}-{base.name}-venv"
    if not (venv / "bin" / "python").exists():
        _layer(venv, base)
    install(venv, "--no-deps", "--no-build-isolation", "-e", str(project))
    return venv


def cached_venv(project: Path) -> Path:
    """The shared venv holding the project's dependencies, built on first use."""
    venv = CACHE / venv_key(project)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / ".complete").exists():
            _build(venv, dependencies(project), project.name)
        (venv / ".complete").touch()  # its mtime records the last use
    _prune(keep=venv)
    return venv


def _layer(venv: Path, base: Path) -> None:
    """A venv that sees `base`'s packages and has its console scripts."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (_site_packages(venv) / "_cached_dependencies.pth").write_text(
        f"{_site_packages(base)}\n", encoding="utf-8"
    )
    shebang = f"#!{base / 'bin' / 'python'}".encode()
    header = _script_header(venv / "bin" / "python")
    for script in (base / "bin").iterdir():
        target = venv / "bin" / script.name
        if target.exists() or not script.is_file():
            continue
        content = script.read_bytes()
        first, sep, rest = content.partition(b"\n")
        if first.startswith(shebang):  # python, python3 ... are links, not scripts
            target.write_bytes(header + sep + rest)
            target.chmod(0o755)
        elif os.access(script, os.X_OK) and not first.startswith(b"#!"):
            target.symlink_to(script)  # a compiled tool (ruff, uv): it needs no interpreter


def _script_header(python: Path) -> bytes:
    """A console script's first lines. A shebang cannot hold a space, so such a path gets the
    sh trampoline pip and uv write: a string to Python, an `exec` of the interpreter to sh."""
    if " " not in str(python):
        return f"#!{python}".encode()
    return f"#!/bin/sh\n'''exec' \"{python}\" \"$0\" \"$@\"\n' '''".encode()


def _site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def _prune(keep: Path) -> None:
    """Delete cached venvs not used for PRUNE_AFTER_DAYS."""
    cutoff = time.time() - PRUNE_AFTER_DAYS * 86400
    for marker in CACHE.glob("*/.complete"):
        venv = marker.parent
        if venv != keep and marker.stat().st_mtime < cutoff:
            shutil.rmtree(venv, ignore_errors=True)
            (CACHE / f"{venv.name}.lock").unlink(missing_ok=True)


def uv() -> str | None:
    """The uv executable: beside this Python (the dev venv), else on PATH."""
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


def install(venv: Path, *args: str) -> None:
    """`pip install ARGS` into `venv`, quietly, with uv when there is one."""
    python = str(venv / "bin" / "python")
    tool = uv()
    if tool:
        command = [tool, "pip", "install", "--quiet", "--python", python, *args]
    else:
        command = [python, "-m", "pip", "--disable-pip-version-check", "install", "--quiet", *args]
    subprocess.run(command, check=True)


def _build(venv: Path, deps: list[str], project: str) -> None:
    """Build in place (venvs are not relocatable); `.complete` marks a finished build."""
    tool = uv()
    how = "uv, about 1 min" if tool else "pip without uv, 5-15 min"
    print(
        f"\nbuilding a cached venv for {project}'s {len(deps)} dependencies ({how}, "
        f"first run only): {venv}",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    shutil.rmtree(venv, ignore_errors=True)
    if tool:
        subprocess.run([tool, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install(venv, *deps)
    (venv / ".complete").write_text("\n".join(deps) + "\n")
    print(f"built in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
