"""A generated level 2 project trains, promotes, serves over real HTTP and passes its own tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Generate, make, run
from tests.support import serving
from tests.support.venvs import project_venv

pytestmark = pytest.mark.integration

PACKAGE = "credit_api"


def error_fields(answer: serving.Answer) -> list[str]:
    return [str(part) for error in answer.body["detail"] for part in error["loc"]]


def test_level2_project_serves_over_http(generate: Generate, tmp_path: Path) -> None:
    project = generate(2, "credit api", package_name=PACKAGE)  # a space: paths are quoted
    venv = project_venv(project)

    make(project, "pipeline", venv)
    promotion = json.loads((project / "reports" / "promotion.json").read_text("utf-8"))
    assert promotion["decision"] == "promoted"
    assert promotion["champion_version"] == "1"
    assert "roc_auc=" in make(project, "gate", venv).stdout  # the CI's quality gate
    make(project, "export-model", venv)
    sample = json.loads((project / "models/champion/sample_request.json").read_text("utf-8"))

    # `make serve`: the champion from the project's registry, on loopback.
    port = serving.free_port()
    command = ["make", "--no-print-directory", "serve", f"VENV={venv}", f"PORT={port}"]
    with serving.running(command, project, tmp_path / "serve.log", port) as server:
        version = serving.request(port, "GET", "/version")
        assert version.status == 200
        assert version.body == {
            "name": PACKAGE,
            "version": "1",
            "alias": "champion",
            "source": f"models:/{PACKAGE}@champion",
        }
        assert serving.request(port, "GET", "/health").body == {"status": "ok"}

        valid = serving.request(port, "POST", "/predict", sample)
        assert valid.status == 200, valid.body
        assert set(valid.body) == {"request_id", "model_version", "predictions", "probabilities"}
        assert valid.body["model_version"] == "1"
        assert len(valid.body["predictions"]) == len(sample["records"])
        assert set(valid.body["predictions"]) <= {0, 1}
        assert all(0 <= p <= 1 for p in valid.body["probabilities"])

        bad = {**sample["records"][0], "mean_area": "huge"}
        invalid = serving.request(port, "POST", "/predict", {"records": [bad]})
        assert invalid.status == 422
        assert "mean_area" in error_fields(invalid)

        out_of_range = {**sample["records"][0], "mean_radius": 1e6}
        answer = serving.request(port, "POST", "/predict", {"records": [out_of_range]})
        assert answer.status == 422
        assert "mean_radius" in error_fields(answer)

        oversize = {"records": sample["records"][:1] * 1001}
        answer = serving.request(port, "POST", "/predict", oversize)
        assert answer.status == 422
        assert "records" in error_fields(answer)
        assert len(json.dumps(answer.body)) < 2000, "a 422 does not echo the whole batch"

        smoke = run(
            ["sh", "scripts/smoke_test.sh", server.url, "models/champion/sample_request.json"],
            cwd=project,
        )
        assert "smoke test passed" in smoke.stdout

    # As in the container: the exported model only, started from another folder, and a
    # tracking URI that answers nothing (the registry must not be needed).
    port = serving.free_port()
    elsewhere = tmp_path / "container"
    elsewhere.mkdir()
    env = {
        "MODEL_DIR": str(project / "models" / "champion"),
        "MLFLOW_TRACKING_URI": "http://127.0.0.1:9",
    }
    command = serving.uvicorn(venv, PACKAGE, port)
    with serving.running(command, elsewhere, tmp_path / "exported.log", port, env):
        version = serving.request(port, "GET", "/version")
        assert version.body["version"] == "1"
        assert version.body["source"] == str(project / "models" / "champion")
        again = serving.request(port, "POST", "/predict", sample)
        assert again.body["predictions"] == valid.body["predictions"]

    # No model: the server refuses to start, and says what to do.
    missing = subprocess.run(
        serving.uvicorn(venv, PACKAGE, serving.free_port()),
        cwd=elsewhere,
        env={**os.environ, "MODEL_DIR": str(tmp_path / "nothing")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode != 0
    assert "make export-model" in missing.stdout + missing.stderr
    assert "Traceback" not in missing.stdout + missing.stderr

    # Nothing changed: the pipeline (promotion included) is a no-op.
    rerun = make(project, "pipeline", venv)
    assert "Data and pipelines are up to date" in rerun.stdout, rerun.stdout

    # The generated project's own suite (timed by bench/project_speed.py), and its lint.
    make(project, "test", venv)
    make(project, "lint", venv)
