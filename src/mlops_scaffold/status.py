"""Report where a generated project stands relative to its template."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlops_scaffold import __version__
from mlops_scaffold.answers import ANSWERS_FILE, AnswersFile
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.gitrepo import TEMPLATE_BRANCH, TEMPLATE_REF, Repo, shorten
from mlops_scaffold.template_branch import read_render, restore_advice, template_state


@dataclass(frozen=True)
class Status:
    """A project's level, generator versions and drift from the template."""

    path: str
    level: int
    rendered_with: str
    installed: str
    update_available: bool
    template_branch: str
    template_branch_missing: bool
    restore: str  # how to get the template branch back ("" when it is there)
    unfinished: str  # an interrupted upgrade or update, and how to finish or undo it
    modified: list[str]
    deleted: list[str]
    uncommitted: list[str]  # changed or untracked, not ignored: upgrades wait for these

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def project_status(path: Path) -> Status:
    """Read the answers file and compare the project with the render its branch contains.

    Writes nothing. The comparison is with the newest render merged into HEAD (or being
    merged), never with a template branch the current branch has not merged.
    """
    path = path.expanduser().absolute()
    answers = AnswersFile.read(path)
    repo = Repo(path)
    if repo.toplevel() is None:
        raise ScaffoldError(f"{path} is not a git repository; status compares it through git")
    tip = repo.rev(TEMPLATE_REF)
    where = _Where(reference=None, level=answers.level, unfinished="")
    if tip is not None and repo.rev("HEAD") is not None:
        where = _where(repo, tip, answers.level)
    modified: list[str] = []
    deleted: list[str] = []
    for change in repo.changes(where.reference) if where.reference else []:
        if change.path == ANSWERS_FILE:
            continue
        if change.status in ("M", "U"):
            modified.append(change.path)
        elif change.status == "D":
            deleted.append(change.path)
    return Status(
        path=str(path),
        level=where.level,
        rendered_with=answers.version,
        installed=__version__,
        update_available=_version_key(__version__) > _version_key(answers.version),
        template_branch=TEMPLATE_BRANCH,
        template_branch_missing=tip is None,
        restore=restore_advice(repo) if tip is None else "",
        unfinished=where.unfinished,
        modified=sorted(set(modified)),
        deleted=deleted,
        uncommitted=repo.dirty_paths(),
    )


@dataclass(frozen=True)
class _Where:
    reference: str | None  # the render to compare the working tree with
    level: int  # the level the current branch is at
    unfinished: str


def _where(repo: Repo, tip: str, level: int) -> _Where:
    """The render the current branch has, and any upgrade or update left unfinished."""
    state = template_state(repo, tip)
    pending, unrecorded = state.pending, state.unrecorded
    if pending is not None:
        conflicts = repo.unmerged_paths()
        stopped = f"stopped on conflicts in {shorten(conflicts)}" if conflicts else "resolved"
        return _Where(
            reference=pending.commit,
            level=pending.from_level,
            unfinished=(
                f"the {pending.description} is unfinished ({stopped}): resolve the conflicts, "
                f"`git add` the files and run `{pending.finish_command}` to finish it; "
                "or undo it with `git merge --abort` and run it again later"
            ),
        )
    if unrecorded is not None:
        return _Where(
            reference=unrecorded.commit,
            level=level,
            unfinished=(
                f"the {unrecorded.description} is merged but not yet recorded on "
                f"{TEMPLATE_BRANCH}; `mlops-scaffold {unrecorded.verb}` records it"
            ),
        )
    if state.merged != tip:
        render = read_render(repo, tip)
        what = f" ({render.description})" if render else ""
        verb = render.verb if render and render.verb == "upgrade" else "update"
        return _Where(
            reference=state.merged or tip,
            level=level,
            unfinished=(
                f"{TEMPLATE_BRANCH} has a render{what} that this branch has not merged; "
                f"`mlops-scaffold {verb}` merges it"
            ),
        )
    return _Where(reference=tip, level=level, unfinished="")


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
