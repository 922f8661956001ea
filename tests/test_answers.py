"""Answers: parsing --data, the one validation boundary, the names a package cannot take."""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import pytest
import yaml
from packaging.utils import canonicalize_name
from typer.testing import CliRunner

from mlops_scaffold.answers import (
    ANSWERS_FILE,
    DEPENDENCY_NAMES_FILE,
    INTERNAL_KEYS,
    MAX_PACKAGE_NAME_LENGTH,
    AnswersFile,
    package_name_problem,
    parse_data,
    project_name_problem,
    question_names,
    refused_package_names,
    resolve_answers,
    suggest_package_name,
)
from mlops_scaffold.cli import app
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.levels import LEVELS, templates_root
from mlops_scaffold.render import render
from tests.conftest import Generate
from tests.support.outputs import assert_one_line_error
from tests.support.repo_state import commit_all, snapshot
from tests.support.venvs import dependencies

SHIPPED_TABLE = (
    Path(__file__).resolve().parents[1] / "src" / "mlops_scaffold" / DEPENDENCY_NAMES_FILE
)


def test_questions_are_read_from_copier_yml() -> None:
    names = question_names()
    assert names[:2] == ("project_name", "package_name")
    assert "level" in names and "ci_provider" in names
    assert not INTERNAL_KEYS & set(names)  # computed or set by mlops-scaffold: no --data


def test_parse_data_splits_on_the_first_equals_sign() -> None:
    assert parse_data(["description=a=b"], ["description"]) == {"description": "a=b"}


@pytest.mark.parametrize("name", ["model", "churn_v2", "a1", "x", "a" * MAX_PACKAGE_NAME_LENGTH])
def test_valid_package_names(name: str) -> None:
    assert package_name_problem(name) is None


INVALID_PACKAGE_NAMES = {
    "": "is empty",
    "def": "is a Python keyword",
    "match": "is a Python keyword",
    "2fast": "starts with a digit",
    "my-model": "not a valid Python identifier",
    "My Model": "not a valid Python identifier",
    "Model": "not a valid Python identifier",
    "naïve": "non-ASCII",
    "os": "shadows a standard-library module",
    "_private": "starts or ends with an underscore",
    "model_": "starts or ends with an underscore",
    "a" * (MAX_PACKAGE_NAME_LENGTH + 1): f"over the limit of {MAX_PACKAGE_NAME_LENGTH}",
    "a" * 300: "300 characters long",
    # a dependency's module, at the level asked for and at higher levels alone
    "pandas": "shadows a module of pandas, a dependency of the project from level 0",
    "mlflow": "shadows a module of mlflow, a dependency of the project from level 1",
    "fastapi": "a dependency of the project",
    "evidently": "shadows a module of evidently, a dependency of the project from level 3",
    "sklearn": "shadows a module of scikit-learn",
    "yaml": "shadows a module of PyYAML",
    "google": "a dependency of the project",  # a namespace package, transitively
    # a dependency's pip name: pip cannot install the project and it
    "scikit_learn": "is the name of scikit-learn",
    "pyyaml": "is the name of PyYAML",
    "pip": "is the name of pip",
    "tomli": "is the name of tomli",  # installed on Python 3.10 only
    # unusable on sys.path
    "test": "standard library's regression-test package",
    "tests": "the project's own tests/ folder",
    "conftest": "the project's own tests/",
    "sitecustomize": "imports at every start-up",
    "kubeflow": "the project's own pipelines/kubeflow.py",
    "test_api": "the project's own tests/serving/test_api.py",
}


@pytest.mark.parametrize(
    "name,reason", INVALID_PACKAGE_NAMES.items(), ids=[n[:20] for n in INVALID_PACKAGE_NAMES]
)
def test_invalid_package_names(name: str, reason: str) -> None:
    problem = package_name_problem(name)
    assert problem is not None and reason in problem
    with pytest.raises(ScaffoldError, match="pass --data package_name=NAME"):
        resolve_answers({"package_name": name})


@pytest.mark.parametrize("name", [*INVALID_PACKAGE_NAMES, "2024-churn", "Churn Model!"])
def test_suggested_package_names_are_valid(name: str) -> None:
    suggestion = suggest_package_name(name)
    assert suggestion is not None and package_name_problem(suggestion) is None


@pytest.mark.parametrize("name", [*INVALID_PACKAGE_NAMES, "model", "churn_v2", "ünï", " "])
def test_the_prompt_runs_the_same_checks_with_the_same_words(name: str) -> None:
    """templates/questions.jinja (copier, at the prompt) and package_name_problem agree."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_root()))
    macros = env.get_template("questions.jinja").module
    at_prompt = str(
        macros.package_name_problem(name, refused_package_names(), MAX_PACKAGE_NAME_LENGTH)
    ).strip()
    assert at_prompt == (package_name_problem(name) or "")
    project = str(macros.project_name_problem(name)).strip()
    assert project == (project_name_problem(name) or "")


def test_the_templates_validators_use_the_shared_checks() -> None:
    config = yaml.safe_load((templates_root() / "copier.yml").read_text())
    assert "package_name_problem(package_name," in config["package_name"]["validator"]
    assert "project_name_problem(project_name)" in config["project_name"]["validator"]


def test_every_declared_dependency_is_in_the_table(tmp_path: Path) -> None:
    """Adding a dependency to a template without regenerating the table fails here."""
    table = {
        line.split("\t")[0]: int(line.split("\t")[1])
        for line in SHIPPED_TABLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    for level in LEVELS:
        render(tmp_path / str(level), {"level": level})
        for requirement in dependencies(tmp_path / str(level)):
            name = canonicalize_name(requirement.split("[")[0].split("<")[0].split(">")[0])
            pip_name = name.replace("-", "_")
            assert pip_name in table, f"{pip_name}: regenerate {DEPENDENCY_NAMES_FILE}"
            assert table[pip_name] <= level, f"{pip_name} is a dependency at level {level}"


@pytest.mark.integration
def test_the_table_is_computed_from_the_dependencies_distributions() -> None:
    """Regenerated from the level-3 project's installed venv, the shipped table is unchanged."""
    from tests.support.dependency_names import generate

    assert generate() == SHIPPED_TABLE.read_text(), (
        f"{DEPENDENCY_NAMES_FILE} drifted: run .venv/bin/python -m tests.support.dependency_names"
    )


def test_resolve_answers_fills_defaults_and_keeps_internal_keys_out() -> None:
    answers = resolve_answers({"project_name": "Churn Model", "level": 2})
    assert answers["package_name"] == "churn_model"
    assert answers["ci_provider"] == "github"
    assert not INTERNAL_KEYS & set(answers)


def test_resolve_answers_checks_given_answers_before_asking() -> None:
    with pytest.raises(ScaffoldError, match="the project name is empty"):
        resolve_answers({"project_name": "  "}, interactive=True)  # no terminal needed


def test_a_refused_derived_package_name_says_where_it_came_from() -> None:
    with pytest.raises(ScaffoldError) as refused:
        resolve_answers({"project_name": "2024 churn"})
    message = str(refused.value)
    assert message.startswith("the package name derived from the project name cannot be used")
    assert "starts with a digit" in message and "(e.g. ml_2024_churn)" in message


def test_no_terminal_to_ask_in_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # noqa: SIM115
    with pytest.raises(ScaffoldError, match="no terminal to ask the questions in"):
        resolve_answers({}, interactive=True)


def test_answers_file_round_trip(tmp_path: Path) -> None:
    original = AnswersFile(level=2, version="0.1.0", answers={"project_name": "x", "n": "3.10"})
    original.write(tmp_path)
    text = (tmp_path / ANSWERS_FILE).read_text()
    assert "python" not in text or "'3.10'" in text
    assert AnswersFile.read(tmp_path) == original


def test_answers_file_keeps_version_strings_as_strings(tmp_path: Path) -> None:
    AnswersFile(level=0, version="0.1.0", answers={"python_version": "3.10"}).write(tmp_path)
    assert AnswersFile.read(tmp_path).answers["python_version"] == "3.10"


def test_from_answers_drops_internal_keys() -> None:
    parsed = AnswersFile.from_answers({"level": 1, "layer": 1, "project_name": "p"}, "0.1.0")
    assert parsed.level == 1
    assert parsed.answers == {"project_name": "p"}
    assert parsed.render_data(3) == {"project_name": "p", "level": 3}


@pytest.mark.parametrize(
    "content,message",
    [
        ("level: [", "not valid YAML"),
        ("- a list\n", "malformed"),
        ("mlops_scaffold_version: 0.1.0\nanswers: {}\n", "malformed"),
        ("mlops_scaffold_version: '0.1.0'\nlevel: 7\nanswers: {}\n", "level"),
    ],
)
def test_malformed_answers_files(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / ANSWERS_FILE).write_text(content)
    with pytest.raises(ScaffoldError, match=message):
        AnswersFile.read(tmp_path)


def test_missing_answers_file(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="not generated by mlops-scaffold"):
        AnswersFile.read(tmp_path)


@pytest.mark.parametrize(
    "package_name,reason",
    [("mlflow", "a dependency of the project from level 1"), ("p" * 300, "over the limit")],
    ids=["dependency of the next level", "too long"],
)
def test_an_upgrade_checks_the_answers_before_it_renders(
    generate: Generate, package_name: str, reason: str
) -> None:
    """A level-0 project generated before these checks existed is stopped, unchanged."""
    project = generate(0)
    stored = AnswersFile.read(project)
    stored.answers["package_name"] = package_name
    stored.write(project)
    commit_all(project, "A package name from an older mlops-scaffold")
    before = snapshot(project)
    result = CliRunner().invoke(app, ["upgrade", str(project)])
    assert result.exit_code == 2
    assert_one_line_error(result.output, reason, "--data package_name=NAME")
    assert snapshot(project) == before
