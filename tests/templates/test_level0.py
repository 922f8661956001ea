"""The level 0 layer: the notebook, its test, README, Makefile, pyproject and .gitignore.

Each test renders only layer 0 (with `level` set to the target level, as mlops-scaffold does),
so it checks this layer alone; tests/integration/test_level0.py runs a generated project.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import nbformat
import pytest

from mlops_scaffold.levels import LEVELS

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOTEBOOK = "notebooks/01-train-model.ipynb"
CONTRACT_IMPORTS = {
    "config": {"load_params"},
    "ingest": {"load_source"},
    "prepare": {"split"},
    "train": {"fit"},
    "evaluate": {"compute_metrics", "save_figures"},
    "schema": {"TARGET", "FEATURE_COLUMNS"},
}


def render_layer0(copie: Any, level: int = 0, **answers: Any) -> Path:
    result = copie.copy(
        extra_answers={"level": level, "layer": 0, **answers}, template_dir=TEMPLATES
    )
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return Path(result.project_dir)


def code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def imports(source: str) -> dict[str, set[str]]:
    """`from module import name` statements of some code: module -> names."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return found


def test_level0_layer_files(copie: Any) -> None:
    project = render_layer0(copie)
    files = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    assert files == {
        ".gitignore",
        "Makefile",
        "README.md",
        "pyproject.toml",
        NOTEBOOK,
        "tests/test_notebook.py",
        "data/raw/.gitkeep",
        "models/.gitkeep",
        "reports/.gitkeep",
    }


@pytest.mark.parametrize("level", LEVELS)
def test_notebook_is_valid_nbformat_4_and_clean(copie: Any, level: int) -> None:
    project = render_layer0(copie, level, package_name="churn_model")
    notebook = nbformat.read(project / NOTEBOOK, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)
    assert notebook.metadata.kernelspec.name == "python3"
    ids = [cell.id for cell in notebook.cells]
    assert len(ids) == len(set(ids)), "cell ids must be unique"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
    for source in code_cells(notebook):
        compile(source, f"{NOTEBOOK} level {level}", "exec")


def test_level0_notebook_trains_with_scikit_learn_alone(copie: Any) -> None:
    project = render_layer0(copie, 0, package_name="churn_model")
    notebook = nbformat.read(project / NOTEBOOK, as_version=4)
    code = "\n".join(code_cells(notebook))
    modules = imports(code)
    assert not any(module.startswith("churn_model") for module in modules)
    assert {"Pipeline"} <= modules["sklearn.pipeline"]
    assert {"StandardScaler"} <= modules["sklearn.preprocessing"]
    assert {"LogisticRegression"} <= modules["sklearn.linear_model"]
    assert {"load_breast_cancer"} <= modules["sklearn.datasets"]
    assert "random_state=SEED" in code and "stratify=" in code
    for output in ("data", "reports", "notebook", "model.joblib", "metrics.json", "figures"):
        assert f'"{output}"' in code, output
    for figure in ("exploration.png", "confusion_matrix.png", "roc_curve.png"):
        assert figure in code, figure


@pytest.mark.parametrize("level", [1, 2, 3])
def test_notebook_imports_the_package_from_level_1(copie: Any, level: int) -> None:
    project = render_layer0(copie, level, package_name="churn_model")
    notebook = nbformat.read(project / NOTEBOOK, as_version=4)
    code = "\n".join(code_cells(notebook))
    modules = imports(code)
    for module, names in CONTRACT_IMPORTS.items():
        assert names <= modules.get(f"churn_model.{module}", set()), module
    # The steps are imported, not repeated.
    assert "sklearn.linear_model" not in modules
    assert "LogisticRegression(" not in code
    assert "train_test_split(" not in code
    assert 'load_params(ROOT / "params.yaml")' in code


def test_notebook_title_escapes_the_project_name(copie: Any) -> None:
    name = 'Tom\'s "fraud" <model> & co\\x'
    project = render_layer0(copie, project_name=name, package_name="fraud")
    notebook = json.loads((project / NOTEBOOK).read_text("utf-8"))
    assert notebook["cells"][0]["source"][0] == f"# {name}: train a model\n"


def test_readme_level0_explains_limits_and_the_upgrade(copie: Any) -> None:
    readme = (render_layer0(copie) / "README.md").read_text("utf-8")
    assert "## Level 0" in readme
    for command in ("make install", "make run", "make test", "make lint"):
        assert command in readme, command
    for limit in ("Manual", "No tracking", "No tests of the code", "No deployment"):
        assert f"**{limit}**" in readme, limit
    assert "mlops-scaffold upgrade --to 1" in readme
    assert "project root" in readme
    assert "{%" not in readme and "{{" not in readme


@pytest.mark.parametrize("level", [1, 2])
def test_readme_points_to_the_next_level(copie: Any, level: int) -> None:
    readme = (render_layer0(copie, level) / "README.md").read_text("utf-8")
    assert f"mlops-scaffold upgrade --to {level + 1}" in readme
    assert "### Known limits" not in readme  # the level 0 limits are lifted from level 1
    for shown in range(1, level + 1):
        assert re.search(rf"^## Level {shown}\b", readme, flags=re.MULTILINE), shown
    assert not re.search(rf"^## Level {level + 1}\b", readme, flags=re.MULTILINE)


def test_readme_at_the_top_level_offers_no_upgrade(copie: Any) -> None:
    readme = (render_layer0(copie, 3) / "README.md").read_text("utf-8")
    assert "upgrade --to" not in readme
    assert "mlops-scaffold update" in readme


@pytest.mark.parametrize("level", LEVELS)
def test_pyproject_parses_with_awkward_answers(copie: Any, level: int) -> None:
    description = 'Predicts "churn" \\ for A&B <teams>'
    project = render_layer0(
        copie,
        level,
        package_name="churn_model",
        description=description,
        author_name='O\'Brien "Data" Team',
    )
    pyproject = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    meta = pyproject["project"]
    assert meta["name"] == "churn-model"
    assert meta["description"] == description
    assert meta["authors"][0]["name"] == 'O\'Brien "Data" Team'
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    if level == 0:
        assert wheel["bypass-selection"] is True
        assert "packages" not in wheel
    else:
        assert wheel["packages"] == ["src/churn_model"]
    dev = " ".join(meta["optional-dependencies"]["dev"])
    for tool in ("nbconvert", "nbformat", "ipykernel", "pytest", "ruff"):
        assert tool in dev, tool
    for dependency in meta["dependencies"]:
        assert re.search(r">=[\d.]+,<[\d.]+", dependency), f"unpinned: {dependency}"


def test_pyproject_targets_the_chosen_python(copie: Any) -> None:
    project = render_layer0(copie, python_version="3.12")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["requires-python"] == ">=3.12"
    # ruff takes its target from requires-python (repo-review RF002): no second place to drift
    assert "target-version" not in pyproject["tool"]["ruff"]


def test_makefile_targets_and_executed_notebook_location(copie: Any) -> None:
    makefile = (render_layer0(copie) / "Makefile").read_text("utf-8")
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.MULTILINE))
    assert {"install", "run", "test", "lint"} <= targets
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "nbconvert" in run and "--execute" in run and NOTEBOOK in run
    assert "--output-dir reports/" in run
    assert "\t" in run, "recipes need tab indentation"


def test_gitignore_keeps_outputs_out_and_sources_in(copie: Any) -> None:
    project = render_layer0(copie)
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    outputs = [
        "data/raw/dataset.csv",
        "reports/notebook/model.joblib",
        "reports/notebook/metrics.json",
        "reports/notebook/figures/roc_curve.png",
        "reports/notebook/01-train-model.ipynb",
        "notebooks/.ipynb_checkpoints/01-train-model-checkpoint.ipynb",
        ".venv/bin/python",
    ]
    sources = [NOTEBOOK, "tests/test_notebook.py", "models/.gitkeep", "reports/.gitkeep"]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *outputs, *sources],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert set(ignored) == set(outputs)


@pytest.mark.parametrize("level", LEVELS)
def test_generated_notebook_test_file(copie: Any, level: int) -> None:
    project = render_layer0(copie, level)
    source = (project / "tests" / "test_notebook.py").read_text("utf-8")
    tree = ast.parse(source)
    tests = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"test_metrics_are_sane", "test_figures_are_saved"} <= tests
    # Your own CSV replaces the dataset at level 0; from level 1 the schema decides the columns.
    assert ("test_notebook_trains_on_your_own_csv" in tests) == (level == 0)
    assert "make_classification" not in source or level == 0
