"""The layered renderer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mlops_scaffold.answers import (
    ANSWERS_FILE,
    INTERNAL_KEYS,
    MAX_PACKAGE_NAME_LENGTH,
    AnswersFile,
    resolve_answers,
)
from mlops_scaffold.compose import LayerCollisionError
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.levels import MAX_LEVEL, templates_root
from mlops_scaffold.render import render


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_render_is_the_union_of_layers(tmp_path: Path) -> None:
    render(tmp_path / "l0", {"level": 0, "project_name": "demo"})
    render(tmp_path / "l1", {"level": 1, "project_name": "demo"})
    level0, level1 = files(tmp_path / "l0"), files(tmp_path / "l1")
    assert set(level0) < set(level1)


def test_render_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        render(tmp_path / name, {"level": 3, "project_name": "demo"})
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_render_writes_the_answers_file(tmp_path: Path) -> None:
    answers = render(tmp_path, {"level": 2, "project_name": "Churn Model"})
    assert answers.answers["package_name"] == "churn_model"
    assert AnswersFile.read(tmp_path) == answers
    assert (tmp_path / ANSWERS_FILE).read_text().startswith("# Written by mlops-scaffold")


def test_level_grows_shared_files(tmp_path: Path) -> None:
    render(tmp_path / "l0", {"level": 0, "project_name": "demo"})
    render(tmp_path / "l1", {"level": 1, "project_name": "demo"})
    assert "dvc" not in (tmp_path / "l0" / "pyproject.toml").read_text()
    assert "dvc" in (tmp_path / "l1" / "pyproject.toml").read_text()


def test_two_layers_writing_one_path_is_refused(tmp_path: Path) -> None:
    fork = tmp_path / "templates"
    shutil.copytree(templates_root(), fork)
    (fork / "level1" / "README.md").write_text("a second owner\n")
    with pytest.raises(
        LayerCollisionError, match=r"README\.md is produced by both level0 and level1"
    ):
        render(tmp_path / "out", {"level": 1, "project_name": "demo"}, root=fork)


@pytest.mark.parametrize("ci_provider", ["github", "gitlab"])
def test_the_longest_package_name_fits_every_generated_name(
    tmp_path: Path, ci_provider: str
) -> None:
    """MAX_PACKAGE_NAME_LENGTH keeps paths under 255 bytes and Kubernetes names in bounds."""
    name = "p" * MAX_PACKAGE_NAME_LENGTH
    answers = {"level": MAX_LEVEL, "package_name": name, "ci_provider": ci_provider}
    render(tmp_path, resolve_answers(answers))
    paths = [p.relative_to(tmp_path) for p in tmp_path.rglob("*")]
    assert Path("src") / name in paths
    assert max(len(part.encode()) for p in paths for part in p.parts) <= 255
    documents = [
        doc
        for manifest in (tmp_path / "deploy" / "k8s").rglob("*.yaml")
        for doc in yaml.safe_load_all(manifest.read_text())
        if isinstance(doc, dict) and "kind" in doc
    ]
    limits = {"CronJob": 52}  # the controller appends 11 characters to name its Jobs
    names = [
        (d["kind"], d["metadata"]["name"]) for d in documents if "name" in d.get("metadata", {})
    ]
    assert any(kind == "CronJob" for kind, _ in names)
    for kind, resource in names:
        assert len(resource) <= limits.get(kind, 63), (kind, resource)
    namespaces = [d.get("namespace") for d in documents if d["kind"] == "Kustomization"]
    assert namespaces and all(len(ns) <= 63 for ns in namespaces if ns)


def test_one_character_more_is_refused() -> None:
    with pytest.raises(ScaffoldError, match=f"over the limit of {MAX_PACKAGE_NAME_LENGTH}"):
        resolve_answers({"package_name": "p" * (MAX_PACKAGE_NAME_LENGTH + 1)})


def test_render_stores_no_internal_variable(tmp_path: Path) -> None:
    render(tmp_path, {"level": 0, "project_name": "demo"})
    stored = yaml.safe_load((tmp_path / ANSWERS_FILE).read_text())["answers"]
    assert not INTERNAL_KEYS & set(stored)
    assert stored["package_name"] == "demo"
