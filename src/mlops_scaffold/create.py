"""Create a new project: validate the destination, render, then make it a git repository.

Everything is built in a scratch folder beside the destination and moved into
place only when it is complete, so a failure leaves nothing behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_scaffold import __version__
from mlops_scaffold.answers import AnswersFile, check_package_name, check_project_name
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.gitrepo import TEMPLATE_REF, Repo, require_git
from mlops_scaffold.render import render


@dataclass(frozen=True)
class NewProject:
    """What `create_project` made."""

    path: Path
    answers: AnswersFile
    files: int
    commit: str | None
    branch: str | None


def create_project(
    dest: Path,
    data: Mapping[str, Any],
    *,
    interactive: bool = False,
    force: bool = False,
    use_git: bool = True,
) -> NewProject:
    """Generate a project into `dest` with `data` as answers (the level included)."""
    dest = dest.expanduser().absolute()
    if use_git:
        require_git()
    _check_destination(dest, force=force, use_git=use_git)
    if "project_name" in data:
        check_project_name(data["project_name"])
    if "package_name" in data:
        check_package_name(data["package_name"])

    anchor = _nearest_existing(dest.parent)
    scratch = Path(tempfile.mkdtemp(prefix=f".{dest.name}.mlops-scaffold-", dir=anchor))
    try:
        answers = render(
            scratch,
            data,
            interactive=interactive,
            user_defaults={"project_name": dest.name},
        )
        files = sum(1 for p in scratch.rglob("*") if p.is_file())
        commit = branch = None
        if use_git:
            repo = Repo(scratch)
            repo.init()
            commit = repo.commit_all(
                f"Generate {answers.answers['project_name']} at level {answers.level} "
                f"(mlops-scaffold {__version__})"
            )
            repo.update_ref(TEMPLATE_REF, commit)
            branch = repo.current_branch()
        _move_into_place(scratch, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return NewProject(path=dest, answers=answers, files=files, commit=commit, branch=branch)


def _check_destination(dest: Path, *, force: bool, use_git: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise ScaffoldError(f"{dest} exists and is not a folder; choose another destination")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise ScaffoldError(
            f"{dest} is not empty; choose a new folder, or pass --force to add the project "
            "beside the files there (none of them is deleted or overwritten)"
        )
    if (dest / ".git").exists():
        raise ScaffoldError(
            f"{dest} is already a git repository; generate into a new folder, "
            "since the project starts its own history"
        )
    if use_git:
        enclosing = Repo(_nearest_existing(dest)).toplevel()
        if enclosing is not None:
            raise ScaffoldError(
                f"{dest} is inside the git repository {enclosing}; the project becomes its own "
                "repository so that it can be upgraded later: choose a folder outside it, or "
                "pass --no-git to write plain files (upgrades then need a repository)"
            )


def _nearest_existing(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


def _move_into_place(scratch: Path, dest: Path) -> None:
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        scratch.rename(dest)
        return
    clashes = sorted(
        str(p.relative_to(scratch))
        for p in scratch.rglob("*")
        if not p.is_dir() and (dest / p.relative_to(scratch)).exists()
    )
    if clashes:
        shown = ", ".join(clashes[:5]) + (" ..." if len(clashes) > 5 else "")
        raise ScaffoldError(
            f"{dest} already has files the template writes ({shown}); move them aside and retry"
        )
    for entry in scratch.iterdir():
        _merge_move(entry, dest / entry.name)


def _merge_move(src: Path, target: Path) -> None:
    if src.is_dir() and target.is_dir():
        for child in src.iterdir():
            _merge_move(child, target / child.name)
    else:
        shutil.move(str(src), str(target))
