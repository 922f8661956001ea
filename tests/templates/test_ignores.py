"""Every output of a generated make target is ignored by git, unless the README says to commit it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlops_scaffold.render import render

# What each level's targets write (make run, pipeline, predict, plots, export-model, monitor,
# kfp, simulate-drift, test, lint), level by level.
OUTPUTS = {
    0: [
        "data/raw/dataset.csv",
        "models/model.joblib",
        "reports/figures/roc_curve.png",
        "reports/notebook/01-train-model.ipynb",
        ".pytest_cache/v/cache/nodeids",
        ".ruff_cache/CACHEDIR.TAG",
    ],
    1: [
        "data/processed/train.csv",
        "reports/validation.json",
        "reports/registered_model.json",
        "reports/predictions.csv",
        "reports/notebook/metrics.json",
        "mlflow.db",
        "mlartifacts/1/models/m-1/artifacts/model.pkl",
        "dvc_plots/index.html",
        ".dvc/tmp/lock",
        ".dvc/cache/files/md5/00/0",
    ],
    2: ["models/champion/serving.json", "reports/promotion.json"],
    3: [
        "data/predictions/predictions-2026-01-01-host.jsonl",
        "data/retrain/train.csv",
        "reports/monitoring/summary.json",
        "pipelines/kubeflow-pipeline.yaml",
    ],
}
COMMITTED = {1: ["dvc.lock", "reports/metrics.json"]}


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_outputs_are_ignored_and_committed_files_are_not(tmp_path: Path, level: int) -> None:
    project = tmp_path / "p"
    render(project, {"level": level})
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    outputs = [path for n in range(level + 1) for path in OUTPUTS[n]]
    committed = [path for n in range(level + 1) for path in COMMITTED.get(n, [])]
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *outputs, *committed],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    ignored = {
        line.split("\t", 1)[1]
        for line in checked.stdout.splitlines()
        if not line.startswith("::") and not line.split("\t", 1)[0].split(":")[-1].startswith("!")
    }
    assert sorted(set(outputs) - ignored) == []
    assert sorted(set(committed) & ignored) == []
