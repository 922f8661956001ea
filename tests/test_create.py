"""`new`: destinations, names and paths, and adding to an existing repository with --force."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_scaffold.cli import app
from mlops_scaffold.create import create_project
from mlops_scaffold.gitrepo import TEMPLATE_BRANCH
from mlops_scaffold.upgrade import apply, plan_upgrade
from tests.support.outputs import assert_one_line_error, tree
from tests.support.permissions import unprivileged
from tests.support.repo_state import commit_all, git, snapshot

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def hosted_clone(tmp_path: Path) -> Path:
    """What `git clone` of a new hosted repository with a LICENSE gives."""
    repo = tmp_path / "churn"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "LICENSE").write_text("MIT\n")
    commit_all(repo, "Initial commit")
    return repo


def test_refuses_an_existing_repository_without_force(hosted_clone: Path) -> None:
    before = snapshot(hosted_clone)
    code, out = cli("new", str(hosted_clone), "--defaults")
    assert code == 2
    assert "is an existing git repository; pass --force" in out
    assert snapshot(hosted_clone) == before


def test_adds_the_project_and_keeps_the_history(hosted_clone: Path) -> None:
    code, out = cli("new", str(hosted_clone), "--level", "1", "--defaults", "--force")
    assert code == 0, out
    assert "Added the level-1 project" in out
    assert (hosted_clone / "LICENSE").read_text() == "MIT\n"
    assert (hosted_clone / "dvc.yaml").is_file()
    assert git(hosted_clone, "status", "--porcelain") == ""
    log = git(hosted_clone, "log", "--format=%s").splitlines()
    assert log[0] == f"Add the project generated at level 1 ({TEMPLATE_BRANCH})"
    assert sorted(log[1:]) == ["Generate churn at level 1 (mlops-scaffold 0.1.0)", "Initial commit"]
    tree = git(hosted_clone, "ls-tree", "-r", "--name-only", TEMPLATE_BRANCH).split()
    assert "LICENSE" not in tree  # the template branch holds only the pristine render
    # ... and upgrades work from there
    outcome = apply(plan_upgrade(hosted_clone, None, {}))
    assert outcome.merged
    assert (hosted_clone / "src" / "churn" / "serve.py").is_file()
    assert (hosted_clone / "LICENSE").read_text() == "MIT\n"


def test_an_empty_clone_gets_the_render_as_its_first_commit(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    code, out = cli("new", str(repo), "--defaults", "--force")
    assert code == 0, out
    assert git(repo, "rev-parse", "HEAD") == git(repo, "rev-parse", TEMPLATE_BRANCH)
    assert git(repo, "status", "--porcelain") == ""


def test_a_file_both_sides_have_is_a_conflict_and_abort_restores(hosted_clone: Path) -> None:
    (hosted_clone / "README.md").write_text("# churn\nOur hosted README.\n")
    commit_all(hosted_clone, "Add README")
    before = snapshot(hosted_clone)
    code, out = cli("new", str(hosted_clone), "--defaults", "--force")
    assert code == 1, out
    assert "README.md" in out and "git merge --abort" in out
    assert "Our hosted README." in (hosted_clone / "README.md").read_text()
    git(hosted_clone, "merge", "--abort")
    after = snapshot(hosted_clone)
    assert (after.files, after.status, after.index, after.head) == (
        before.files,
        before.status,
        before.index,
        before.head,
    )
    # the template branch is created only once the merge commit exists
    branches = git(hosted_clone, "branch", "--list", TEMPLATE_BRANCH)
    assert branches == ""


def test_a_resolved_conflict_is_recorded_by_adopt_and_upgrades_work(hosted_clone: Path) -> None:
    (hosted_clone / "README.md").write_text("# churn\nOur hosted README.\n")
    commit_all(hosted_clone, "Add README")
    code, out = cli("new", str(hosted_clone), "--defaults", "--force")
    assert code == 1 and "mlops-scaffold adopt" in out, out
    git(hosted_clone, "checkout", "--ours", "README.md")
    git(hosted_clone, "add", "README.md")
    git(hosted_clone, "commit", "--no-edit", "-q")
    code, out = cli("adopt", str(hosted_clone))
    assert code == 0, out
    # the adopted render is the merge base: only the README the team replaced conflicts
    outcome = apply(plan_upgrade(hosted_clone, None, {}))
    assert outcome.conflicts == ["README.md"]
    assert (hosted_clone / "src" / "churn" / "train.py").is_file()


def test_refuses_an_uncommitted_file_the_template_writes(hosted_clone: Path) -> None:
    (hosted_clone / "Makefile").write_text("all:\n")  # untracked
    before = snapshot(hosted_clone)
    code, out = cli("new", str(hosted_clone), "--defaults", "--force")
    assert code == 2
    assert "uncommitted files the template writes (Makefile)" in out
    assert snapshot(hosted_clone) == before


def test_refuses_uncommitted_changes(hosted_clone: Path) -> None:
    (hosted_clone / "LICENSE").write_text("Apache-2.0\n")
    before = snapshot(hosted_clone)
    code, out = cli("new", str(hosted_clone), "--defaults", "--force")
    assert code == 2
    assert "uncommitted changes (LICENSE)" in out
    assert snapshot(hosted_clone) == before


def test_refuses_a_repository_that_already_has_a_project(tmp_path: Path) -> None:
    repo = tmp_path / "p"
    assert cli("new", str(repo), "--defaults")[0] == 0
    code, out = cli("new", str(repo), "--defaults", "--force")
    assert code == 2
    assert "already has a project generated by mlops-scaffold" in out


def test_a_failure_before_the_merge_leaves_the_repository_as_it_was(
    hosted_clone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_scaffold.gitrepo import Repo

    def interrupted(self: Repo, ref: str, message: str, **kwargs: object) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(Repo, "merge", interrupted)
    before = snapshot(hosted_clone)
    code, out = cli("new", str(hosted_clone), "--defaults", "--force")
    assert code == 130
    assert "interrupted" in out
    assert snapshot(hosted_clone) == before
    assert not list(hosted_clone.parent.glob(".churn.mlops-scaffold-*"))


REFUSED_NAMES = {
    "dependency at the level": (["--level", "0", "--data", "package_name=pandas"], "pandas"),
    "dependency at a higher level": (["--level", "0", "--data", "package_name=mlflow"], "level 1"),
    "unusable on sys.path": (["--data", "package_name=test"], "regression-test package"),
    "too long": (["--level", "1", "--data", "project_name=" + "p" * 300], "over the limit"),
}


@pytest.mark.parametrize("args,reason", REFUSED_NAMES.values(), ids=REFUSED_NAMES.keys())
def test_a_name_that_breaks_the_project_is_refused(
    tmp_path: Path, args: list[str], reason: str
) -> None:
    code, out = cli("new", str(tmp_path / "churn"), "--defaults", *args)
    assert code == 2
    assert_one_line_error(out, reason, "--data package_name=NAME (e.g. ")
    assert tree(tmp_path) == []


@pytest.mark.parametrize("existing", [False, True], ids=["parent", "empty destination"])
def test_an_unwritable_destination_is_one_line_and_nothing_is_written(
    tmp_path: Path, existing: bool
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    dest = locked / "churn"
    if existing:
        dest.mkdir()
    (dest if existing else locked).chmod(0o555)
    cli_path = str(Path(sys.executable).parent / "mlops-scaffold")
    try:
        result = subprocess.run(
            unprivileged([cli_path, "new", str(dest), "--defaults"]),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert_one_line_error(result.stdout + result.stderr, "is not writable")
        assert tree(locked) == (["churn"] if existing else [])
    finally:
        (dest if existing else locked).chmod(0o755)


def test_a_folder_name_over_255_bytes_is_refused(tmp_path: Path) -> None:
    code, out = cli("new", str(tmp_path / ("é" * 128)), "--defaults")
    assert code == 2
    assert_one_line_error(out, "is 256 bytes long, over the 255")
    assert tree(tmp_path) == []


def test_a_long_folder_name_that_fits_is_created(tmp_path: Path) -> None:
    dest = tmp_path / ("c" * 250)  # the scratch folder beside it must fit too
    code, out = cli("new", str(dest), "--defaults", "--data", "package_name=churn")
    assert code == 0, out
    assert (dest / "README.md").is_file()


@pytest.mark.parametrize("umask,mode", [(0o022, 0o755), (0o027, 0o750), (0o002, 0o775)])
def test_the_project_folder_mode_follows_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        project = create_project(tmp_path / "churn", {"level": 0}, use_git=False)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(project.path.stat().st_mode) == mode


def test_the_next_step_is_shell_quoted(tmp_path: Path) -> None:
    dest = tmp_path / "churn app's $HOME"
    code, out = cli(
        "new", str(dest), "-l", "1", "--defaults", "--no-git", "-d", "package_name=churn"
    )
    assert code == 0, out
    line = next(line for line in out.splitlines() if line.startswith("Next: "))
    command = line.removeprefix("Next: ")
    assert shlex.split(command) == [
        "cd",
        str(dest),
        "&&",
        "make",
        "install",
        "&&",
        "make",
        "pipeline",
    ]
    cd_only = command.split(" && ")[0]
    printed = subprocess.run(
        ["bash", "-c", f"{cd_only} && pwd"], capture_output=True, text=True, check=True
    )
    assert printed.stdout.strip() == str(dest)
