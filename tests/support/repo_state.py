"""Snapshots of a git repository, to prove that a command changed nothing."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return result.stdout


@dataclass(frozen=True)
class RepoState:
    refs: str
    head: str
    index: str
    status: str
    files: tuple[tuple[str, str], ...]


def file_hashes(root: Path) -> tuple[tuple[str, str], ...]:
    """sha256 of every file outside .git."""
    return tuple(
        (str(p.relative_to(root)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    )


def snapshot(repo: Path) -> RepoState:
    return RepoState(
        refs=git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        head=git(repo, "symbolic-ref", "-q", "HEAD"),
        index=git(repo, "ls-files", "--stage"),
        status=git(repo, "status", "--porcelain", "--untracked-files=all"),
        files=file_hashes(repo),
    )


def commit_all(repo: Path, message: str = "team work") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
