"""The level 2 layer: serving API, promotion, container, CI/CD and Kubernetes manifests.

Projects are generated once per module (one per CI provider) and checked offline with the
real linters and schemas (tests/support/checkers.py); nothing is installed or run here.
tests/integration/test_level2.py runs a generated project.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.projects import render_plain
from tests.support import checkers

GITHUB_WORKFLOWS = ("ci.yml", "cd.yml", "deploy.yml")
LAYER2_PYTHON = ("serve.py", "promotion.py", "export.py")
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


generate = partial(render_plain, level=2)


@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gh") / "fraud-api", package_name="fraud_api")


@pytest.fixture(scope="module")
def gitlab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(
        tmp_path_factory.mktemp("gl") / "fraud-api", package_name="fraud_api", ci_provider="gitlab"
    )


@pytest.fixture(scope="module", params=["github", "gitlab"])
def project(request: pytest.FixtureRequest) -> Path:
    return Path(request.getfixturevalue(request.param))


def workflows(project: Path) -> list[Path]:
    return [project / ".github" / "workflows" / name for name in GITHUB_WORKFLOWS]


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def walk(value: Any) -> Iterator[Any]:
    """Every key and scalar of a parsed YAML document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
    else:
        yield value


# --- which files the layer produces ------------------------------------------------------


def test_github_project_has_workflows_and_no_gitlab_ci(github: Path) -> None:
    assert all(path.is_file() for path in workflows(github))
    assert not (github / ".gitlab-ci.yml").exists()


def test_gitlab_project_has_gitlab_ci_and_no_workflows(gitlab: Path) -> None:
    assert (gitlab / ".gitlab-ci.yml").is_file()
    assert not (gitlab / ".github").exists()


def test_level2_files_present(project: Path) -> None:
    for relative in [
        "Dockerfile",
        ".dockerignore",
        "docker-compose.yml",
        "scripts/smoke_test.sh",
        "deploy/k8s/base/kustomization.yaml",
        "deploy/k8s/overlays/staging/kustomization.yaml",
        "deploy/k8s/overlays/production/kustomization.yaml",
        "tests/serving/test_api.py",
        "tests/serving/test_promotion.py",
        *(f"src/fraud_api/{name}" for name in LAYER2_PYTHON),
    ]:
        assert (project / relative).is_file(), relative


def test_level1_project_has_no_level2_files(tmp_path: Path) -> None:
    project = generate(tmp_path / "p", level=1)
    for relative in ["Dockerfile", "docker-compose.yml", "deploy", ".github", "src/p/serve.py"]:
        assert not (project / relative).exists(), relative
    assert "promotion" not in load(project / "params.yaml")
    assert "promotion" not in load(project / "dvc.yaml")["stages"]
    assert "fastapi" not in (project / "pyproject.toml").read_text("utf-8")


# --- offline linters and schemas -----------------------------------------------------------


def test_github_workflows_pass_actionlint(github: Path) -> None:
    checkers.actionlint(workflows(github))


def test_github_workflows_match_their_schema(github: Path) -> None:
    checkers.jsonschema("vendor.github-workflows", workflows(github))


def test_dependabot_config_matches_its_schema(github: Path) -> None:
    config = github / ".github" / "dependabot.yml"
    checkers.jsonschema("vendor.dependabot", [config])
    ecosystems = {update["package-ecosystem"] for update in load(config)["updates"]}
    assert ecosystems == {"pip", "github-actions", "docker"}


def test_gitlab_ci_matches_its_schema(gitlab: Path) -> None:
    checkers.jsonschema("vendor.gitlab-ci", [gitlab / ".gitlab-ci.yml"])


def test_compose_file_matches_the_compose_spec(github: Path) -> None:
    checkers.jsonschema("vendor.compose-spec", [github / "docker-compose.yml"])


def test_dockerfile_passes_hadolint(github: Path) -> None:
    checkers.hadolint(github / "Dockerfile")


def test_kubernetes_base_manifests_validate(github: Path) -> None:
    base = github / "deploy" / "k8s" / "base"
    checkers.kubernetes_validate([base / "deployment.yaml", base / "service.yaml"])


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_kustomize_overlays_build_and_validate(github: Path, overlay: str, tmp_path: Path) -> None:
    rendered = checkers.kustomize_build(
        github / "deploy" / "k8s" / "overlays" / overlay, tmp_path / f"{overlay}.yaml"
    )
    checkers.kubernetes_validate([rendered])
    documents = list(yaml.safe_load_all(rendered.read_text("utf-8")))
    kinds = {d["kind"] for d in documents}
    assert {"Namespace", "Deployment", "Service"} <= kinds
    assert {d["metadata"].get("namespace") for d in documents if d["kind"] != "Namespace"} == {
        f"fraud-api-{overlay}"
    }
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == (1 if overlay == "staging" else 2)


def test_kustomize_edit_image_name_matches_the_base(github: Path) -> None:
    """CD swaps the image by name with `kustomize edit set image NAME=...`."""
    base = load(github / "deploy" / "k8s" / "base" / "deployment.yaml")
    (container,) = base["spec"]["template"]["spec"]["containers"]
    deploy = (github / ".github" / "workflows" / "deploy.yml").read_text("utf-8")
    assert f'kustomize edit set image "{container["image"]}=$IMAGE"' in deploy


def test_generated_python_is_ruff_clean(project: Path) -> None:
    files = [str(project / "src" / "fraud_api" / name) for name in LAYER2_PYTHON]
    files += [str(p) for p in (project / "tests" / "serving").glob("*.py")]
    ruff = checkers.tool("ruff")
    subprocess.run([ruff, "check", "--no-cache", *files], cwd=project, check=True)
    subprocess.run([ruff, "format", "--check", "--no-cache", *files], cwd=project, check=True)


# --- YAML types --------------------------------------------------------------------------


@pytest.mark.parametrize("ci_provider", ["github", "gitlab"])
@pytest.mark.parametrize("python_version", ["3.10", "3.12"])
def test_python_version_stays_a_string_in_every_yaml(
    tmp_path: Path, ci_provider: str, python_version: str
) -> None:
    project = generate(tmp_path / "p", python_version=python_version, ci_provider=ci_provider)
    yaml_files = [
        p for p in project.rglob("*") if p.suffix in {".yml", ".yaml"} and ".git" not in p.parts
    ]
    assert len(yaml_files) >= 8
    mentions = 0
    for path in yaml_files:
        values = list(walk(load(path)))
        floats = [v for v in values if isinstance(v, float) and 3 <= v < 4]
        assert not floats, f"{path.relative_to(project)}: a version read as a number: {floats}"
        mentions += sum(1 for v in values if isinstance(v, str) and python_version in v)
    assert mentions >= 2, "the CI files and the answers file name the Python version"
    dockerfile = (project / "Dockerfile").read_text("utf-8")
    assert dockerfile.count(f"FROM python:{python_version}-slim-") == 2


# --- CI/CD security and shape --------------------------------------------------------------


def test_workflows_grant_least_privilege(github: Path) -> None:
    for path in workflows(github):
        text = path.read_text("utf-8")
        workflow = load(path)
        assert workflow["permissions"] == {}, f"{path.name}: top-level permissions: {{}}"
        assert "pull_request_target" not in text
        for name, job in workflow["jobs"].items():
            assert "permissions" in job, f"{path.name}: job {name} must declare its permissions"
            grants = job["permissions"]
            writes = {scope for scope, access in grants.items() if access == "write"}
            allowed = {"packages"} if (path.name, name) == ("cd.yml", "image") else set()
            assert writes == allowed, f"{path.name}: job {name} may write {writes}"


def test_workflows_never_expand_expressions_in_run(github: Path) -> None:
    for path in workflows(github):
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                assert "${{" not in step.get("run", ""), f"{path.name}: {step}"


def test_workflows_pin_actions_by_sha_install_with_uv_and_use_concurrency(github: Path) -> None:
    for path in workflows(github):
        workflow = load(path)
        steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
        for index, step in enumerate(steps):
            if "uses" in step:
                assert PINNED_ACTION.match(step["uses"]), step["uses"]
            if step.get("uses", "").startswith("actions/setup-python@"):
                assert "cache" not in step["with"], "uv caches, not pip"
                setup_uv = steps[index + 1]
                assert setup_uv["uses"].startswith("astral-sh/setup-uv@"), path.name
                # no cache where images are pushed: a poisoned cache must not reach a release
                assert setup_uv["with"]["enable-cache"] is (path.name != "cd.yml"), path.name
                assert "requirements.lock" in setup_uv["with"]["cache-dependency-glob"]
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
        has_concurrency = "concurrency" in workflow or all(
            "concurrency" in job for job in workflow["jobs"].values()
        )
        assert has_concurrency, f"{path.name} has no concurrency group"


def test_cd_pushes_sha_and_model_tags_and_gates_production(github: Path) -> None:
    cd = load(github / ".github" / "workflows" / "cd.yml")
    assert cd[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as True
    image_steps = {s.get("name", s.get("uses")): s for s in cd["jobs"]["image"]["steps"]}
    assert "$GITHUB_SHA" in image_steps["Image name"]["run"]
    assert "model-v$MODEL_VERSION" in image_steps["Image name"]["run"]
    assert cd["jobs"]["staging"]["with"]["environment"] == "staging"
    production = cd["jobs"]["production"]
    assert production["with"]["environment"] == "production"
    assert "staging" in production["needs"]
    deploy = load(github / ".github" / "workflows" / "deploy.yml")
    job = deploy["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.environment }}"
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert "kubectl apply -k ." in script
    assert "smoke_test.sh" in script


def test_gitlab_production_is_manual_after_staging(gitlab: Path) -> None:
    ci = load(gitlab / ".gitlab-ci.yml")
    production = ci["deploy-production"]
    assert production["environment"]["name"] == "production"
    assert "deploy-staging" in production["needs"]
    assert any(rule.get("when") == "manual" for rule in production["rules"])
    assert ci["deploy-staging"]["environment"]["name"] == "staging"
    assert "kubectl apply -k ." in ci[".deploy"]["script"]


# --- placeholders for level 3 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "marker"),
    [
        ("docker-compose.yml", "# level 3: monitoring services"),
        ("deploy/k8s/base/kustomization.yaml", "# level 3:"),
        (".gitlab-ci.yml", "# --- level 3: scheduled retraining ---"),
    ],
)
def test_level3_placeholders_render_only_at_level3(
    tmp_path: Path, relative: str, marker: str
) -> None:
    for level in (2, 3):
        rendered = render_layer2(tmp_path / f"l{level}", level, ci_provider="gitlab")
        assert (marker in (rendered / relative).read_text("utf-8")) is (level == 3)


def render_layer2(dest: Path, level: int, **answers: Any) -> Path:
    """Layer 2 alone, rendered for `level` (as mlops-scaffold renders it)."""
    import copier

    templates = Path(__file__).resolve().parents[2] / "templates"
    copier.run_copy(
        str(templates),
        str(dest),
        data={"level": level, "layer": 2, "package_name": "fraud_api", **answers},
        defaults=True,
        overwrite=True,
        quiet=True,
        unsafe=False,
    )
    return dest


def serve_calls(source: str) -> dict[str, list[ast.Call]]:
    calls: dict[str, list[ast.Call]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            calls.setdefault(node.func.attr, []).append(node)
    return calls


def test_serve_calls_the_level3_hooks_only_at_level3(tmp_path: Path) -> None:
    level2 = (render_layer2(tmp_path / "l2", 2) / "src/fraud_api/serve.py").read_text("utf-8")
    level3 = (render_layer2(tmp_path / "l3", 3) / "src/fraud_api/serve.py").read_text("utf-8")
    assert "telemetry" not in level2
    assert "PredictionLogger" not in level2

    tree = ast.parse(level3)
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert ("fraud_api", "telemetry") in imported
    assert ("fraud_api.predictions", "PredictionLogger") in imported
    calls = serve_calls(level3)
    for hook in ("instrument", "set_model_version", "declare_error_series", "record_predictions"):
        assert any(
            isinstance(c.func, ast.Attribute)
            and isinstance(c.func.value, ast.Name)
            and c.func.value.id == "telemetry"
            for c in calls.get(hook, [])
        ), hook
    (log,) = calls["log"]
    assert {k.arg for k in log.keywords} == {
        "request_id",
        "model_version",
        "inputs",
        "predictions",
        "probabilities",
    }
    assert any(
        isinstance(c.func, ast.Name) and c.func.id == "PredictionLogger"
        for c in ast.walk(tree)
        if isinstance(c, ast.Call)
    )


def test_serve_with_level3_hooks_is_ruff_clean(tmp_path: Path) -> None:
    serve = render_layer2(tmp_path / "l3", 3) / "src/fraud_api/serve.py"
    settings = [
        "--no-cache",
        "--line-length=100",
        "--config=lint.select=['E','F','W','I','B','UP']",
        "--config=lint.isort.known-first-party=['fraud_api']",
    ]
    ruff = checkers.tool("ruff")
    subprocess.run([ruff, "check", *settings, str(serve)], cwd=tmp_path, check=True)
    subprocess.run(
        [ruff, "format", "--check", "--no-cache", "--line-length=100", str(serve)],
        cwd=tmp_path,
        check=True,
    )


def test_docs_assets_come_from_a_declared_package(github: Path) -> None:
    """FastAPI's own docs pages load Swagger UI and ReDoc from a CDN: blank offline.
    tests/integration/test_offline_docs.py renders them in a browser with no network."""
    tree = ast.parse((github / "src/fraud_api/serve.py").read_text("utf-8"))
    (app,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(target, "id", None) for target in node.targets] == ["app"]
    ]
    assert isinstance(app, ast.Call) and isinstance(app.func, ast.Name)
    assert app.func.id == "FastAPIOffline"
    assert "from fastapi_offline import FastAPIOffline" in ast.unparse(tree)
    meta = tomllib.loads((github / "pyproject.toml").read_text("utf-8"))["project"]
    assert any(dep.startswith("fastapi-offline>=") for dep in meta["dependencies"])


# --- params, pipeline and config -------------------------------------------------------------


def test_promotion_is_a_dvc_stage_after_register(github: Path) -> None:
    stages = load(github / "dvc.yaml")["stages"]
    assert list(stages)[-1] == "promotion"
    promotion = stages["promotion"]
    assert promotion["cmd"] == "python -m fraud_api.promotion"
    assert "reports/registered_model.json" in promotion["deps"]
    assert promotion["params"] == ["promotion"]
    assert load(github / "params.yaml")["promotion"] == {
        "metric": "roc_auc",
        "min_improvement": 0.001,
    }


def test_config_reads_the_promotion_params(github: Path) -> None:
    """config.py imports only the standard library and PyYAML: load it as the project does."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from fraud_api.config import load_params; p = load_params().promotion; "
            "print(p.metric, p.min_improvement)",
        ],
        cwd=github,
        env={**os.environ, "PYTHONPATH": str(github / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["roc_auc", "0.001"]


# --- container and shared files ----------------------------------------------------------


def test_dockerfile_is_multistage_non_root_with_healthcheck(github: Path) -> None:
    dockerfile = (github / "Dockerfile").read_text("utf-8")
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") == 2
    assert re.search(r"^USER 10001", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert dockerfile.index("pip install --no-cache-dir .") < dockerfile.index("COPY src/ src/")
    assert not re.search(r"(?i)(password|secret|token)\s*=", dockerfile)
    ignored = (github / ".dockerignore").read_text("utf-8").splitlines()
    assert "*" in ignored and "!models/champion/" in ignored  # an allow-list context


def test_compose_runs_the_api_and_an_mlflow_server(github: Path) -> None:
    compose = load(github / "docker-compose.yml")
    assert set(compose["services"]) == {"api", "mlflow"}
    mlflow = compose["services"]["mlflow"]
    assert any(str(arg).startswith("sqlite:") for arg in mlflow["command"])
    assert "mlflow-data" in compose["volumes"]
    for service in compose["services"].values():
        assert all(port.startswith("127.0.0.1:") for port in service["ports"])


def test_makefile_readme_pyproject_and_gitignore_grow_at_level2(project: Path) -> None:
    makefile = (project / "Makefile").read_text("utf-8")
    for target in ("serve", "export-model", "docker-build", "smoke-test"):
        assert re.search(rf"^{target}:.*## ", makefile, re.M), target
    assert "--host $(HOST)" in makefile and "HOST ?= 127.0.0.1" in makefile
    readme = (project / "README.md").read_text("utf-8")
    assert "## Level 2: CI/CD and serving" in readme
    assert "```mermaid" in readme
    assert "KUBE_CONFIG" in readme
    assert "docker compose up" in readme
    assert "no image was built" in readme
    pyproject = (project / "pyproject.toml").read_text("utf-8")
    for requirement in ('"fastapi>=', '"uvicorn>=', '"pydantic>=', '"httpx>='):
        assert requirement in pyproject
    assert ".env" in (project / ".gitignore").read_text("utf-8").splitlines()
