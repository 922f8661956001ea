"""The git operations the generator needs, as a small typed wrapper over the git CLI.

Commits on the template branch are built with plumbing (a private index, `write-tree`,
`commit-tree`, `update-ref`), so building them never touches the user's working
tree, index or current branch.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlops_scaffold.errors import ScaffoldError

TEMPLATE_BRANCH = "mlops-scaffold/template"
TEMPLATE_REF = f"refs/heads/{TEMPLATE_BRANCH}"
_FALLBACK_IDENTITY = ("mlops-scaffold", "mlops-scaffold@localhost")


class GitError(ScaffoldError):
    """A git command failed."""


def require_git() -> str:
    """The path of the git executable, or a ScaffoldError saying how to get it."""
    git = shutil.which("git")
    if git is None:
        raise ScaffoldError(
            "git is not installed or not on PATH; "
            "install git, or pass --no-git to write plain files"
        )
    return git


@dataclass(frozen=True)
class Change:
    """One path that differs between two trees."""

    status: str  # A, M, D (as in `git diff --name-status`)
    path: str


class Repo:
    """A git work tree; every method runs git inside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._git = require_git()

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **_identity_env(), **(env or {})}
        result = subprocess.run(
            [self._git, *args],
            cwd=self.path,
            env=full_env,
            capture_output=True,
            text=True,
            input=input,
            check=False,
            # Inside `deferred_interrupt`, out of the terminal's process group: Ctrl-C
            # reaches mlops-scaffold only, and git runs to the end.
            start_new_session=bool(_shielded),
        )
        if check and result.returncode != 0:
            raise _failed(args[0], result)
        return result

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.strip()

    # -- queries -------------------------------------------------------------

    def toplevel(self) -> Path | None:
        result = self.run("rev-parse", "--show-toplevel", check=False)
        return Path(result.stdout.strip()) if result.returncode == 0 else None

    def rev(self, ref: str) -> str | None:
        """The commit `ref` names, or None when there is none (exit 1); other failures raise."""
        result = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if result.returncode == 1:
            return None
        if result.returncode != 0:
            raise _failed("rev-parse", result)
        return result.stdout.strip()

    def current_branch(self) -> str:
        return self.out("symbolic-ref", "--short", "HEAD")

    def merge_base(self, one: str, other: str) -> str | None:
        """Their best common ancestor, or None when their histories are unrelated."""
        result = self.run("merge-base", one, other, check=False)
        if result.returncode == 1:
            return None
        if result.returncode != 0:
            raise _failed("merge-base", result)
        return result.stdout.strip()

    def tree_of(self, commit: str) -> str:
        return self.out("rev-parse", f"{commit}^{{tree}}")

    def dirty_paths(self) -> list[str]:
        """Changed, staged and untracked paths (ignored files do not count)."""
        status = self.run("status", "--porcelain", "--untracked-files=all").stdout
        return [line[3:] for line in status.splitlines() if line]

    def merge_in_progress(self) -> bool:
        return self.rev("MERGE_HEAD") is not None

    def changes(self, old: str, new: str | None = None) -> list[Change]:
        """Paths that differ between two tree-ish objects (`new` None: the working tree)."""
        text = self.out("diff", "--name-status", "--no-renames", old, *([new] if new else []))
        return [Change(*line.split("\t", 1)) for line in text.splitlines() if line]

    def diff_stat(self, old: str, new: str) -> str:
        return self.out("diff", "--stat", "--no-renames", old, new)

    def files_in(self, tree: str) -> list[str]:
        return self.out("ls-tree", "-r", "--name-only", tree).splitlines()

    def unmerged_paths(self) -> list[str]:
        return self.out("diff", "--name-only", "--diff-filter=U").splitlines()

    def would_conflict(self, ours: str, theirs: str) -> list[str] | None:
        """Paths a merge of `theirs` into `ours` would leave conflicted (nothing is written).

        None when git is too old to tell (`merge-tree --write-tree` needs git 2.38).
        """
        result = self.run(
            "merge-tree", "--write-tree", "--name-only", "--no-messages", ours, theirs, check=False
        )
        if result.returncode == 0:
            return []
        if result.returncode == 1:
            return [line for line in result.stdout.splitlines()[1:] if line]
        if result.returncode == 129:  # usage error: an older git without --write-tree
            return None
        raise GitError(f"git merge-tree failed: {result.stderr.strip()}")

    # -- writes --------------------------------------------------------------

    def init(self) -> None:
        """`git init`, on `main` unless the user configured another default branch."""
        if _configured("init.defaultBranch"):
            self.run("init", "--quiet")
        else:
            self.run("init", "--quiet", "--initial-branch=main")

    def tree_from_folder(self, folder: Path) -> str:
        """Write every file of `folder` as a tree object, through a private index."""
        with tempfile.TemporaryDirectory(prefix="mlops-scaffold-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_WORK_TREE": str(folder)}
            self.run("add", "--all", "--force", ".", env=env)
            return self.run("write-tree", env=env).stdout.strip()

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.run(*args, input=message).stdout.strip()

    def update_ref(self, ref: str, new: str, old: str | None = None) -> None:
        """Move `ref` to `new`, only if it still points at `old` (None: must not exist)."""
        self.run("update-ref", ref, new, old or "0" * 40)

    def delete_ref(self, ref: str, old: str) -> None:
        self.run("update-ref", "-d", ref, old)

    def commit_all(self, message: str) -> str:
        """Stage every file (ignored ones too) and commit on the current branch."""
        self.run("add", "--all", "--force", ".")
        tree = self.out("write-tree")
        head = self.rev("HEAD")
        commit = self.commit_tree(tree, [head] if head else [], message)
        self.update_ref("HEAD", commit, head)
        return commit

    def merge(
        self, ref: str, message: str, *, allow_unrelated: bool = False, keep_ours: bool = False
    ) -> bool:
        """Merge `ref` into the current branch; False when it stopped on conflicts.

        `keep_ours` records `ref` as merged without taking any of its changes (`-s ours`).
        """
        extra = ["--allow-unrelated-histories"] if allow_unrelated else []
        extra += ["--strategy=ours"] if keep_ours else []
        # --ff overrides a `merge.ff = only` the user may have configured
        result = self.run("merge", "--ff", "--no-edit", *extra, "-m", message, ref, check=False)
        if result.returncode == 0:
            return True
        if self.unmerged_paths():
            return False
        raise _failed("merge", result)

    def commit_merge(self) -> str:
        """Conclude a merge whose conflicts are resolved and staged, with git's message."""
        self.run("commit", "--no-edit", "--quiet")
        return self.out("rev-parse", "HEAD")

    def remote_with_branch(self, branch: str) -> str | None:
        """A remote that has `branch`: its remote-tracking ref, else asked (no password prompt)."""
        remotes = self.out("remote").splitlines()
        for remote in remotes:
            if self.rev(f"refs/remotes/{remote}/{branch}") is not None:
                return remote
        for remote in remotes:
            result = self.run(
                "ls-remote", "--exit-code", "--heads", remote, branch,
                env={"GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes"},
                check=False,
            )  # fmt: skip
            if result.returncode == 0:
                return remote
        return None


_shielded: list[bool] = []


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C until the block ends, so that a merge git has started is also recorded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    _shielded.append(True)
    try:
        yield
    finally:
        _shielded.pop()
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def files_in_the_way(root: Path, incoming: Iterable[str], tracked: Collection[str]) -> list[str]:
    """The paths of `incoming` that exist under `root` but are not in `tracked`.

    The one rule for every writer of template files: such a file is untracked or
    ignored, nothing keeps a copy of it, and `git merge` or a move would replace it.
    """
    return sorted(
        path
        for path in incoming
        if path not in tracked and ((root / path).exists() or (root / path).is_symlink())
    )


def project_repository(path: Path, not_a_repository: str) -> Repo:
    """The git repository whose root is the folder `path`, or why it cannot be used.

    `not_a_repository` says what to do when `path` is not in a git repository at all.
    """
    if not path.is_dir():
        raise ScaffoldError(f"{path} is not a folder")
    repo = Repo(path)
    top = repo.toplevel()
    if top is None:
        raise ScaffoldError(f"{path} is not a git repository; {not_a_repository}")
    if top.resolve() != path.resolve():
        raise ScaffoldError(f"{path} is not the repository's root; run from {top}")
    return repo


def shorten(paths: Sequence[str], limit: int = 5) -> str:
    """`a, b, c ...`: the first `limit` paths of a list, for one-line messages."""
    return ", ".join(paths[:limit]) + (" ..." if len(paths) > limit else "")


def _failed(command: str, result: subprocess.CompletedProcess[str]) -> GitError:
    detail = (result.stderr or result.stdout).strip().splitlines()
    return GitError(f"git {command} failed: {detail[-1] if detail else 'no output'}")


def _identity_env() -> dict[str, str]:
    """A fallback commit identity, used only where git has none configured."""
    env: dict[str, str] = {}
    name, email = _FALLBACK_IDENTITY
    if not _configured("user.name") and "GIT_AUTHOR_NAME" not in os.environ:
        env |= {"GIT_AUTHOR_NAME": name, "GIT_COMMITTER_NAME": name}
    if not _configured("user.email") and "GIT_AUTHOR_EMAIL" not in os.environ:
        env |= {"GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_EMAIL": email}
    return env


_identity_cache: dict[str, bool] = {}


def _configured(key: str) -> bool:
    if key not in _identity_cache:
        git = shutil.which("git") or "git"
        result = subprocess.run([git, "config", "--get", key], capture_output=True, check=False)
        _identity_cache[key] = bool(result.stdout.strip())
    return _identity_cache[key]
