"""A generated level 0 project installs, passes its own tests and trains a model with `make run`."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import Generate, make, run
from tests.support.venvs import project_venv

pytestmark = pytest.mark.integration

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_level0_project_runs_end_to_end(generate: Generate) -> None:
    project = generate(0, "churn demo", package_name="churn_demo")  # a space: paths are quoted
    venv = project_venv(project)

    make(project, "test", venv)
    make(project, "run", venv)

    executed = project / "reports" / "notebook" / "01-train-model.ipynb"
    assert executed.is_file(), "make run keeps the executed notebook in reports/notebook/"
    cells = json.loads(executed.read_text("utf-8"))["cells"]
    errors = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors

    metrics = json.loads((project / "reports" / "notebook" / "metrics.json").read_text("utf-8"))
    assert 0.85 < metrics["accuracy"] <= 1.0
    assert 0.85 < metrics["f1"] <= 1.0
    assert 0.9 < metrics["roc_auc"] <= 1.0

    model_file = project / "reports" / "notebook" / "model.joblib"
    probe = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import joblib, sys; m = joblib.load(sys.argv[1]); "
            "print(type(m).__name__, [name for name, _ in m.steps], m.n_features_in_)",
            str(model_file),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split(maxsplit=1)[0] == "Pipeline"
    assert probe.stdout.strip().endswith(" 30")

    figures = {
        path.name: path for path in (project / "reports" / "notebook" / "figures").glob("*.png")
    }
    assert {"exploration.png", "confusion_matrix.png", "roc_curve.png"} <= figures.keys()
    for path in figures.values():
        assert path.read_bytes().startswith(PNG_SIGNATURE), path.name

    # Everything the runs wrote is git-ignored: the tree stays clean, as an upgrade needs.
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project)
    assert status.stdout == ""


def test_level0_project_is_ruff_clean(generate: Generate) -> None:
    project = generate(0, "lint-demo")
    venv = project_venv(project)
    make(project, "lint", venv)  # ruff check and ruff format --check
    # The notebook is linted and format-checked too, not skipped.
    ruff = str(venv / "bin" / "ruff")
    listed = run([ruff, "check", "--no-cache", "--show-files", "."], cwd=project).stdout
    assert "notebooks/01-train-model.ipynb" in listed
