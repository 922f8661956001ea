"""A generated level 2 API's /docs and /redoc render in a real browser with no network.

FastAPI's default docs pages load Swagger UI and ReDoc from a CDN, so offline they are
blank. The generated API serves the assets itself (fastapi-offline): headless Chromium,
with every host but 127.0.0.1 unresolvable, must render the API's operations, which
only the Swagger UI and ReDoc scripts write into the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Generate, run
from tests.support import browser, serving
from tests.support.venvs import project_venv

pytestmark = pytest.mark.integration

PACKAGE = "docs_api"

# The model the API needs to start, fitted by the project's own code on its bundled data
# (the docs pages do not depend on which model is served, so no pipeline run is needed).
SAVE_MODEL = f"""
import sys
import mlflow.sklearn
from {PACKAGE} import ingest, prepare, train
from {PACKAGE}.config import load_params

params = load_params("params.yaml")
train_df, _ = prepare.split(prepare.features(ingest.load_source(params)), params)
mlflow.sklearn.save_model(train.fit(train_df, params), sys.argv[1])
"""


def test_docs_pages_render_the_operations_offline(generate: Generate, tmp_path: Path) -> None:
    project = generate(2, "docs api", package_name=PACKAGE)
    venv = project_venv(project)
    model_dir = tmp_path / "model"
    run([str(venv / "bin" / "python"), "-c", SAVE_MODEL, str(model_dir)], cwd=project)

    port = serving.free_port()
    command = serving.uvicorn(venv, PACKAGE, port)
    env = {"MODEL_DIR": str(model_dir), "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}
    with serving.running(command, project, tmp_path / "serve.log", port, env) as server:
        swagger = browser.rendered_dom(f"{server.url}/docs", tmp_path / "profile-docs")
        redoc = browser.rendered_dom(f"{server.url}/redoc", tmp_path / "profile-redoc")

    # Swagger UI lists each operation as a block with its method and path.
    assert 'class="swagger-ui' in swagger, swagger[:2000]
    for path in ("/predict", "/health", "/version"):
        assert f'data-path="{path}"' in swagger, f"{path} missing from the rendered /docs"
    # ReDoc renders each operation's summary and its path in the side menu and the body.
    for operation in ("Predict", "Health", "Version"):
        assert operation in redoc, f"{operation} missing from the rendered /redoc"
    assert "/predict" in redoc, redoc[:2000]
