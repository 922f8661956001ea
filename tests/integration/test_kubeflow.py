"""A generated level 3 project's Kubeflow pipeline compiles to steps that install nothing,
and runs end to end with kfp's local subprocess runner on the bundled data.

The project lives in a path without a space: kfp's local runner writes the interpreter's
path into a shell line unquoted, and the pipeline module refuses such a path (tested below).
The run uses the defaults a user gets: outputs in reports/kfp, the project's own MLflow store.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from mlops_scaffold.create import create_project
from tests.conftest import make, run
from tests.support.venvs import project_venv

pytestmark = pytest.mark.integration

PACKAGE = "kfp_watch"
STEPS = ("ingest", "validate", "prepare", "train-model", "evaluate", "register")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("kfp") / "kfp_watch"
    create_project(dest, {"level": 3, "package_name": PACKAGE}, interactive=False)
    return dest


@pytest.fixture(scope="module")
def venv(project: Path) -> Path:
    return project_venv(project)


@pytest.fixture(scope="module")
def local_run(project: Path, venv: Path) -> Path:
    """The folder of one local run of the whole pipeline (defaults: reports/kfp, the
    project's own MLflow store): one subfolder per step."""
    command = [str(venv / "bin" / "python"), "pipelines/kubeflow.py", "--run-locally"]
    assert "kfp: pipeline ran locally" in run(command, cwd=project).stdout
    (run_folder,) = (project / "reports" / "kfp").iterdir()
    return run_folder


def in_venv(venv: Path, project: Path, code: str, *args: str) -> str:
    """Run Python code with arguments in the project's venv; its stdout."""
    return run([str(venv / "bin" / "python"), "-c", code, *args], cwd=project).stdout.strip()


def csv_rows(path: Path) -> int:
    """The number of data rows of a CSV file (a header, no quoted newlines)."""
    return len(path.read_text("utf-8").splitlines()) - 1


def step_artifacts(run_folder: Path, step: str) -> dict[str, dict[str, object]]:
    """A step's output artifacts by name, as its executor recorded them."""
    output = json.loads((run_folder / step / "executor_output.json").read_text("utf-8"))
    return {name: entry["artifacts"][0] for name, entry in output.get("artifacts", {}).items()}


def test_compiled_steps_install_nothing_at_run_time(project: Path, venv: Path) -> None:
    make(project, "kfp", venv)
    compiled = yaml.safe_load((project / "pipelines" / "kubeflow-pipeline.yaml").read_text())
    executors = compiled["deploymentSpec"]["executors"]
    assert len(executors) == len(STEPS)
    for name, spec in executors.items():
        command = " ".join([*spec["container"]["command"], *spec["container"].get("args", [])])
        assert "pip install" not in command and "ensurepip" not in command, name
        assert "python3 -m kfp.dsl.executor_main" in command, name


def test_whole_pipeline_runs_locally(project: Path, venv: Path, local_run: Path) -> None:
    assert {path.name for path in local_run.iterdir()} == set(STEPS)

    # the data steps: the bundled dataset (569 rows), split into train and test
    raw, valid = local_run / "ingest" / "raw", local_run / "validate" / "valid"
    train, test = local_run / "prepare" / "train", local_run / "prepare" / "test"
    n_raw, n_valid, n_train, n_test = (csv_rows(path) for path in (raw, valid, train, test))
    assert n_raw == n_valid == 569
    assert n_train + n_test == n_valid and 0 < n_test < n_train

    # the gate passed: every threshold in params.yaml is met by the logged metrics
    logged = step_artifacts(local_run, "evaluate")["metrics"]["metadata"]
    assert isinstance(logged, dict)
    params = yaml.safe_load((project / "params.yaml").read_text("utf-8"))
    thresholds = params["evaluate"]["thresholds"]
    assert thresholds
    for name, minimum in thresholds.items():
        assert logged[name] >= minimum, name

    # the model artifact is the fitted model: its scores on the test split are the logged
    # metrics; register ran after the gate and made it version 1 in the project's MLflow store
    model = local_run / "train-model" / "model"
    assert step_artifacts(local_run, "train-model")["model"]["uri"] == str(model)
    register = json.loads((local_run / "register" / "executor_output.json").read_text("utf-8"))
    assert register["parameterValues"]["Output"] == "1"
    checked = json.loads(
        in_venv(
            venv,
            project,
            "import json, sys, joblib, pandas as pd\n"
            "from mlflow import MlflowClient\n"
            f"from {PACKAGE}.evaluate import compute_metrics\n"
            f"from {PACKAGE}.tracking import configure, model_name\n"
            "model, test = joblib.load(sys.argv[1]), pd.read_csv(sys.argv[2])\n"
            "configure()\n"
            "found = MlflowClient().search_model_versions(f\"name='{model_name()}'\")\n"
            "print(json.dumps({'metrics': compute_metrics(model, test),"
            " 'versions': [str(version.version) for version in found]}))",
            str(model),
            str(test),
        )
    )
    assert checked["metrics"] == pytest.approx(logged)
    assert checked["versions"] == ["1"]

    # the run wrote only ignored files (reports/kfp, mlflow.db, mlartifacts/): git sees nothing
    status = run(["git", "status", "--porcelain"], cwd=project).stdout
    assert status.strip() == "", status


def test_local_run_refuses_an_interpreter_path_with_a_space(project: Path, venv: Path) -> None:
    spaced = project.parent / "venv with space"
    spaced.symlink_to(venv, target_is_directory=True)
    outputs = project.parent / "refused-outputs"
    python = str(spaced / "bin" / "python")
    result = subprocess.run(
        [python, "pipelines/kubeflow.py", "--run-locally", "--outputs", str(outputs)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kfp: the local runner cannot start"), lines
    assert "venv with space" in lines[0] and "Traceback" not in result.stderr
    assert not outputs.exists()
