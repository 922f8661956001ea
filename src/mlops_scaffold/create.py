"""Create a new project: validate the destination, render, then make it a git repository.

Everything is built in a scratch folder beside the destination and moved into
place only when it is complete, so a failure leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_scaffold import __version__
from mlops_scaffold.answers import AnswersFile, resolve_answers
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.gitrepo import (
    TEMPLATE_BRANCH,
    TEMPLATE_REF,
    Repo,
    files_in_the_way,
    require_git,
    shorten,
)
from mlops_scaffold.render import render
from mlops_scaffold.template_branch import render_message

NAME_MAX = 255
"""Bytes in one path component on the usual file systems (ext4, APFS, NTFS)."""


@dataclass(frozen=True)
class NewProject:
    """What `create_project` made."""

    path: Path
    answers: AnswersFile
    files: int
    commit: str | None
    branch: str | None
    adopted: bool = False
    conflicts: tuple[str, ...] = ()
    next_step: str = ""
    """The shell command to run next, quoted for a path with spaces or special characters."""
    template_branch: str = TEMPLATE_BRANCH


def create_project(
    dest: Path,
    data: Mapping[str, Any],
    *,
    interactive: bool = False,
    force: bool = False,
    use_git: bool = True,
) -> NewProject:
    """Generate a project into `dest` with `data` as answers (the level included)."""
    given = dest
    dest = dest.expanduser().absolute()
    if use_git:
        require_git()
    adopt = _check_destination(dest, force=force, use_git=use_git)
    answers = resolve_answers(
        data, interactive=interactive, user_defaults={"project_name": dest.name}
    )
    scratch = _make_scratch(dest)
    try:
        rendered = render(scratch, answers)
        files = sum(1 for p in scratch.rglob("*") if p.is_file())
        message = render_message(
            f"Generate {rendered.answers['project_name']} at level {rendered.level} "
            f"(mlops-scaffold {__version__})",
            "new",
            rendered.level,
            rendered.level,
        )
        if adopt:
            project = _add_to_repository(Repo(dest), scratch, rendered, files, message)
        else:
            commit = branch = None
            if use_git:
                repo = Repo(scratch)
                repo.init()
                commit = repo.commit_all(message)
                repo.update_ref(TEMPLATE_REF, commit)
                branch = repo.current_branch()
            _move_into_place(scratch, dest)
            project = NewProject(
                path=dest, answers=rendered, files=files, commit=commit, branch=branch
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    first_run = "run" if rendered.level == 0 else "pipeline"
    next_step = f"cd {shlex.quote(str(given))} && make install && make {first_run}"
    return dataclasses.replace(project, next_step=next_step)


def _make_scratch(dest: Path) -> Path:
    """An empty folder beside `dest` to build in, or why there cannot be one."""
    anchor = _nearest_existing(dest.parent)
    short = os.fsencode(dest.name)[:64].decode(errors="ignore")
    try:
        return Path(tempfile.mkdtemp(prefix=f".{short}.mlops-scaffold-", dir=anchor))
    except OSError as exc:
        raise ScaffoldError(
            f"cannot create a folder in {anchor} ({exc.strerror}); choose a destination "
            "you can write to"
        ) from None


def _add_to_repository(
    repo: Repo, scratch: Path, answers: AnswersFile, files: int, message: str
) -> NewProject:
    """Commit the render as the template branch's root and merge it into the current branch.

    Used for an existing repository (e.g. a fresh clone of a hosted one): its history is
    kept, and a file both sides have becomes an ordinary merge conflict. As in upgrades, the
    render is merged by its hash and the template branch is created only once the merge
    commit exists: an aborted merge leaves the repository as it was, and after a resolved
    one `mlops-scaffold adopt` records the branch from the render in history.
    """
    tracked = set(repo.files_in("HEAD")) if repo.rev("HEAD") else set()
    incoming = [str(p.relative_to(scratch)) for p in scratch.rglob("*") if not p.is_dir()]
    exposed = files_in_the_way(repo.path, incoming, tracked)
    if exposed:
        raise ScaffoldError(
            f"{repo.path} has uncommitted files the template writes ({shorten(exposed)}); "
            "commit them or move them aside and retry"
        )
    render = repo.commit_tree(repo.tree_from_folder(scratch), [], message)
    merged = repo.merge(
        render,
        f"Add the project generated at level {answers.level} ({TEMPLATE_BRANCH})",
        allow_unrelated=True,
    )
    if merged:
        repo.update_ref(TEMPLATE_REF, render)
    return NewProject(
        path=repo.path,
        answers=answers,
        files=files,
        commit=repo.rev("HEAD") if merged else render,
        branch=repo.current_branch(),
        adopted=True,
        conflicts=() if merged else tuple(repo.unmerged_paths()),
    )


def _check_destination(dest: Path, *, force: bool, use_git: bool) -> bool:
    """Refuse a destination that cannot take the project; True to add it to `dest`'s repo."""
    for part in dest.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            shown = part if len(part) <= 40 else f"{part[:40]}..."
            raise ScaffoldError(
                f"the folder name '{shown}' is {len(os.fsencode(part))} bytes long, over the "
                f"{NAME_MAX} a file system allows; choose a shorter destination"
            )
    writable = dest if dest.is_dir() else _nearest_existing(dest.parent)
    if not os.access(writable, os.W_OK | os.X_OK):
        raise ScaffoldError(
            f"{writable} is not writable; choose a destination you can write to, "
            "or change its permissions"
        )
    if dest.exists() and not dest.is_dir():
        raise ScaffoldError(f"{dest} exists and is not a folder; choose another destination")
    if (dest / ".git").is_dir() and not force:
        raise ScaffoldError(
            f"{dest} is an existing git repository; pass --force to add the project to it "
            "(its history is kept and nothing is overwritten: a file both sides have becomes "
            "a merge conflict)"
        )
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise ScaffoldError(
            f"{dest} is not empty; choose a new folder, or pass --force to add the project "
            "beside the files there (none of them is deleted or overwritten)"
        )
    if use_git:
        enclosing = Repo(_nearest_existing(dest)).toplevel()
        if enclosing is not None and enclosing.resolve() == dest.resolve():
            return _check_repository_to_add_to(Repo(dest))
        if enclosing is not None:
            raise ScaffoldError(
                f"{dest} is inside the git repository {enclosing}; the project becomes its own "
                "repository so that it can be upgraded later: choose a folder outside it, or "
                "pass --no-git to write plain files (upgrades then need a repository)"
            )
    return False


def _check_repository_to_add_to(repo: Repo) -> bool:
    if repo.rev(TEMPLATE_REF) is not None:
        raise ScaffoldError(
            f"{repo.path} already has a project generated by mlops-scaffold; "
            "use `mlops-scaffold upgrade` or `update` there"
        )
    if repo.merge_in_progress():
        raise ScaffoldError(f"{repo.path} has a merge in progress; finish or abort it first")
    changed = repo.run("status", "--porcelain", "--untracked-files=no").stdout.splitlines()
    if changed:
        raise ScaffoldError(
            f"{repo.path} has uncommitted changes ({changed[0][3:]}); commit or stash them first"
        )
    return True


def _nearest_existing(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


def _move_into_place(scratch: Path, dest: Path) -> None:
    if not dest.exists():
        scratch.chmod(0o777 & ~_umask())  # mkdtemp made it 0700; a new folder follows the umask
        dest.parent.mkdir(parents=True, exist_ok=True)
        scratch.rename(dest)
        return
    incoming = [str(p.relative_to(scratch)) for p in scratch.rglob("*") if not p.is_dir()]
    clashes = files_in_the_way(dest, incoming, tracked=())
    if clashes:
        raise ScaffoldError(
            f"{dest} already has files the template writes ({shorten(clashes)}); "
            "move them aside and retry"
        )
    for entry in scratch.iterdir():
        _merge_move(entry, dest / entry.name)


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _merge_move(src: Path, target: Path) -> None:
    if src.is_dir() and target.is_dir():
        for child in src.iterdir():
            _merge_move(child, target / child.name)
    else:
        shutil.move(str(src), str(target))
