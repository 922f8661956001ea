"""Bring a project that has no template branch under management (`mlops-scaffold adopt`).

Typically a project generated with `--no-git` and committed later, or a clone whose
template branch was never pushed. When the current branch already contains a render
commit, the branch is recreated there. Otherwise the templates are rendered from the
answers file and recorded as merged with `git merge -s ours`: the team's files stay
exactly as they are, and later upgrades take this render as their merge base.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlops_scaffold import __version__
from mlops_scaffold.answers import AnswersFile
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.gitrepo import (
    TEMPLATE_BRANCH,
    TEMPLATE_REF,
    Repo,
    deferred_interrupt,
    project_repository,
    shorten,
)
from mlops_scaffold.render import render
from mlops_scaffold.template_branch import RENDER_TRAILER, render_message


@dataclass(frozen=True)
class Adoption:
    """What `adopt_project` did."""

    path: Path
    level: int
    commit: str  # the render the template branch now points to
    from_history: bool  # True: an existing render commit, no new render
    rendered_with: str  # the generator version the answers file names
    installed: str
    template_branch: str = TEMPLATE_BRANCH


def adopt_project(path: Path) -> Adoption:
    """Create the template branch of the project at `path`; the team's files are not touched."""
    repo, answers = _open(path)
    in_history = repo.out("rev-list", "-n1", f"--grep=^{RENDER_TRAILER}:", "HEAD")
    if in_history:
        repo.update_ref(TEMPLATE_REF, in_history)
        return _adoption(repo, answers, in_history, from_history=True)
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-render-") as scratch:
        render(Path(scratch), answers.render_data())
        tree = repo.tree_from_folder(Path(scratch))
    name = answers.answers.get("project_name", "project")
    subject = f"Adopt {name} at level {answers.level} (mlops-scaffold {__version__})"
    commit = repo.commit_tree(
        tree, [], render_message(subject, "adopt", answers.level, answers.level)
    )
    with deferred_interrupt():
        repo.merge(
            commit, f"Merge {TEMPLATE_BRANCH}: {subject}", allow_unrelated=True, keep_ours=True
        )
        repo.update_ref(TEMPLATE_REF, commit)
    return _adoption(repo, answers, commit, from_history=False)


def _adoption(repo: Repo, answers: AnswersFile, commit: str, *, from_history: bool) -> Adoption:
    return Adoption(
        path=repo.path,
        level=answers.level,
        commit=commit,
        from_history=from_history,
        rendered_with=answers.version,
        installed=__version__,
    )


def _open(path: Path) -> tuple[Repo, AnswersFile]:
    path = path.expanduser().absolute()
    repo = project_repository(
        path, "make it one first (`git init && git add -A && git commit -m 'Our project'`)"
    )
    answers = AnswersFile.read(path)
    if repo.rev("HEAD") is None:
        raise ScaffoldError("the repository has no commit yet; commit the project, then retry")
    if repo.rev(TEMPLATE_REF) is not None:
        raise ScaffoldError(
            f"the project already has its template branch {TEMPLATE_BRANCH}; nothing to adopt "
            "(use `mlops-scaffold upgrade` or `update`)"
        )
    remote = repo.remote_with_branch(TEMPLATE_BRANCH)
    if remote is not None:
        raise ScaffoldError(
            f"the remote {remote} has {TEMPLATE_BRANCH}, the base of every earlier upgrade: "
            f"fetch it with `git fetch {remote} {TEMPLATE_BRANCH}:{TEMPLATE_BRANCH}` instead"
        )
    if repo.merge_in_progress():
        raise ScaffoldError("a merge is in progress; finish it or abort it, then retry")
    dirty = repo.dirty_paths()
    if dirty:
        raise ScaffoldError(
            f"the working tree has uncommitted changes ({shorten(dirty, 3)}); "
            "commit them first: the commit becomes the base of later upgrades"
        )
    return repo, answers
