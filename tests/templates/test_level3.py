"""The level 3 layer: prediction logging, metrics, monitoring, retraining, schedules,
observability and cluster manifests.

Projects are generated once per module (one per CI provider) and checked offline with the
real linters and schemas (tests/support/checkers.py); nothing is installed or run here.
tests/integration/test_level3.py runs a generated project.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import tomllib
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import checkers
from tests.support.projects import render_plain

LEVEL3_PYTHON = (
    "predictions.py",
    "decision_log.py",
    "telemetry.py",
    "monitor.py",
    "retrain.py",
    "rollback.py",
    "simulate.py",
)
K8S_LEVEL3 = ("hpa.yaml", "state-pvc.yaml", "cronjob-monitor.yaml", "cronjob-retrain.yaml")
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


generate = partial(render_plain, level=3)


@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gh") / "churn-watch", package_name="churn_watch")


@pytest.fixture(scope="module")
def gitlab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(
        tmp_path_factory.mktemp("gl") / "churn-watch",
        package_name="churn_watch",
        ci_provider="gitlab",
        python_version="3.10",
    )


@pytest.fixture(scope="module", params=["github", "gitlab"])
def project(request: pytest.FixtureRequest) -> Path:
    return Path(request.getfixturevalue(request.param))


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- the file set ------------------------------------------------------------------------------


def test_level3_files_present(project: Path) -> None:
    for module in LEVEL3_PYTHON:
        assert (project / "src" / "churn_watch" / module).is_file(), module
    for relative in (
        "monitoring/prometheus.yml",
        "monitoring/alerts.yml",
        "monitoring/grafana/provisioning/datasources/prometheus.yml",
        "monitoring/grafana/provisioning/dashboards/dashboards.yml",
        "monitoring/grafana/dashboards/model-api.json",
        "pipelines/kubeflow.py",
        "deploy/pipeline.Dockerfile",
        "deploy/pipeline.Dockerfile.dockerignore",
        "deploy/k8s/base/api-state-patch.yaml",
        "data/predictions/.gitkeep",
        "tests/monitoring/test_retraining_loop.py",
        "tests/monitoring/test_telemetry.py",
        "tests/monitoring/test_batch_jobs.py",
        *(f"deploy/k8s/base/{name}" for name in K8S_LEVEL3),
    ):
        assert (project / relative).is_file(), relative


def test_retrain_workflow_only_for_github(github: Path, gitlab: Path) -> None:
    assert (github / ".github/workflows/retrain.yml").is_file()
    assert not (gitlab / ".github").exists()
    assert "retrain:" not in (github / "docker-compose.yml").read_text("utf-8")


def test_level2_project_has_no_level3_files(tmp_path: Path) -> None:
    level2 = generate(tmp_path / "l2", level=2, package_name="churn_watch")
    for module in LEVEL3_PYTHON:
        assert not (level2 / "src" / "churn_watch" / module).exists(), module
    assert not (level2 / "monitoring").exists()
    assert not (level2 / ".github/workflows/retrain.yml").exists()
    assert "monitoring:" not in (level2 / "params.yaml").read_text("utf-8")
    assert "prometheus" not in (level2 / "docker-compose.yml").read_text("utf-8")
    assert "hpa.yaml" not in (level2 / "deploy/k8s/base/kustomization.yaml").read_text("utf-8")
    config = (level2 / "src/churn_watch/config.py").read_text("utf-8")
    assert "MonitoringParams" not in config


def test_generated_python_is_ruff_clean(project: Path) -> None:
    ruff = checkers.tool("ruff")
    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        result = subprocess.run(
            [ruff, *args], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_python_sources_are_the_same_for_every_python_version(github: Path, tmp_path: Path) -> None:
    """No compatibility shims: the code is written for the oldest supported Python (3.10)."""
    newest = generate(tmp_path / "churn-watch", package_name="churn_watch", python_version="3.13")
    sources = sorted(path.relative_to(github) for path in github.rglob("*.py"))
    assert sources
    for relative in sources:
        assert (newest / relative).read_text("utf-8") == (github / relative).read_text("utf-8")


def test_generated_functions_are_short(project: Path) -> None:
    """A function longer than this is split into parts a reader can name."""
    longest = 45
    too_long = []
    for path in project.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = (node.end_lineno or node.lineno) - start + 1
                if lines > longest:
                    too_long.append(f"{path.relative_to(project)}:{node.name} ({lines} lines)")
    assert not too_long, too_long


# --- schedules -------------------------------------------------------------------------------


def test_retrain_workflow_passes_actionlint_and_its_schema(github: Path) -> None:
    workflow = github / ".github/workflows/retrain.yml"
    checkers.actionlint([workflow])
    checkers.jsonschema("vendor.github-workflows", [workflow])


def test_retrain_workflow_triggers_permissions_and_steps(github: Path) -> None:
    workflow = load(github / ".github/workflows/retrain.yml")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["schedule"][0]["cron"]
    assert triggers["workflow_dispatch"]["inputs"]["force"]["type"] == "boolean"
    assert triggers["repository_dispatch"]["types"] == ["drift-alert"]
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert isinstance(workflow["env"]["PYTHON_VERSION"], str)
    steps = job["steps"]
    for step in steps:
        if "uses" in step:
            assert PINNED_ACTION.match(step["uses"]), step["uses"]
        assert "${{" not in step.get("run", ""), step["run"]
    runs = [step.get("run", "") for step in steps]
    monitor = next(i for i, run in enumerate(runs) if "make monitor" in run)
    retrain = next(i for i, run in enumerate(runs) if "make retrain" in run)
    assert monitor < retrain
    assert "steps.monitor.outputs.retrain" in steps[retrain]["if"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "reports/monitoring/" and upload["if"] == "always()"


def test_gitlab_ci_has_the_scheduled_retrain_job(gitlab: Path) -> None:
    checkers.jsonschema("vendor.gitlab-ci", [gitlab / ".gitlab-ci.yml"])
    job = load(gitlab / ".gitlab-ci.yml")["retrain"]
    conditions = [rule["if"] for rule in job["rules"]]
    assert '$CI_PIPELINE_SOURCE == "schedule"' in conditions
    script = "\n".join(job["script"])
    assert script.index("make monitor") < script.index("make retrain")
    assert job["artifacts"]["paths"] == ["reports/monitoring/"]


# --- observability ---------------------------------------------------------------------------


def test_prometheus_config_and_alert_rules(github: Path) -> None:
    config = load(github / "monitoring/prometheus.yml")
    # relative to the config file: compose mounts both into one folder of the container
    assert config["rule_files"] == ["alerts.yml"]
    volumes = load(github / "docker-compose.yml")["services"]["prometheus"]["volumes"]
    mounted = {v.split(":")[0]: v.split(":")[1] for v in volumes if v.startswith("./")}
    config_in, rules_in = mounted["./monitoring/prometheus.yml"], mounted["./monitoring/alerts.yml"]
    assert Path(config_in).parent == Path(rules_in).parent and Path(rules_in).name == "alerts.yml"
    (scrape,) = config["scrape_configs"]
    assert scrape["metrics_path"] == "/metrics"
    assert scrape["static_configs"][0]["targets"] == ["api:8000"]

    rules = load(github / "monitoring/alerts.yml")
    (group,) = rules["groups"]
    alerts = {rule["alert"]: rule for rule in group["rules"]}
    assert {"ModelDataDrift", "PredictionLatencyHigh", "ApiErrorRateHigh"} <= set(alerts)
    for rule in alerts.values():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
        assert rule["expr"].strip() and rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
        assert rule["expr"].count("(") == rule["expr"].count(")")
    # the rules use the metrics the API exports (telemetry.py)
    telemetry = (github / "src/churn_watch/telemetry.py").read_text("utf-8")
    exported = set(re.findall(r'^\w+ = \w+\(\s*"(\w+)"', telemetry, re.MULTILINE))
    used = set(
        re.findall(
            r"\b(api_\w+|model_\w+|prediction_\w+)",
            " ".join(rule["expr"] for rule in alerts.values()),
        )
    )
    known = exported | {f"{m}_bucket" for m in exported} | {f"{m}_total" for m in exported}
    assert used and used <= known, used - known


def test_promtool_accepts_the_config_and_rules(github: Path) -> None:
    """Prometheus's own checker (Debian package `prometheus`; .ci/run installs it)."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: apt-get install prometheus (done by .ci/run)"
    rules = github / "monitoring/alerts.yml"
    config = github / "monitoring/prometheus.yml"  # as generated: its rule path is relative
    for args in (["check", "rules", str(rules)], ["check", "config", str(config)]):
        result = subprocess.run([promtool, *args], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "SUCCESS" in result.stdout + result.stderr


def test_grafana_dashboard_and_provisioning(github: Path) -> None:
    dashboard = json.loads((github / "monitoring/grafana/dashboards/model-api.json").read_text())
    assert dashboard["uid"] == "churn-watch-model"
    expressions = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    )
    for metric in (
        "api_requests_total",
        "api_request_duration_seconds_bucket",
        "model_predictions_total",
        "model_drift_share",
        "model_info",
    ):
        assert metric in expressions, metric
    assert "{{path}} {{status}}" in json.dumps(dashboard)  # Grafana's legend, not Jinja's
    providers = load(github / "monitoring/grafana/provisioning/dashboards/dashboards.yml")
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    datasources = load(github / "monitoring/grafana/provisioning/datasources/prometheus.yml")
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"


def test_compose_adds_prometheus_and_grafana(project: Path) -> None:
    compose_file = project / "docker-compose.yml"
    checkers.jsonschema("vendor.compose-spec", [compose_file])
    compose = load(compose_file)
    assert {"api", "mlflow", "prometheus", "grafana"} <= set(compose["services"])
    assert {"prometheus-data", "grafana-data"} <= set(compose["volumes"])
    for service in ("prometheus", "grafana"):
        spec = compose["services"][service]
        assert re.search(r":v?\d+\.\d+\.\d+$", spec["image"]), spec["image"]
        assert all(port.startswith("127.0.0.1:") for port in spec["ports"])
        for volume in spec["volumes"]:
            source = volume.split(":")[0]
            assert not source.startswith("./") or (project / source).exists(), source


# --- cluster ---------------------------------------------------------------------------------


def test_kubernetes_level3_manifests_validate(github: Path) -> None:
    base = github / "deploy/k8s/base"
    checkers.kubernetes_validate([base / name for name in K8S_LEVEL3])
    kustomization = load(base / "kustomization.yaml")
    assert set(K8S_LEVEL3) <= set(kustomization["resources"])
    assert kustomization["patches"][0]["path"] == "api-state-patch.yaml"


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_overlays_build_with_the_level3_resources(
    github: Path, overlay: str, tmp_path: Path
) -> None:
    rendered = checkers.kustomize_build(
        github / f"deploy/k8s/overlays/{overlay}", tmp_path / "all.yaml"
    )
    checkers.kubernetes_validate([rendered])
    documents = list(yaml.safe_load_all(rendered.read_text("utf-8")))
    kinds = {doc["kind"] for doc in documents}
    assert {"HorizontalPodAutoscaler", "CronJob", "PersistentVolumeClaim"} <= kinds
    (deployment,) = [doc for doc in documents if doc["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (api,) = pod["containers"]
    env = {item["name"]: item.get("value") for item in api["env"]}
    assert env["PREDICTIONS_DIR"] == "/var/lib/model-state/predictions"
    assert any(mount["name"] == "state" for mount in api["volumeMounts"])
    assert pod["securityContext"]["fsGroup"] == 10001
    for job in (doc for doc in documents if doc["kind"] == "CronJob"):
        spec = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        (container,) = spec["containers"]
        assert container["resources"]["limits"] and container["resources"]["requests"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert job["spec"]["concurrencyPolicy"] == "Forbid"


def test_pipeline_dockerfile_passes_hadolint(github: Path) -> None:
    checkers.hadolint(github / "deploy/pipeline.Dockerfile")
    text = (github / "deploy/pipeline.Dockerfile").read_text("utf-8")
    assert "USER 10001:10001" in text and "COPY pyproject.toml README.md params.yaml" in text


def test_pipeline_image_gives_the_steps_what_they_need(github: Path) -> None:
    """The Kubeflow steps install nothing and write only where the app user may write."""
    text = (github / "deploy/pipeline.Dockerfile").read_text("utf-8")
    # the user 10001 has a home it owns (caches), set as HOME; no /nonexistent home
    assert re.search(r"useradd .*--uid 10001 .*--create-home --home-dir /home/app app$", text, re.M)
    assert re.search(r"^\s+HOME=/home/app$", text, re.M) and "/nonexistent" not in text
    assert text.index("\nUSER 10001:10001\n") > text.index("pip install")  # installs as root
    # the code in /app belongs to root; the pipeline's output folders belong to the user
    assert re.search(r"^WORKDIR /app$", text, re.M)
    assert "chown -R app:app data models reports" in text
    # the image installs the project with its runtime dependencies, and kfp is one of them
    assert re.search(r"pip install --no-cache-dir \. ", text)
    pyproject = tomllib.loads((github / "pyproject.toml").read_text("utf-8"))
    runtime = [
        re.split(r"[<>=!~\[ ]", dep, maxsplit=1)[0] for dep in pyproject["project"]["dependencies"]
    ]
    assert "kfp" in runtime
    # so every component is compiled without kfp's `pip install` preamble
    tree = ast.parse((github / "pipelines/kubeflow.py").read_text("utf-8"))
    components = [
        decorator
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "dsl.component"
    ]
    assert len(components) == 6
    for component in components:
        keywords = {k.arg: ast.unparse(k.value) for k in component.keywords}
        assert keywords.get("install_kfp_package") == "False", ast.unparse(component)


# --- shared files grow at level 3 ------------------------------------------------------------


def test_params_policy_is_read_by_the_config(project: Path) -> None:
    params = load(project / "params.yaml")["monitoring"]
    assert {
        "window_days",
        "min_samples",
        "drift_share",
        "performance_floor",
        "min_labelled",
        "cooldown_hours",
        "holdout_fraction",
        "metric",
    } == set(params)
    config = (project / "src/churn_watch/config.py").read_text("utf-8")
    for name in params:
        assert re.search(rf"^    {name}: \w+ = ", config, re.MULTILINE), name


def test_makefile_readme_pyproject_and_gitignore_grow_at_level3(project: Path) -> None:
    makefile = (project / "Makefile").read_text("utf-8")
    for target in ("monitor", "retrain", "rollback", "simulate-drift", "kfp", "monitoring-up"):
        assert re.search(rf"^{target}:.*## ", makefile, re.MULTILINE), target
    pyproject = (project / "pyproject.toml").read_text("utf-8")
    for requirement in ('"evidently>=', '"prometheus-client>=', '"kfp>=2'):
        assert requirement in pyproject, requirement
    assert "data/predictions/*" in (project / ".gitignore").read_text("utf-8")
    readme = (project / "README.md").read_text("utf-8")
    assert "```mermaid" in readme
    for knob in load(project / "params.yaml")["monitoring"]:
        assert f"`{knob}`" in readme, knob


def test_kfp_pipeline_source_parses(project: Path) -> None:
    source = (project / "pipelines/kubeflow.py").read_text("utf-8")
    compile(source, "kubeflow.py", "exec")
    assert "@dsl.pipeline" in source and "churn_watch" in source
