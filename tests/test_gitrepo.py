"""The git wrapper: the shared rules and helpers that several commands use."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from mlops_scaffold.gitrepo import Repo, deferred_interrupt, files_in_the_way, shorten
from tests.support.repo_state import commit_all, git


def test_shorten_lists_at_most_the_limit() -> None:
    assert shorten(["a", "b"]) == "a, b"
    assert shorten(["a", "b", "c", "d"], 3) == "a, b, c ..."
    assert shorten([]) == ""


def test_files_in_the_way_are_existing_untracked_or_ignored_paths(tmp_path: Path) -> None:
    (tmp_path / "tracked.txt").write_text("x")
    (tmp_path / "ignored.txt").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "missing")
    incoming = ["tracked.txt", "ignored.txt", "link", "new.txt"]
    assert files_in_the_way(tmp_path, incoming, {"tracked.txt"}) == ["ignored.txt", "link"]


def repository(path: Path) -> Repo:
    path.mkdir()
    git(path, "init", "-q")
    (path / "a.txt").write_text("a\n")
    commit_all(path)
    return Repo(path)


def test_remote_with_branch_finds_a_remote_tracking_ref_or_asks_the_remote(
    tmp_path: Path,
) -> None:
    origin = repository(tmp_path / "origin")
    git(origin.path, "branch", "wanted")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin.path), str(clone))
    assert Repo(clone).remote_with_branch("wanted") == "origin"  # from refs/remotes
    single = tmp_path / "single"
    git(tmp_path, "clone", "-q", "--single-branch", str(origin.path), str(single))
    assert Repo(single).remote_with_branch("wanted") == "origin"  # from ls-remote
    assert Repo(single).remote_with_branch("absent") is None
    assert origin.remote_with_branch("wanted") is None  # no remote at all


def test_deferred_interrupt_lets_git_finish_then_raises(tmp_path: Path) -> None:
    repo = repository(tmp_path / "repo")
    with pytest.raises(KeyboardInterrupt), deferred_interrupt():
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives while git works
        repo.run("branch", "made-after-ctrl-c")
    assert repo.rev("made-after-ctrl-c") is not None
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_merge_base_of_unrelated_histories_is_none(tmp_path: Path) -> None:
    repo = repository(tmp_path / "repo")
    first = repo.current_branch()
    git(repo.path, "checkout", "-q", "--orphan", "other")
    commit_all(repo.path, "unrelated")
    assert repo.merge_base("HEAD", first) is None
    assert repo.merge_base("HEAD", "HEAD") == repo.rev("HEAD")
