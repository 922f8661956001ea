"""The template branch and the render commits on it, and how far the team's branch has them.

Every pristine render is a commit whose message ends with the trailer
`Mlops-Scaffold-Render: <verb> <level>[ -> <level>]`; each one's parent is the
previous render. The branch `mlops-scaffold/template` moves to a render only
once the team's branch contains it, so an upgrade stopped at any point leaves
one of three states, each recognised here and finished or retried by running
the same command again:

- nothing merged: the render commit, if any, is unreachable; the retry renders again;
- a merge in progress whose MERGE_HEAD is a render commit: an unfinished upgrade;
- a render merged into HEAD but ahead of the branch: the branch is fast-forwarded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlops_scaffold.gitrepo import TEMPLATE_BRANCH, TEMPLATE_REF, Repo

RENDER_TRAILER = "Mlops-Scaffold-Render"
_RENDER = re.compile(r"(new|upgrade|update|adopt) (\d+)(?: -> (\d+))?")


@dataclass(frozen=True)
class Render:
    """What a render commit was made for."""

    commit: str
    verb: str  # new, upgrade, update or adopt
    from_level: int
    to_level: int

    @property
    def summary(self) -> str:
        if self.verb == "upgrade":
            return f"level {self.from_level} -> {self.to_level}"
        return f"level {self.to_level}"

    @property
    def description(self) -> str:
        what = {"new": "generation", "adopt": "adoption"}.get(self.verb, self.verb)
        return f"{what} ({self.summary})"

    @property
    def finish_command(self) -> str:
        """What finishes its merge once the conflicts are resolved and staged."""
        if self.verb in ("upgrade", "update"):
            return f"mlops-scaffold {self.verb}"
        return "git commit"


@dataclass(frozen=True)
class TemplateState:
    """Where the template branch stands relative to the current branch."""

    tip: str
    merged: str | None  # the newest render the current branch contains (None: unrelated)
    pending: Render | None  # a merge of a render commit, stopped before its commit
    unrecorded: Render | None  # a render merged into HEAD, ahead of the template branch


def render_message(subject: str, verb: str, from_level: int, to_level: int) -> str:
    """A commit message that marks a commit as a pristine render."""
    levels = f"{from_level} -> {to_level}" if verb == "upgrade" else str(to_level)
    return f"{subject}\n\n{RENDER_TRAILER}: {verb} {levels}\n"


def read_render(repo: Repo, commit: str) -> Render | None:
    """The render a commit records, or None when it is not a marked render commit."""
    value = repo.out("log", "-1", f"--format=%(trailers:key={RENDER_TRAILER},valueonly)", commit)
    match = _RENDER.fullmatch(value.strip().splitlines()[-1] if value.strip() else "")
    if match is None:
        return None
    verb, first, second = match.groups()
    return Render(commit, verb, int(first), int(second if second is not None else first))


def template_state(repo: Repo, tip: str) -> TemplateState:
    """Read the state; writes nothing."""
    pending = None
    merge_head = repo.rev("MERGE_HEAD")
    if merge_head is not None:
        pending = read_render(repo, merge_head)
    newest = repo.out(
        "rev-list", "-n1", "--topo-order", "--ancestry-path",
        f"--grep=^{RENDER_TRAILER}:", f"{tip}..HEAD",
    )  # fmt: skip
    unrecorded = read_render(repo, newest) if newest else None
    if unrecorded is not None:
        merged: str | None = unrecorded.commit
    else:
        merged = repo.merge_base("HEAD", tip)
    return TemplateState(tip=tip, merged=merged, pending=pending, unrecorded=unrecorded)


def record(repo: Repo, render: str, tip: str) -> None:
    """Move the template branch to a render the current branch contains (compare-and-swap)."""
    if render != tip:
        repo.update_ref(TEMPLATE_REF, render, tip)


def restore_advice(repo: Repo) -> str:
    """How to get a missing template branch back, in a form that works for this repository."""
    remote = repo.remote_with_branch(TEMPLATE_BRANCH)
    if remote is not None:
        return (
            f"a clone copies only the default branch: fetch it with "
            f"`git fetch {remote} {TEMPLATE_BRANCH}:{TEMPLATE_BRANCH}`"
        )
    return (
        "no remote has it (e.g. the project was generated with --no-git): rebuild it from "
        "the answers file with `mlops-scaffold adopt`"
    )
