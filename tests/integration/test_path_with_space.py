"""A generated project works from a folder whose path contains a space.

`make install` builds the project's own .venv for real, with uv, quietly: one summary line.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops_scaffold.create import create_project
from tests.conftest import run


@pytest.mark.integration
def test_level1_installs_runs_and_tests_from_a_path_with_a_space(tmp_path: Path) -> None:
    project = tmp_path / "ml projects" / "churn app"
    create_project(project, {"level": 1}, interactive=False)

    install = run(["make", "--no-print-directory", "install"], cwd=project, timeout=1800)
    summary = install.stdout.strip().splitlines()
    assert len(summary) == 1, install.stdout
    assert summary[0].startswith("Installed churn_app and ") and " with uv in " in summary[0]
    assert (project / ".venv" / "bin" / "python").is_file()

    run(["make", "--no-print-directory", "pipeline"], cwd=project)
    assert (project / "reports" / "metrics.json").is_file()
    tests = run(["make", "--no-print-directory", "test"], cwd=project, timeout=1800)
    assert " passed" in tests.stdout and " failed" not in tests.stdout


def path_without_uv() -> str:
    """PATH without the folders that hold a `uv` executable."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(f for f in folders if not (Path(f) / "uv").exists())


@pytest.mark.integration
def test_install_puts_uv_into_the_venv_when_there_is_none(tmp_path: Path) -> None:
    project = tmp_path / "with space" / "churn"
    create_project(project, {"level": 0}, interactive=False)
    install = run(["make", "install"], cwd=project, env={"PATH": path_without_uv()}, timeout=1800)
    assert " with uv in " in install.stdout, install.stdout
    assert (project / ".venv" / "bin" / "uv").is_file()

    # `make lock` pins every dependency; later installs take the pinned versions.
    run(["make", "lock"], cwd=project, env={"PATH": path_without_uv()}, timeout=600)
    lock = project / "requirements.lock"
    pins = [line for line in lock.read_text("utf-8").splitlines() if "==" in line]
    assert any(line.startswith("scikit-learn==") for line in pins), pins
    lock.write_text(
        "\n".join("joblib==1.4.0" if p.startswith("joblib==") else p for p in pins) + "\n"
    )
    run(["make", "install"], cwd=project, env={"PATH": path_without_uv()}, timeout=1800)
    version = run(
        [
            str(project / ".venv" / "bin" / "python"),
            "-c",
            "import joblib; print(joblib.__version__)",
        ],
        cwd=project,
    )
    assert version.stdout.strip() == "1.4.0"


@pytest.mark.integration
def test_install_falls_back_to_pip_with_a_notice(tmp_path: Path) -> None:
    """uv cannot be had (a constraint no uv release meets): pip installs, and says so once."""
    project = tmp_path / "with space" / "churn"
    create_project(project, {"level": 0}, interactive=False)
    constraints = tmp_path / "no-uv.txt"
    constraints.write_text("uv==0.0.0\n")
    env = {"PATH": path_without_uv(), "PIP_CONSTRAINT": str(constraints)}
    install = run(["make", "install"], cwd=project, env=env, timeout=1800)
    lines = install.stdout.strip().splitlines()
    assert lines[0] == "uv is not available: installing with pip, which takes several minutes"
    assert len(lines) == 2 and " with pip in " in lines[1], install.stdout
    run([str(project / ".venv" / "bin" / "python"), "-c", "import sklearn, nbformat"], cwd=project)
