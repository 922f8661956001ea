"""Whatever stops an upgrade or update, at whichever git call, the project can be retried.

For every git call k of `upgrade`, of `update`, and of the `upgrade` that finishes a
merge whose conflicts the team resolved, and for each way to stop there
(kill -9 after the call, the call failing as on a full disk, Ctrl-C during it), the
test checks the team's branch, index and files, what `status` says, and that running
the same command again completes it, with the result of an uninterrupted run.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_scaffold.answers import AnswersFile
from mlops_scaffold.cli import app
from mlops_scaffold.create import create_project
from mlops_scaffold.gitrepo import TEMPLATE_REF
from mlops_scaffold.status import project_status
from tests.support.git_faults import MODES, FaultyGit
from tests.support.repo_state import RepoState, commit_all, git, snapshot

TEAM_NOTE = "Our notes.\n"


@dataclass(frozen=True)
class Scenario:
    args: list[str]  # the command, without the project path
    level_after: int
    resolved_conflict: bool = False  # start from a conflicted merge the team resolved


SCENARIOS = {
    "upgrade": Scenario(["upgrade", "--to", "1"], level_after=1),
    "update": Scenario(["update", "--data", "description=Predicts churn"], level_after=0),
    "finish": Scenario(["upgrade", "--to", "1"], level_after=1, resolved_conflict=True),
}


@pytest.fixture(scope="module")
def team_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A level-0 project with one commit of team work (so the merge is a real merge)."""
    project = tmp_path_factory.mktemp("pristine") / "demo"
    create_project(project, {"level": 0}, interactive=False)
    with (project / "README.md").open("a") as readme:
        readme.write(TEAM_NOTE)
    (project / "mine.py").write_text("x = 1\n")
    commit_all(project)
    return project


@pytest.fixture(scope="module")
def resolved_project(team_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An upgrade stopped on a README conflict, which the team resolved and staged."""
    project = copy(team_project, tmp_path_factory.mktemp("resolved") / "demo")
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("level 0", "level zero"))
    commit_all(project)
    assert CliRunner().invoke(app, ["upgrade", str(project)]).exit_code == 1
    readme.write_text(readme.read_text().split("<<<<<<<")[0] + TEAM_NOTE)
    git(project, "add", "README.md")
    return project


@dataclass(frozen=True)
class Expected:
    before: RepoState
    head_tree: str
    template_tree: str


def expected_result(pristine: Path, tmp_path: Path, scenario: Scenario) -> Expected:
    project = copy(pristine, tmp_path / "reference")
    before = snapshot(project)
    result = CliRunner().invoke(app, [*scenario.args, str(project)])
    assert result.exit_code == 0, result.output
    return Expected(
        before=before,
        head_tree=git(project, "rev-parse", "HEAD^{tree}").strip(),
        template_tree=git(project, "rev-parse", f"{TEMPLATE_REF}^{{tree}}").strip(),
    )


def copy(pristine: Path, dest: Path) -> Path:
    shutil.copytree(pristine, dest, symlinks=True)
    return dest


def check_stopped_state(project: Path, expected: Expected, scenario: Scenario) -> bool:
    """Nothing half-done: the project is as before, or has the finished merge (True)."""
    after = snapshot(project)
    assert after.head == expected.before.head, "the current branch changed"
    head_tree = git(project, "rev-parse", "HEAD^{tree}").strip()
    if after.refs == expected.before.refs:
        assert after.files == expected.before.files
        assert after.index == expected.before.index
        assert after.status == expected.before.status
    else:
        assert head_tree == expected.head_tree, "a merge other than the expected one"
        assert after.status == "", f"the working tree or index is not clean:\n{after.status}"
    report = project_status(project)
    assert report.deleted == [], report
    assert report.modified == ["README.md"], report
    merged = head_tree == expected.head_tree
    assert report.level == (scenario.level_after if merged else 0)
    return merged


def check_finished(project: Path, expected: Expected, scenario: Scenario) -> None:
    assert git(project, "rev-parse", "HEAD^{tree}").strip() == expected.head_tree
    template = git(project, "rev-parse", f"{TEMPLATE_REF}^{{tree}}").strip()
    assert template == expected.template_tree
    git(project, "merge-base", "--is-ancestor", TEMPLATE_REF, "HEAD")
    assert git(project, "status", "--porcelain") == ""
    assert (project / "README.md").read_text().endswith(TEAM_NOTE)
    assert AnswersFile.read(project).level == scenario.level_after
    report = project_status(project)
    assert report.unfinished == "" and report.deleted == [], report


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_git_call_can_be_interrupted_and_retried(
    team_project: Path, resolved_project: Path, tmp_path: Path, name: str, mode: str
) -> None:
    scenario = SCENARIOS[name]
    pristine = resolved_project if scenario.resolved_conflict else team_project
    expected = expected_result(pristine, tmp_path, scenario)
    faulty = FaultyGit(tmp_path / "faulty-git")
    calls = faulty.run([*scenario.args, str(copy(pristine, tmp_path / "count"))], tmp_path).calls
    step = "commit " if scenario.resolved_conflict else "merge "
    assert any(call.startswith(step) for call in calls), calls

    for k in range(1, len(calls) + 1):
        project = copy(pristine, tmp_path / f"at{k}")
        run = faulty.run([*scenario.args, str(project)], tmp_path, at=k, mode=mode)
        where = f"{mode} at git call {k} ({run.calls[k - 1]})"
        assert "Traceback" not in run.output, f"{where}:\n{run.output}"
        if mode == "fail" and run.returncode != 0:
            lines = [line for line in run.output.splitlines() if line.strip()]
            assert lines and lines[-1].startswith("mlops-scaffold: error: "), f"{where}: {run}"
        if mode == "interrupt" and run.returncode != 0:
            assert run.returncode == 130 and "interrupted" in run.output, f"{where}: {run}"
        merged = check_stopped_state(project, expected, scenario)
        if run.calls[k - 1].startswith(step):
            # kill -9 after the merge leaves it to be recorded; Ctrl-C waits for both
            assert merged == (mode != "fail"), where
            template = git(project, "rev-parse", f"{TEMPLATE_REF}^{{tree}}").strip()
            assert (template == expected.template_tree) == (mode == "interrupt"), where
            report = project_status(project)
            assert ("merged but not yet recorded" in report.unfinished) == (mode == "kill")

        retry = CliRunner().invoke(app, [*scenario.args, str(project)])
        assert retry.exit_code == 0, f"retry after {where}:\n{retry.output}"
        check_finished(project, expected, scenario)
        shutil.rmtree(project)
