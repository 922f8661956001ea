"""Report where a generated project stands relative to its template."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlops_scaffold import __version__
from mlops_scaffold.answers import ANSWERS_FILE, AnswersFile
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.gitrepo import TEMPLATE_BRANCH, TEMPLATE_REF, Repo


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
    modified: list[str]
    deleted: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def project_status(path: Path) -> Status:
    """Read the answers file and compare the project with its template branch."""
    path = path.expanduser().absolute()
    answers = AnswersFile.read(path)
    repo = Repo(path)
    if repo.toplevel() is None:
        raise ScaffoldError(f"{path} is not a git repository; status compares it through git")
    tip = repo.rev(TEMPLATE_REF)
    modified: list[str] = []
    deleted: list[str] = []
    if tip is not None and repo.rev("HEAD") is not None:
        for change in repo.changes(tip):
            if change.path == ANSWERS_FILE:
                continue
            if change.status == "M":
                modified.append(change.path)
            elif change.status == "D":
                deleted.append(change.path)
    return Status(
        path=str(path),
        level=answers.level,
        rendered_with=answers.version,
        installed=__version__,
        update_available=_version_key(__version__) > _version_key(answers.version),
        template_branch=TEMPLATE_BRANCH,
        template_branch_missing=tip is None,
        modified=modified,
        deleted=deleted,
    )


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
