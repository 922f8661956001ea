"""The layered renderer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlops_scaffold.answers import ANSWERS_FILE, AnswersFile
from mlops_scaffold.levels import templates_root
from mlops_scaffold.render import LayerCollisionError, render


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
