"""Upgrade and update a project by regenerating it: copier renders, git merges.

The template branch holds the pristine render of every generation. A new render
is committed on it with plumbing (the user's working tree, index and branch are
not touched), then merged into the current branch, so that git's merge base
brings only the template's changes and keeps the team's own work.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_scaffold import __version__
from mlops_scaffold.answers import AnswersFile, resolve_answers
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.gitrepo import TEMPLATE_BRANCH, TEMPLATE_REF, Change, Repo
from mlops_scaffold.levels import MAX_LEVEL
from mlops_scaffold.render import render


@dataclass(frozen=True)
class Plan:
    """A regeneration ready to be committed on the template branch."""

    repo: Repo
    current: AnswersFile
    target: AnswersFile
    template_tip: str
    tree: str
    changes: list[Change]
    verb: str  # "upgrade" or "update"

    @property
    def is_noop(self) -> bool:
        return not self.changes


@dataclass(frozen=True)
class Preview:
    """What `--dry-run` reports: the template's changes and the merge they would cause."""

    changes: list[Change]
    diff_stat: str
    conflicts: list[str] | None  # None: this git cannot predict them


@dataclass(frozen=True)
class Outcome:
    """The result of applying a plan."""

    merged: bool
    changes: list[Change] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    noop: bool = False


def plan_upgrade(path: Path, to_level: int | None, data: Mapping[str, Any]) -> Plan:
    """Prepare moving the project at `path` to `to_level` (default: one level up)."""
    repo, current, template_tip = _open(path)
    target_level = current.level + 1 if to_level is None else to_level
    if target_level > MAX_LEVEL:
        if current.level == MAX_LEVEL:
            raise ScaffoldError(
                f"the project is already at level {MAX_LEVEL}, the highest; "
                "use `mlops-scaffold update` to bring in newer templates"
            )
        raise ScaffoldError(f"--to {target_level} is above the highest level, {MAX_LEVEL}")
    if target_level < current.level:
        raise ScaffoldError(
            f"--to {target_level} is below the current level {current.level}: downgrades are not "
            "supported, because they would delete files the team may rely on; "
            "revert the upgrade commit with git instead"
        )
    if target_level == current.level:
        raise ScaffoldError(
            f"the project is already at level {current.level}; pass a higher --to, or use "
            "`mlops-scaffold update` to bring in newer templates at the same level"
        )
    return _plan(repo, current, template_tip, target_level, data, verb="upgrade")


def plan_update(path: Path, data: Mapping[str, Any]) -> Plan:
    """Prepare re-rendering the project at its level with the installed templates."""
    repo, current, template_tip = _open(path)
    return _plan(repo, current, template_tip, current.level, data, verb="update")


def preview(plan: Plan) -> Preview:
    """What applying `plan` would change; writes no ref, index or working-tree file."""
    if plan.is_noop:
        return Preview(changes=[], diff_stat="", conflicts=[])
    commit = plan.repo.commit_tree(plan.tree, [plan.template_tip], _message(plan))
    return Preview(
        changes=plan.changes,
        diff_stat=plan.repo.diff_stat(plan.template_tip, plan.tree),
        conflicts=plan.repo.would_conflict("HEAD", commit),
    )


def apply(plan: Plan) -> Outcome:
    """Commit the new render on the template branch, then merge it into the current branch."""
    if plan.is_noop:
        return Outcome(merged=True, noop=True)
    repo = plan.repo
    head = repo.rev("HEAD")
    assert head is not None
    commit = repo.commit_tree(plan.tree, [plan.template_tip], _message(plan))
    repo.update_ref(TEMPLATE_REF, commit, plan.template_tip)
    try:
        merged = repo.merge(TEMPLATE_BRANCH, f"Merge {TEMPLATE_BRANCH}: {_message(plan)}")
    except BaseException:
        if repo.rev("HEAD") == head and not repo.merge_in_progress():
            repo.update_ref(TEMPLATE_REF, plan.template_tip, commit)
        raise
    if not merged:
        return Outcome(merged=False, conflicts=repo.unmerged_paths())
    return Outcome(merged=True, changes=repo.changes(head, "HEAD"))


def _message(plan: Plan) -> str:
    name = plan.target.answers.get("project_name", "project")
    if plan.verb == "upgrade":
        return (
            f"Upgrade {name} from level {plan.current.level} to {plan.target.level} "
            f"(mlops-scaffold {__version__})"
        )
    return f"Update {name} templates at level {plan.target.level} (mlops-scaffold {__version__})"


def _open(path: Path) -> tuple[Repo, AnswersFile, str]:
    """The project's repository, answers and template-branch tip, or why it cannot change."""
    path = path.expanduser().absolute()
    if not path.is_dir():
        raise ScaffoldError(f"{path} is not a folder")
    repo = Repo(path)
    top = repo.toplevel()
    if top is None:
        raise ScaffoldError(
            f"{path} is not a git repository; upgrades merge through git, so run them in the "
            "project's repository (created by `mlops-scaffold new`)"
        )
    if top.resolve() != path.resolve():
        raise ScaffoldError(f"{path} is not the repository's root; run from {top}")
    current = AnswersFile.read(path)
    template_tip = repo.rev(TEMPLATE_REF)
    if template_tip is None:
        raise ScaffoldError(
            f"the template branch {TEMPLATE_BRANCH} is missing (a clone copies only the default "
            f"branch); fetch it with `git fetch origin {TEMPLATE_BRANCH}:{TEMPLATE_BRANCH}`"
        )
    if repo.merge_in_progress():
        raise ScaffoldError(
            "a merge is in progress; finish it with `git commit` or undo it with "
            "`git merge --abort`, then retry"
        )
    dirty = repo.dirty_paths()
    if dirty:
        shown = ", ".join(dirty[:3]) + (" ..." if len(dirty) > 3 else "")
        raise ScaffoldError(
            f"the working tree has uncommitted changes ({shown}); commit or stash them "
            "(untracked files too: `git stash -u`) and retry"
        )
    if repo.rev("HEAD") is None:
        raise ScaffoldError("the repository has no commit yet; commit, then retry")
    return repo, current, template_tip


def _plan(
    repo: Repo,
    current: AnswersFile,
    template_tip: str,
    level: int,
    data: Mapping[str, Any],
    *,
    verb: str,
) -> Plan:
    answers = resolve_answers({**current.render_data(level), **data})
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-render-") as scratch:
        target = render(Path(scratch), answers)
        tree = repo.tree_from_folder(Path(scratch))
    changes = repo.changes(repo.tree_of(template_tip), tree)
    _refuse_to_overwrite_untracked(repo, changes)
    return Plan(
        repo=repo,
        current=current,
        target=target,
        template_tip=template_tip,
        tree=tree,
        changes=changes,
        verb=verb,
    )


def _refuse_to_overwrite_untracked(repo: Repo, changes: list[Change]) -> None:
    """git merge silently replaces ignored files; a template file must not land on one."""
    tracked = set(repo.files_in("HEAD"))
    at_risk = [
        change.path
        for change in changes
        if change.status != "D"
        and change.path not in tracked
        and (repo.path / change.path).exists()
    ]
    if at_risk:
        shown = ", ".join(at_risk[:5]) + (" ..." if len(at_risk) > 5 else "")
        raise ScaffoldError(
            f"the new template files would overwrite files git ignores ({shown}); "
            "move them aside (or commit them) and retry"
        )
