"""A generated level 1 project runs its DVC pipeline, tracks and registers the model in
MLflow, skips everything on an unchanged re-run, and stops on bad data or a weak model."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.conftest import Generate, make, run
from tests.support.venvs import project_venv

pytestmark = pytest.mark.integration

STEPS = ("ingest", "validate", "prepare", "train", "evaluate", "register")
# Paths inside an sdist (name-version/...) or a wheel that would publish data or models.
PRIVATE = re.compile(r"(^|/)(data|models|reports|mlartifacts|\.dvc)/|mlflow\.db$|\.csv$|\.joblib$")


def package_members(folder: Path) -> list[str]:
    """Every file inside the sdists and wheels in `folder`."""
    members: list[str] = []
    for sdist in folder.glob("*.tar.gz"):
        with tarfile.open(sdist) as archive:
            members += [m.name for m in archive.getmembers() if m.isfile()]
    for wheel in folder.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            members += archive.namelist()
    assert len(list(folder.iterdir())) == 2, "one sdist and one wheel"
    return members


def pipeline(project: Path, venv: Path) -> subprocess.CompletedProcess[str]:
    """`make pipeline`, returning the result whether it fails or not."""
    return subprocess.run(
        ["make", "--no-print-directory", "pipeline", f"VENV={venv}"],
        cwd=project,
        env={k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def registered_versions(project: Path, venv: Path, package: str) -> list[str]:
    """The versions in the project's own registry (mlflow.db), read with the venv's MLflow."""
    script = (
        "import json\n"
        "from mlflow import MlflowClient\n"
        f"from {package} import tracking\n"
        "tracking.configure()\n"
        "versions = MlflowClient().search_model_versions(f\"name = '{tracking.model_name()}'\")\n"
        "print(json.dumps(sorted(str(v.version) for v in versions)))\n"
    )
    out = run([str(venv / "bin" / "python"), "-c", script], cwd=project).stdout
    return list(json.loads(out.strip().splitlines()[-1]))


def test_level1_pipeline_tracks_registers_and_is_a_no_op_when_unchanged(
    generate: Generate,
) -> None:
    project = generate(1, "churn-pipeline", package_name="churn_pipeline")
    venv = project_venv(project)

    first = pipeline(project, venv)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    for stage in STEPS:
        assert f"Running stage '{stage}'" in first.stdout, stage

    metrics = json.loads((project / "reports" / "metrics.json").read_text("utf-8"))
    thresholds = yaml.safe_load((project / "params.yaml").read_text("utf-8"))["evaluate"]
    for name, minimum in thresholds["thresholds"].items():
        assert minimum <= metrics[name] <= 1.0, name
    record = json.loads((project / "reports" / "registered_model.json").read_text("utf-8"))
    assert record["name"] == "churn_pipeline"
    assert record["version"] == "1"
    assert record["metrics"] == metrics and record["run_id"]
    assert registered_versions(project, venv, "churn_pipeline") == ["1"]
    assert (project / "mlflow.db").is_file()
    assert not (project / "mlruns").exists(), "MLflow must not fall back to ./mlruns"
    figures = {p.name for p in (project / "reports" / "figures").glob("*.png")}
    assert figures == {"confusion_matrix.png", "roc_curve.png"}

    second = pipeline(project, venv)
    assert second.returncode == 0, second.stderr
    assert "Running stage" not in second.stdout
    for stage in STEPS:
        assert f"Stage '{stage}' didn't change, skipping" in second.stdout, stage
    assert "Data and pipelines are up to date." in second.stdout
    assert registered_versions(project, venv, "churn_pipeline") == ["1"]

    # Manual deployment: promote the latest version, then predict with the champion.
    make(project, "promote", venv)
    make(project, "predict", venv, INPUT="data/processed/test.csv", OUTPUT="out/pred.csv")
    predictions = (project / "out" / "pred.csv").read_text("utf-8").splitlines()
    assert predictions[0].endswith(",prediction,probability")
    assert len(predictions) > 100

    # A stricter gate stops the pipeline at evaluate; nothing new is registered.
    params = (project / "params.yaml").read_text("utf-8")
    (project / "params.yaml").write_text(params.replace("roc_auc: 0.95", "roc_auc: 1.01"))
    gated = pipeline(project, venv)
    assert gated.returncode != 0
    assert "failed to reproduce 'evaluate'" in gated.stderr
    assert "fails the evaluation gate" in gated.stderr and "< 1.01" in gated.stderr
    assert "Running stage 'register'" not in gated.stdout
    assert registered_versions(project, venv, "churn_pipeline") == ["1"]
    (project / "params.yaml").write_text(params)

    make(project, "test", venv)

    # What a run leaves for git: the lock file and the metrics, to commit with the code.
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project)
    assert sorted(status.stdout.splitlines()) == [
        "?? dvc.lock",
        "?? out/pred.csv",
        "?? reports/metrics.json",
    ]

    # Built packages hold the source only: nothing from data/, models/, reports/ or .dvc/.
    built = project.parent / "dist"
    run([str(venv / "bin" / "python"), "-m", "hatchling", "build", "-d", str(built)], cwd=project)
    members = package_members(built)
    assert any(name.endswith("churn_pipeline/train.py") for name in members)
    leaked = [m for m in members if PRIVATE.search(m)]
    assert not leaked, leaked


def test_level1_bad_data_stops_at_validate_and_registers_nothing(generate: Generate) -> None:
    project = generate(1, "bad-data", package_name="bad_data")
    venv = project_venv(project)
    corrupt = project / "data" / "external" / "patients.csv"
    script = (
        "import sys\n"
        "from bad_data.config import Params\n"
        "from bad_data.ingest import load_source\n"
        "df = load_source(Params()).rename(columns={'mean_radius': 'radius_mean'})\n"
        "df.loc[7, 'mean_area'] = -1.0\n"
        "df.to_csv(sys.argv[1], index=False)\n"
    )
    run([str(venv / "bin" / "python"), "-c", script, str(corrupt)], cwd=project)
    params = project / "params.yaml"
    params.write_text(
        params.read_text("utf-8").replace(
            "source: sklearn:breast_cancer", "source: data/external/patients.csv"
        )
    )

    result = pipeline(project, venv)
    assert result.returncode != 0
    assert "failed to reproduce 'validate'" in result.stderr
    message = [line for line in result.stderr.splitlines() if line.startswith("validate: ")]
    assert len(message) == 1, result.stderr
    assert "column 'mean_radius' is missing [column_in_dataframe]" in message[0]
    assert "column 'mean_area' fails in 1 row(s), e.g. -1.0 at row 7" in message[0]
    assert "[in_range(0.0, 5000.0)]" in message[0]
    for stage in ("prepare", "train", "evaluate", "register"):
        assert f"Running stage '{stage}'" not in result.stdout, stage
    assert not (project / "models" / "model.joblib").exists()
    assert not (project / "reports" / "registered_model.json").exists()
    assert not (project / "mlflow.db").exists(), "nothing was tracked or registered"


def test_level1_project_is_ruff_clean(generate: Generate) -> None:
    project = generate(1, "lint-demo")
    venv = project_venv(project)
    make(project, "lint", venv)  # ruff check and ruff format --check
