"""Fixtures shared by the test suite."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlops_scaffold.create import create_project

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

Generate = Callable[..., Path]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests depend neither on the machine's git configuration nor on the make running them."""
    for var, value in {
        "GIT_AUTHOR_NAME": "Test Team",
        "GIT_AUTHOR_EMAIL": "team@example.com",
        "GIT_COMMITTER_NAME": "Test Team",
        "GIT_COMMITTER_EMAIL": "team@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }.items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("MLOPS_SCAFFOLD_TEMPLATES", raising=False)
    # Under `make test`, a generated project's make would see itself as a sub-make (and print
    # "Entering directory"): tests run it as a user does, from a shell.
    for var in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def generate(tmp_path: Path) -> Generate:
    """Generate a project with defaults: generate(level, name="demo", **answers) -> path."""

    def _generate(level: int, name: str = "demo", **answers: Any) -> Path:
        dest = tmp_path / name
        create_project(dest, {"level": level, **answers}, interactive=False)
        return dest

    return _generate


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output when it fails."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
    )
    return result


def make(
    project: Path, target: str, venv: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    """Run a target of a generated project's Makefile with a given venv."""
    extra = [f"{k}={v}" for k, v in variables.items()]
    return run(["make", "--no-print-directory", target, f"VENV={venv}", *extra], cwd=project)
