"""A generated level 3 project closes the loop: the API logs predictions and exports
metrics, the monitor sees drift, retraining registers a challenger and promotes it only
when it is better, rollback undoes it; its own test suite passes and the Kubeflow pipeline
compiles offline.

One project is generated and run for the whole module (the steps build on each other):
real MLflow (sqlite), DVC, Evidently, and the API under uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mlops_scaffold.create import create_project
from tests.conftest import make, run
from tests.support import serving
from tests.support.venvs import project_venv

pytestmark = pytest.mark.integration

PACKAGE = "drift_watch"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("level3") / "drift watch"  # a space: paths are quoted
    create_project(dest, {"level": 3, "package_name": PACKAGE}, interactive=False)
    return dest


@pytest.fixture(scope="module")
def venv(project: Path) -> Path:
    return project_venv(project)


@pytest.fixture(scope="module")
def trained(project: Path, venv: Path) -> Path:
    """`make pipeline` has run: a champion exists (version 1)."""
    make(project, "pipeline", venv)
    return project


@pytest.fixture(scope="module")
def api(trained: Path, venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's API under uvicorn on a free local port; its base URL."""
    port = serving.free_port()
    log = tmp_path_factory.mktemp("api") / "uvicorn.log"
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    with serving.running(serving.uvicorn(venv, PACKAGE, port), trained, log, port, env) as server:
        yield server.url


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def registry(project: Path, venv: Path, script: str) -> str:
    """Run Python against the project's MLflow store; its stdout."""
    code = (
        "from mlflow import MlflowClient\n"
        f"from {PACKAGE}.tracking import configure, model_name\n"
        "configure(); client = MlflowClient(); name = model_name()\n" + script
    )
    return run([str(venv / "bin" / "python"), "-c", code], cwd=project).stdout.strip()


def alias(project: Path, venv: Path, name: str) -> str:
    return registry(
        project, venv, f"print(client.get_model_version_by_alias(name, {name!r}).version)"
    )


def logged_predictions(project: Path) -> int:
    """The number of predictions in the project's prediction log."""
    return sum(
        len(path.read_text("utf-8").splitlines())
        for path in (project / "data" / "predictions").glob("predictions-*.jsonl")
    )


def decisions(project: Path) -> list[dict[str, object]]:
    path = project / "reports" / "monitoring" / "decisions.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_simulated_drift_against_the_running_api(trained: Path, venv: Path, api: str) -> None:
    assert alias(trained, venv, "champion") == "1"
    result = make(trained, "simulate-drift", venv, URL=api)
    story = result.stdout
    assert "steady window" in story and "shifted window" in story and "PROMOTED" in story

    # the decisions: no retraining on steady traffic, retraining on shifted traffic
    monitor_steady, monitor_shifted, retrained = decisions(trained)
    assert monitor_steady["event"] == "monitor" and monitor_steady["retrain"] is False
    assert monitor_shifted["event"] == "monitor" and monitor_shifted["retrain"] is True
    assert "drift" in str(monitor_shifted["reason"])
    assert retrained["event"] == "retrain" and retrained["promoted"] is True
    assert retrained["decision"] == "promoted"

    # the registry: the challenger took the champion alias and remembers its predecessor
    assert alias(trained, venv, "champion") == "2"
    assert alias(trained, venv, "challenger") == "2"
    tags = registry(trained, venv, "print(dict(client.get_model_version(name, '2').tags))")
    assert "'previous_champion': '1'" in tags and "'training_data': 'data/retrain/" in tags

    # the reports
    monitoring = trained / "reports" / "monitoring"
    assert (monitoring / "drift-report.html").stat().st_size > 100_000
    summary = json.loads((monitoring / "summary.json").read_text("utf-8"))
    assert summary["drift_detected"] and summary["current_rows"] == 300
    record = json.loads((monitoring / "retrain.json").read_text("utf-8"))
    assert record["challenger"]["score"] > record["previous_champion"]["score"]

    # the running API logged all 600 predictions and counted them
    assert logged_predictions(trained) == 600
    status, metrics = get(f"{api}/metrics")
    assert status == 200
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("model_predictions_total{")
    )
    assert counted == 600
    assert 'model_info{version="1"} 1.0' in metrics
    assert "prediction_log_failures_total 0.0" in metrics
    # the API reads the monitor's summary for the drift gauge
    drift = next(line for line in metrics.splitlines() if line.startswith("model_drift_share "))
    assert float(drift.split()[1]) == pytest.approx(summary["drift_share"])


def test_rollback_restores_the_previous_champion(trained: Path, venv: Path) -> None:
    assert alias(trained, venv, "champion") == "2"
    make(trained, "rollback", venv)
    assert alias(trained, venv, "champion") == "1"
    assert decisions(trained)[-1]["event"] == "rollback"


def test_retrain_does_nothing_when_the_policy_does_not_ask(trained: Path, venv: Path) -> None:
    make(trained, "monitor", venv)  # in cool-down after the simulated retraining
    result = make(trained, "retrain", venv)
    assert "nothing to do" in result.stdout


def test_generated_test_suite_and_lint_pass(trained: Path, venv: Path) -> None:
    logged, decided = logged_predictions(trained), decisions(trained)
    make(trained, "test", venv)
    make(trained, "lint", venv)
    # the tests work in scratch projects: the project's own log and decisions are untouched
    assert logged_predictions(trained) == logged
    assert decisions(trained) == decided


def test_kubeflow_pipeline_compiles_offline(trained: Path, venv: Path) -> None:
    make(trained, "kfp", venv)
    compiled = yaml.safe_load((trained / "pipelines" / "kubeflow-pipeline.yaml").read_text())
    assert compiled["pipelineInfo"]["name"] == "drift-watch-training"
    tasks = compiled["root"]["dag"]["tasks"]
    assert {"ingest", "validate", "prepare", "train-model", "evaluate", "register"} <= set(tasks)
    assert tasks["register"]["dependentTasks"] and "evaluate" in tasks["register"]["dependentTasks"]
    images = {
        spec["container"]["image"] for spec in compiled["deploymentSpec"]["executors"].values()
    }
    assert images == {"drift-watch-pipeline:latest"}
