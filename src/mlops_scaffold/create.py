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
from mlops_scaffold.gitrepo import TEMPLATE_BRANCH, TEMPLATE_REF, Repo, require_git
from mlops_scaffold.render import render
from mlops_scaffold.template_branch import render_message


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
    dest = dest.expanduser().absolute()
    if use_git:
        require_git()
    adopt = _check_destination(dest, force=force, use_git=use_git)
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
        message = render_message(
            f"Generate {answers.answers['project_name']} at level {answers.level} "
            f"(mlops-scaffold {__version__})",
            "new",
            answers.level,
            answers.level,
        )
        if adopt:
            return _add_to_repository(Repo(dest), scratch, answers, files, message)
        commit = branch = None
        if use_git:
            repo = Repo(scratch)
            repo.init()
            commit = repo.commit_all(message)
            repo.update_ref(TEMPLATE_REF, commit)
            branch = repo.current_branch()
        _move_into_place(scratch, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return NewProject(path=dest, answers=answers, files=files, commit=commit, branch=branch)


def _add_to_repository(
    repo: Repo, scratch: Path, answers: AnswersFile, files: int, message: str
) -> NewProject:
    """Commit the render as the template branch's root and merge it into the current branch.

    Used for an existing repository (e.g. a fresh clone of a hosted one): its history is
    kept, a file both sides have becomes an ordinary merge conflict, and a failure before
    the merge leaves the repository as it was.
    """
    tracked = set(repo.files_in("HEAD")) if repo.rev("HEAD") else set()
    exposed = sorted(
        str(p.relative_to(scratch))
        for p in scratch.rglob("*")
        if not p.is_dir()
        and str(p.relative_to(scratch)) not in tracked
        and (repo.path / p.relative_to(scratch)).exists()
    )
    if exposed:
        shown = ", ".join(exposed[:5]) + (" ..." if len(exposed) > 5 else "")
        raise ScaffoldError(
            f"{repo.path} has uncommitted files the template writes ({shown}); "
            "commit them or move them aside and retry"
        )
    commit = repo.commit_tree(repo.tree_from_folder(scratch), [], message)
    repo.update_ref(TEMPLATE_REF, commit)
    try:
        merged = repo.merge(
            TEMPLATE_BRANCH,
            f"Add the project generated at level {answers.level} ({TEMPLATE_BRANCH})",
            allow_unrelated=True,
        )
    except BaseException:
        if not repo.merge_in_progress():
            repo.delete_ref(TEMPLATE_REF, commit)
        raise
    return NewProject(
        path=repo.path,
        answers=answers,
        files=files,
        commit=repo.rev("HEAD") if merged else commit,
        branch=repo.current_branch(),
        adopted=True,
        conflicts=() if merged else tuple(repo.unmerged_paths()),
    )


def _check_destination(dest: Path, *, force: bool, use_git: bool) -> bool:
    """Refuse a destination that cannot take the project; True to add it to `dest`'s repo."""
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
