"""The promise: a team moves one repository from level 0 to 3 and keeps all it wrote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_scaffold.answers import ANSWERS_FILE, AnswersFile
from mlops_scaffold.create import create_project
from mlops_scaffold.render import render
from mlops_scaffold.upgrade import apply, plan_upgrade
from tests.conftest import make
from tests.support.repo_state import commit_all, file_hashes, git
from tests.support.venvs import project_venv

TEAM_FILE = "src/mine.py"
TEAM_CODE = '"""Our own helpers."""\n\nTHRESHOLD = 0.7\n'
README_NOTE = "Owner: the churn squad. On call: #ml-oncall.\n"
NOTEBOOK = "notebooks/01-train-model.ipynb"
NOTEBOOK_EDIT = ("bins=30", "bins=20")
DELETED = "models/.gitkeep"
TEAM_TOUCHED = {"README.md", NOTEBOOK, TEAM_FILE, DELETED, ANSWERS_FILE}


def team_edits(project: Path) -> None:
    with (project / "README.md").open("a") as readme:
        readme.write(README_NOTE)
    notebook = project / NOTEBOOK
    old, new = NOTEBOOK_EDIT
    assert notebook.read_text().count(old) == 1
    notebook.write_text(notebook.read_text().replace(old, new))
    (project / TEAM_FILE).parent.mkdir(parents=True, exist_ok=True)
    (project / TEAM_FILE).write_text(TEAM_CODE)
    (project / DELETED).unlink()
    commit_all(project, "Team work at level 0")


def upgraded_levels(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """Generate level 0, make the team's edits, then upgrade to 1, 2, 3 in turn."""
    project = tmp_path / "churn"
    create_project(project, {"level": 0}, interactive=False)
    team_edits(project)
    for level in (1, 2, 3):
        outcome = apply(plan_upgrade(project, None, {}))
        assert outcome.merged, f"upgrade to {level} conflicted: {outcome.conflicts}"
        yield level, project


def check_team_work_kept(project: Path, level: int, tmp_path: Path) -> None:
    assert git(project, "status", "--porcelain") == ""
    assert (project / TEAM_FILE).read_text() == TEAM_CODE
    assert (project / "README.md").read_text().endswith(README_NOTE)
    notebook = (project / NOTEBOOK).read_text()
    assert NOTEBOOK_EDIT[1] in notebook and NOTEBOOK_EDIT[0] not in notebook
    assert not (project / DELETED).exists()
    assert AnswersFile.read(project).level == level

    fresh = tmp_path / f"fresh{level}"
    render(fresh, AnswersFile.read(project).render_data())
    ours = dict(file_hashes(project))
    for path, digest in file_hashes(fresh):
        if path in TEAM_TOUCHED:
            continue
        assert path in ours, f"level {level} file {path} is missing after the upgrade"
        assert ours[path] == digest, f"{path} differs from a fresh level-{level} render"


def test_upgrades_keep_the_teams_work(tmp_path: Path) -> None:
    for level, project in upgraded_levels(tmp_path):
        check_team_work_kept(project, level, tmp_path)


@pytest.mark.integration
def test_upgraded_project_passes_its_own_tests_at_every_level(tmp_path: Path) -> None:
    for level, project in upgraded_levels(tmp_path):
        check_team_work_kept(project, level, tmp_path)
        venv = project_venv(project)
        # the quick loop at each level; the whole suite once, at the top (the level tests in
        # tests/integration run each level's whole suite on a fresh render, which the
        # upgraded project equals but for the team's files)
        make(project, "test" if level == 3 else "test-fast", venv)
        assert git(project, "status", "--porcelain", "--untracked-files=no") == ""
