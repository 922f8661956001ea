"""The level 1 layer: the pipeline package, dvc.yaml, params.yaml, tests and tooling.

Projects are rendered (not installed) and checked offline: structure, the names the
other layers rely on (docs/contributing/project-contract.md), and ruff.
tests/integration/test_level1.py installs and runs a generated project.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.projects import render_plain


PACKAGE = "churn_model"
STEPS = ("ingest", "validate", "prepare", "train", "evaluate", "register")
MODULES = (*STEPS, "config", "schema", "tracking", "promote", "predict")
# The names other layers import (docs/contributing/project-contract.md).
CONTRACT = {
    "config": {"load_params", "project_paths", "Params"},
    "schema": {"TARGET", "FEATURE_COLUMNS", "FEATURE_RANGES", "dataset_schema"},
    "ingest": {"load_source"},
    "validate": {"validate", "DataValidationError"},
    "prepare": {"split"},
    "train": {"fit"},
    "evaluate": {"compute_metrics", "save_figures"},
    "tracking": {"configure", "model_name"},
}
METRICS = {"accuracy", "f1", "roc_auc", "precision", "recall"}


generate = partial(render_plain, level=1, package_name=PACKAGE)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("level1") / "churn-model")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def defined_names(path: Path) -> set[str]:
    """Top-level functions, classes and assigned names of a module."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_level1_files(project: Path) -> None:
    files = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    package = {f"src/{PACKAGE}/{m}.py" for m in MODULES} | {f"src/{PACKAGE}/__init__.py"}
    assert package <= files
    assert {
        "dvc.yaml",
        "params.yaml",
        ".dvc/config",
        ".dvc/.gitignore",
        ".dvcignore",
        ".pre-commit-config.yaml",
        "data/external/.gitkeep",
        "tests/conftest.py",
        "tests/pipeline/test_steps.py",
        "tests/pipeline/test_validation.py",
        "tests/pipeline/test_end_to_end.py",
    } <= files
    assert not any(".jinja" in f for f in files)


def test_python_files_compile_and_keep_the_contract(project: Path) -> None:
    for path in sorted(project.rglob("*.py")):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    for module, names in CONTRACT.items():
        missing = names - defined_names(project / "src" / PACKAGE / f"{module}.py")
        assert not missing, f"{module}.py lacks {missing}"


@pytest.mark.parametrize("module", [*STEPS, "promote", "predict"])
def test_every_step_runs_alone(project: Path, module: str) -> None:
    source = (project / "src" / PACKAGE / f"{module}.py").read_text(encoding="utf-8")
    assert "def main(argv: list[str] | None = None) -> int:" in source
    assert "argparse.ArgumentParser" in source
    assert source.rstrip().endswith('if __name__ == "__main__":\n    raise SystemExit(main())')


def test_dvc_pipeline_structure(project: Path) -> None:
    stages = load_yaml(project / "dvc.yaml")["stages"]
    assert list(stages) == list(STEPS)
    params = load_yaml(project / "params.yaml")
    produced: set[str] = set()
    for name, stage in stages.items():
        assert stage["cmd"] == f"python -m {PACKAGE}.{name}"
        deps = stage["deps"]
        assert f"src/{PACKAGE}/{name}.py" in deps, name
        for dep in deps:
            # Every input is a source file, the team's data folder, or an earlier output.
            assert (project / dep).exists() or dep in produced, f"{name}: {dep}"
        for section in stage.get("params", []):
            assert section in params, f"{name}: params section {section} not in params.yaml"
        for kind in ("outs", "metrics", "plots"):
            for out in stage.get(kind, []):
                produced.add(next(iter(out)) if isinstance(out, dict) else out)
    assert stages["ingest"]["outs"] == ["data/raw/dataset.csv"]
    assert "data/external" in stages["ingest"]["deps"]
    assert "reports/validation.json" in stages["prepare"]["deps"]  # validation gates the rest
    assert stages["train"]["outs"] == ["models/model.joblib"]
    assert stages["evaluate"]["metrics"] == [{"reports/metrics.json": {"cache": False}}]
    assert stages["evaluate"]["plots"] == [{"reports/figures": {"cache": False}}]
    # The register stage has an output, so an unchanged pipeline does not register again.
    assert stages["register"]["outs"] == [{"reports/registered_model.json": {"cache": False}}]
    assert {"models/model.joblib", "reports/metrics.json"} <= set(stages["register"]["deps"])


def test_dvc_needs_no_init_and_sends_no_analytics(project: Path) -> None:
    config = (project / ".dvc" / "config").read_text(encoding="utf-8")
    assert re.search(r"^\[core\]\n\s+analytics = false$", config, flags=re.MULTILINE)
    assert set((project / ".dvc" / ".gitignore").read_text().split()) == {
        "/config.local",
        "/tmp",
        "/cache",
    }


def test_params_yaml_matches_the_typed_loader(project: Path) -> None:
    params = load_yaml(project / "params.yaml")
    assert set(params) == {"data", "prepare", "train", "evaluate", "mlflow"}
    assert params["data"]["source"] == "sklearn:breast_cancer"
    assert isinstance(params["prepare"]["seed"], int)
    assert 0 < params["prepare"]["test_size"] < 1
    assert set(params["evaluate"]["thresholds"]) <= METRICS
    assert all(0 < v <= 1 for v in params["evaluate"]["thresholds"].values())
    assert params["mlflow"]["experiment"] == PACKAGE
    assert params_fields(project) == set(params)


def params_fields(project: Path) -> set[str]:
    """The fields of config.Params: one per template section of params.yaml (`team` holds
    the team's own sections)."""
    config = ast.parse((project / "src" / PACKAGE / "config.py").read_text(encoding="utf-8"))
    params_class = next(
        n for n in config.body if isinstance(n, ast.ClassDef) and n.name == "Params"
    )
    return {
        n.target.id
        for n in params_class.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.target.id != "team"
    }


@pytest.mark.parametrize("level", [2, 3])
def test_higher_levels_extend_params_consistently(tmp_path: Path, level: int) -> None:
    project = generate(tmp_path / "p", level=level)
    params = load_yaml(project / "params.yaml")
    assert params_fields(project) == set(params)
    assert list(load_yaml(project / "dvc.yaml")["stages"])[: len(STEPS)] == list(STEPS)


def test_tracking_defaults_to_sqlite_in_the_project(project: Path) -> None:
    source = (project / "src" / PACKAGE / "tracking.py").read_text(encoding="utf-8")
    assert "sqlite:///{project_paths().tracking_db}" in source
    assert 'os.environ.get("MLFLOW_TRACKING_URI")' in source
    assert "MLFLOW_DISABLE_TELEMETRY" in source
    assert f'MODEL_NAME = "{PACKAGE}"' in source
    register = (project / "src" / PACKAGE / "register.py").read_text(encoding="utf-8")
    assert "signature=signature()" in register
    assert "pip_requirements=" in register
    assert "registered_model_name=name" in register


def test_makefile_level1_targets(project: Path) -> None:
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    recipes = dict(re.findall(r"^([a-z-]+):.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE))
    assert recipes["pipeline"].strip() == "dvc repro $(STAGE)"
    assert f"-m {PACKAGE}.promote" in recipes["promote"]
    assert f"-m {PACKAGE}.predict --input $(INPUT) --output $(OUTPUT)" in recipes["predict"]
    assert "--backend-store-uri sqlite:///mlflow.db" in recipes["mlflow-ui"]
    assert "--host 127.0.0.1" in recipes["mlflow-ui"]
    assert "export MLFLOW_DISABLE_TELEMETRY := true" in makefile


def test_pyproject_level1_dependencies(project: Path) -> None:
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = {re.split(r"[<>=\[]", d)[0]: d for d in meta["dependencies"]}
    for name in ("mlflow", "dvc", "pandera", "pyyaml"):
        assert re.fullmatch(rf"{name}>=[\d.]+,<\d+", deps[name]), deps[name]
    assert "mlflow-skinny" not in deps  # skinny MLflow cannot use the sqlite store
    assert any(d.startswith("pre-commit>=") for d in meta["optional-dependencies"]["dev"])


def test_gitignore_level1(tmp_path: Path) -> None:
    project = generate(tmp_path / "p")
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    ignored = [
        "mlflow.db",
        "mlruns/0/meta.yaml",
        f"mlartifacts/{PACKAGE}/models/m-1/MLmodel",
        "data/processed/train.csv",
        "data/raw/dataset.csv",
        "models/model.joblib",
        "reports/registered_model.json",
        ".dvc/cache/files/md5/ab/cdef",
        ".dvc/tmp/lock",
    ]
    committed = ["dvc.lock", "dvc.yaml", "params.yaml", "reports/metrics.json", ".dvc/config"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *ignored, *committed],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert set(result.stdout.split()) == set(ignored)


def test_readme_level1(project: Path) -> None:
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Level 1: pipeline automation", 1)[1].split("\n## ", 1)[0]
    for text in (
        "make pipeline",
        "make promote",
        "make predict",
        "make mlflow-ui",
        "MLFLOW_TRACKING_URI",
        "dvc remote add",
        "s3://",
        "gs://",
        "dvc.lock",
        "### What level 2 adds",
    ):
        assert text in section, text


def test_readme_at_level2_drops_the_level1_outlook(tmp_path: Path) -> None:
    readme = (generate(tmp_path / "p", level=2) / "README.md").read_text(encoding="utf-8")
    assert "## Level 1: pipeline automation" in readme
    assert "### What level 2 adds" not in readme


def test_pre_commit_runs_ruff(project: Path) -> None:
    config = load_yaml(project / ".pre-commit-config.yaml")
    hooks = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    assert {"ruff-check", "ruff-format"} <= hooks


@pytest.mark.parametrize("package_name", [PACKAGE, "a_rather_long_package_name_for_team_x"])
def test_ruff_passes_on_the_rendered_project(tmp_path: Path, package_name: str) -> None:
    project = generate(tmp_path / "p", package_name=package_name)
    ruff = [sys.executable, "-m", "ruff"]
    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        result = subprocess.run(
            [*ruff, *args], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
