"""`adopt`: a project without a template branch is brought under management."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from mlops_scaffold.answers import AnswersFile
from mlops_scaffold.cli import app
from mlops_scaffold.create import create_project
from mlops_scaffold.gitrepo import TEMPLATE_BRANCH, TEMPLATE_REF
from mlops_scaffold.status import project_status
from tests.conftest import Generate
from tests.support.git_faults import FaultyGit
from tests.support.repo_state import commit_all, git, snapshot

runner = CliRunner()
TEAM_NOTE = "Owner: the churn squad.\n"


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def no_git_project_committed_later(tmp_path: Path) -> Path:
    project = tmp_path / "churn"
    tmp_path.mkdir(exist_ok=True)
    create_project(project, {"level": 0}, use_git=False)
    with (project / "README.md").open("a") as readme:
        readme.write(TEAM_NOTE)
    git(tmp_path, "init", "-q", str(project))
    commit_all(project, "Our project")
    return project


def test_a_no_git_project_committed_later_is_adopted_then_upgraded(tmp_path: Path) -> None:
    project = no_git_project_committed_later(tmp_path)
    code, out = cli("upgrade", str(project))
    assert code == 2 and "`mlops-scaffold adopt`" in out and "git fetch" not in out, out
    tree = git(project, "rev-parse", "HEAD^{tree}")

    code, out = cli("adopt", str(project))
    assert code == 0, out
    assert f"recorded it as {TEMPLATE_BRANCH}" in out
    assert git(project, "rev-parse", "HEAD^{tree}") == tree  # no file changed
    assert git(project, "rev-parse", TEMPLATE_REF) == git(project, "rev-parse", "HEAD^2")
    report = project_status(project)
    assert (report.modified, report.deleted, report.unfinished) == (["README.md"], [], "")

    code, out = cli("upgrade", str(project))
    assert code == 0, out
    assert AnswersFile.read(project).level == 1
    assert (project / "README.md").read_text().endswith(TEAM_NOTE)
    assert git(project, "status", "--porcelain") == ""


def test_adopt_refuses_a_project_that_has_its_branch(generate: Generate) -> None:
    project = generate(0)
    before = snapshot(project)
    code, out = cli("adopt", str(project))
    assert code == 2 and "nothing to adopt" in out, out
    assert snapshot(project) == before


def test_adopt_refuses_when_a_remote_has_the_branch(generate: Generate, tmp_path: Path) -> None:
    project = generate(0)
    hosted = tmp_path / "hosted.git"
    git(tmp_path, "clone", "-q", "--bare", str(project), str(hosted))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--single-branch", str(hosted), str(clone))
    code, out = cli("adopt", str(clone))
    assert code == 2, out
    assert f"git fetch origin {TEMPLATE_BRANCH}:{TEMPLATE_BRANCH}" in out


def test_adopt_recreates_the_branch_at_a_render_the_history_has(generate: Generate) -> None:
    project = generate(0)
    assert cli("upgrade", str(project))[0] == 0
    render = git(project, "rev-parse", TEMPLATE_REF)
    git(project, "branch", "-D", TEMPLATE_BRANCH)
    commits = git(project, "rev-list", "--all", "--count")
    code, out = cli("adopt", str(project))
    assert code == 0 and "Recreated" in out, out
    assert git(project, "rev-parse", TEMPLATE_REF) == render
    assert git(project, "rev-list", "--all", "--count") == commits


def test_adopt_refuses_uncommitted_changes(tmp_path: Path) -> None:
    project = no_git_project_committed_later(tmp_path)
    (project / "notes.md").write_text("draft\n")
    code, out = cli("adopt", str(project))
    assert code == 2 and "uncommitted changes (notes.md)" in out, out
    assert git(project, "branch", "--list", TEMPLATE_BRANCH) == ""


def test_adopt_killed_at_any_git_call_is_finished_by_running_it_again(tmp_path: Path) -> None:
    pristine = no_git_project_committed_later(tmp_path / "pristine")
    faulty = FaultyGit(tmp_path / "faulty-git")
    calls = faulty.run(["adopt", str(copy(pristine, tmp_path / "count"))], tmp_path).calls
    assert any(call.startswith("merge ") for call in calls), calls
    for k in range(1, len(calls) + 1):
        project = copy(pristine, tmp_path / f"at{k}")
        tree = git(project, "rev-parse", "HEAD^{tree}")
        run = faulty.run(["adopt", str(project)], tmp_path, at=k, mode="kill")
        assert run.killed, run
        assert git(project, "rev-parse", "HEAD^{tree}") == tree
        assert git(project, "status", "--porcelain") == ""
        if project_status(project).template_branch_missing:
            assert "`mlops-scaffold adopt`" in project_status(project).restore
            code, out = cli("adopt", str(project))
            assert code == 0, f"retry after a kill at call {k} ({run.calls[k - 1]}): {out}"
        assert git(project, "rev-parse", "HEAD^{tree}") == tree
        assert git(project, "rev-parse", f"{TEMPLATE_REF}^{{tree}}")
        git(project, "merge-base", "--is-ancestor", TEMPLATE_REF, "HEAD")
        assert cli("upgrade", str(project), "--dry-run")[0] == 0


def copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, symlinks=True)
    return dest
