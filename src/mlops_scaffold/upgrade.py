"""Upgrade and update a project by regenerating it: copier renders, git merges.

The template branch holds the pristine render of every generation. A new render
is committed with plumbing into an object no ref points to (the user's working
tree, index and branch are not touched) and merged by its hash into the current
branch, so that git's merge base brings only the template's changes and keeps the
team's own work. The template branch moves to the render only once the merge
commit exists; see `template_branch` for how an interrupted run is finished.
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
from mlops_scaffold.gitrepo import (
    TEMPLATE_BRANCH,
    TEMPLATE_REF,
    Change,
    Repo,
    deferred_interrupt,
    files_in_the_way,
    project_repository,
    shorten,
)
from mlops_scaffold.levels import MAX_LEVEL
from mlops_scaffold.render import render
from mlops_scaffold.template_branch import (
    Render,
    TemplateState,
    record,
    render_message,
    restore_advice,
    template_state,
)

MERGE = "merge"
"""Step of a plan: commit a new render and merge it."""
FINISH = "finish"
"""Step of a plan: conclude the merge of a render that stopped on conflicts."""
RECORD = "record"
"""Step of a plan: move the template branch to a render the current branch already merged."""


@dataclass(frozen=True)
class Plan:
    """A regeneration ready to be merged, or an interrupted one ready to be finished."""

    repo: Repo
    verb: str  # "upgrade" or "update"
    from_level: int
    to_level: int
    step: str  # MERGE, FINISH or RECORD
    tip: str  # the template branch now
    parent: str  # the render the new one follows on the template branch
    tree: str  # the render's tree
    changes: list[Change]  # the template's changes the current branch does not have yet
    message: str = ""
    render: str | None = None  # an existing render commit to merge or record
    template_branch: str = TEMPLATE_BRANCH

    @property
    def summary(self) -> str:
        if self.from_level != self.to_level:
            return f"level {self.from_level} -> {self.to_level}"
        return f"level {self.to_level}"

    @property
    def is_noop(self) -> bool:
        return self.step == MERGE and not self.changes

    @property
    def finishes_an_earlier_run(self) -> bool:
        return self.step != MERGE


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
    repo, state = _open(path)
    unfinished = _unfinished(repo, state, "upgrade")
    if unfinished is not None:
        return unfinished
    current = _ready_to_render(repo)
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
    if target_level == current.level and to_level is not None:
        return _already_there(repo, state, current.level)
    return _plan(repo, state, current, target_level, data, verb="upgrade")


def _already_there(repo: Repo, state: TemplateState, level: int) -> Plan:
    """`upgrade --to N` at level N has nothing to do, so that retrying it is safe."""
    return Plan(
        repo=repo,
        verb="upgrade",
        from_level=level,
        to_level=level,
        step=MERGE,
        tip=state.tip,
        parent=state.tip,
        tree=repo.tree_of(state.tip),
        changes=[],
    )


def plan_update(path: Path, data: Mapping[str, Any]) -> Plan:
    """Prepare re-rendering the project at its level with the installed templates."""
    repo, state = _open(path)
    unfinished = _unfinished(repo, state, "update")
    if unfinished is not None:
        return unfinished
    current = _ready_to_render(repo)
    return _plan(repo, state, current, current.level, data, verb="update")


def preview(plan: Plan) -> Preview:
    """What applying `plan` would change; writes no ref, index or working-tree file."""
    repo = plan.repo
    if plan.is_noop or plan.step == RECORD:
        return Preview(changes=plan.changes, diff_stat="", conflicts=[])
    if plan.step == FINISH:
        return Preview(changes=plan.changes, diff_stat="", conflicts=repo.unmerged_paths())
    commit = plan.render or repo.commit_tree(plan.tree, [plan.parent], plan.message)
    return Preview(
        changes=plan.changes,
        diff_stat=repo.diff_stat(repo.tree_of(plan.parent), plan.tree),
        conflicts=repo.would_conflict("HEAD", commit),
    )


def apply(plan: Plan) -> Outcome:
    """Merge the render into the current branch, then record it on the template branch.

    Ctrl-C is held while git merges and the branch moves, so that both happen or neither.
    """
    repo = plan.repo
    if plan.is_noop:
        return Outcome(merged=True, noop=True)
    if plan.step == RECORD:
        assert plan.render is not None
        record(repo, plan.render, plan.tip)
        return Outcome(merged=True, changes=plan.changes)
    head = repo.rev("HEAD")
    assert head is not None
    if plan.step == FINISH:
        assert plan.render is not None
        conflicts = repo.unmerged_paths()
        if conflicts:
            return Outcome(merged=False, conflicts=conflicts)
        with deferred_interrupt():
            repo.commit_merge()
            record(repo, plan.render, plan.tip)
        return Outcome(merged=True, changes=repo.changes(head, "HEAD"))
    commit = plan.render or repo.commit_tree(plan.tree, [plan.parent], plan.message)
    with deferred_interrupt():
        merged = repo.merge(commit, f"Merge {TEMPLATE_BRANCH}: {plan.message.splitlines()[0]}")
        if merged:
            record(repo, commit, plan.tip)
    if not merged:
        return Outcome(merged=False, conflicts=repo.unmerged_paths())
    return Outcome(merged=True, changes=repo.changes(head, "HEAD"))


def _open(path: Path) -> tuple[Repo, TemplateState]:
    """The project's repository and its template branch's state, or why it cannot change."""
    path = path.expanduser().absolute()
    repo = project_repository(
        path,
        "upgrades merge through git, so run them in the project's repository "
        "(created by `mlops-scaffold new`)",
    )
    AnswersFile.read(path)  # refuse a folder that is no generated project first
    if repo.rev("HEAD") is None:
        raise ScaffoldError("the repository has no commit yet; commit, then retry")
    tip = repo.rev(TEMPLATE_REF)
    if tip is None:
        advice = restore_advice(repo)
        raise ScaffoldError(f"the template branch {TEMPLATE_BRANCH} is missing; {advice}")
    return repo, template_state(repo, tip)


def _unfinished(repo: Repo, state: TemplateState, verb: str) -> Plan | None:
    """A plan that finishes an interrupted run of the same command, if there is one."""
    pending = state.pending
    if pending is None and repo.merge_in_progress():
        raise ScaffoldError(
            "a merge is in progress; finish it with `git commit` or undo it with "
            "`git merge --abort`, then retry"
        )
    if pending is not None and pending.verb != verb:
        raise ScaffoldError(
            f"an interrupted {pending.description} is in progress; finish it with "
            f"`{pending.finish_command}`, or undo it with `git merge --abort`"
        )
    if pending is not None:
        return _finishing(repo, state, pending, FINISH)
    unrecorded = state.unrecorded
    if unrecorded is not None and unrecorded.verb == verb:
        return _finishing(repo, state, unrecorded, RECORD)
    return None


def _finishing(repo: Repo, state: TemplateState, render: Render, step: str) -> Plan:
    base = state.merged if step == FINISH and state.merged else state.tip
    return Plan(
        repo=repo,
        verb=render.verb,
        from_level=render.from_level,
        to_level=render.to_level,
        step=step,
        tip=state.tip,
        parent=base,
        tree=repo.tree_of(render.commit),
        changes=repo.changes(repo.tree_of(base), repo.tree_of(render.commit)),
        render=render.commit,
    )


def _ready_to_render(repo: Repo) -> AnswersFile:
    """The answers to render with, once the working tree is known to be clean."""
    dirty = repo.dirty_paths()
    if dirty:
        raise ScaffoldError(
            f"the working tree has uncommitted changes ({shorten(dirty, 3)}); commit or stash "
            "them (untracked files too: `git stash -u`) and retry"
        )
    return AnswersFile.read(repo.path)


def _plan(
    repo: Repo,
    state: TemplateState,
    current: AnswersFile,
    level: int,
    data: Mapping[str, Any],
    *,
    verb: str,
) -> Plan:
    answers = resolve_answers({**current.render_data(level), **data})
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-render-") as scratch:
        target = render(Path(scratch), answers)
        tree = repo.tree_from_folder(Path(scratch))
    # The newest render this branch has: the base of the merge and of the no-op test.
    base = state.merged or state.tip
    changes = repo.changes(repo.tree_of(base), tree)
    _refuse_to_overwrite_untracked(repo, changes)
    parent = base if state.unrecorded else state.tip
    # A render on the template branch that this branch never merged (an older version's
    # interrupted upgrade, or a teammate's pushed branch) is merged as it is when it matches.
    reusable = (
        state.unrecorded is None and state.merged != state.tip and repo.tree_of(state.tip) == tree
    )
    name = target.answers.get("project_name", "project")
    if verb == "upgrade":
        subject = f"Upgrade {name} from level {current.level} to {level}"
    else:
        subject = f"Update {name} templates at level {level}"
    return Plan(
        repo=repo,
        verb=verb,
        from_level=current.level,
        to_level=level,
        step=MERGE,
        tip=state.tip,
        parent=parent,
        tree=tree,
        changes=changes,
        message=render_message(
            f"{subject} (mlops-scaffold {__version__})", verb, current.level, level
        ),
        render=state.tip if reusable else None,
    )


def _refuse_to_overwrite_untracked(repo: Repo, changes: list[Change]) -> None:
    """git merge silently replaces ignored files; a template file must not land on one."""
    incoming = [change.path for change in changes if change.status != "D"]
    at_risk = files_in_the_way(repo.path, incoming, set(repo.files_in("HEAD")))
    if at_risk:
        raise ScaffoldError(
            f"the new template files would overwrite files git ignores ({shorten(at_risk)}); "
            "move them aside (or commit them) and retry"
        )
