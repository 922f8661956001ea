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
    level = answers.level
    tip = repo.rev(TEMPLATE_REF)
    reference, unfinished = None, ""
    if tip is not None and repo.rev("HEAD") is not None:
        state = template_state(repo, tip)
        reference = state.merged or tip
        if state.pending is not None:
            pending = state.pending
            reference, level = pending.commit, pending.from_level
            conflicts = repo.unmerged_paths()
            stopped = f"stopped on conflicts in {shorten(conflicts)}" if conflicts else "resolved"
            unfinished = (
                f"the {pending.description} is unfinished ({stopped}): resolve the conflicts, "
                f"`git add` the files and run `mlops-scaffold {pending.verb}` again to finish it; "
                "or undo it with `git merge --abort` and run it again later"
            )
        elif state.unrecorded is not None:
            unfinished = (
                f"the {state.unrecorded.description} is merged but not yet recorded on "
                f"{TEMPLATE_BRANCH}; `mlops-scaffold {state.unrecorded.verb}` records it"
            )
        elif state.merged != tip:
            render = read_render(repo, tip)
            what = f" ({render.description})" if render else ""
            verb = render.verb if render and render.verb != "new" else "update"
            unfinished = (
                f"{TEMPLATE_BRANCH} has a render{what} that this branch has not merged; "
                f"`mlops-scaffold {verb}` merges it"
            )
    modified: list[str] = []
    deleted: list[str] = []
    for change in repo.changes(reference) if reference else []:
        if change.path == ANSWERS_FILE:
            continue
        if change.status in ("M", "U"):
            modified.append(change.path)
        elif change.status == "D":
            deleted.append(change.path)
    return Status(
        path=str(path),
        level=level,
        rendered_with=answers.version,
        installed=__version__,
        update_available=_version_key(__version__) > _version_key(answers.version),
        template_branch=TEMPLATE_BRANCH,
        template_branch_missing=tip is None,
        restore=restore_advice(repo) if tip is None else "",
        unfinished=unfinished,
        modified=sorted(set(modified)),
        deleted=deleted,
    )


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
