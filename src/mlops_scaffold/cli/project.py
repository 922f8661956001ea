"""Commands on one project: new, upgrade, update, status, adopt."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from mlops_scaffold.cli._errors import CONFLICTS, on_interrupt
from mlops_scaffold.cli._options import DataOption, PathArgument

if TYPE_CHECKING:
    from mlops_scaffold.create import NewProject
    from mlops_scaffold.upgrade import Plan, Preview

DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="List what would change; change nothing.")
]
_RETRY = "run the same command again to finish it; `mlops-scaffold status` says where it stopped"


def new(
    dest: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    level: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here on Python 3.10
        typer.Option("--level", "-l", help="Maturity level 0-3 (asked if omitted)."),
    ] = None,
    data: DataOption = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Use defaults for every unanswered question.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Allow a non-empty DEST (nothing there is overwritten).")
    ] = False,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Write plain files: no git repository, no upgrades.")
    ] = False,
) -> None:
    """Create a new project in DEST."""
    from mlops_scaffold.answers import parse_data, question_names
    from mlops_scaffold.create import create_project
    from mlops_scaffold.levels import parse_level

    on_interrupt("nothing was written")
    answers: dict[str, object] = dict(parse_data(data or [], question_names()))
    if level is not None:
        answers["level"] = parse_level(level)
    elif "level" in answers:
        answers["level"] = parse_level(str(answers["level"]), option="--data level")
    project = create_project(
        dest, answers, interactive=not defaults, force=force, use_git=not no_git
    )
    _report_new(project)


def _report_new(project: NewProject) -> None:
    level = project.answers.level
    branch = project.template_branch
    if not project.adopted:
        typer.echo(f"Created {project.path} at level {level} ({project.files} files).")
    elif project.conflicts:
        typer.echo(f"Adding the level-{level} project stopped on files both sides have:", err=True)
        for name in project.conflicts:
            typer.echo(f"  {name}", err=True)
        typer.echo(
            "Resolve them, `git add` the files, `git commit`, then record the template "
            f"branch {branch} with `mlops-scaffold adopt`; or undo it with `git merge --abort`.",
            err=True,
        )
        raise typer.Exit(CONFLICTS)
    else:
        typer.echo(
            f"Added the level-{level} project ({project.files} files) to the repository at "
            f"{project.path}, merged from {branch}."
        )
    if project.commit:
        typer.echo(
            f"Once the repository has a remote, push {project.branch} and {branch} "
            f"(`git push origin {project.branch} {branch}`) so that clones can upgrade."
        )
    else:
        typer.echo(
            "Plain files, no git repository. To upgrade later, make it a repository "
            "(`git init && git add -A && git commit`) and run `mlops-scaffold adopt`."
        )
    typer.echo(f"Next: {project.next_step}")


def upgrade(
    path: PathArgument = Path("."),
    to: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--to", help="Target level (default: current level + 1)."),
    ] = None,
    data: DataOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Move the project up a maturity level by regenerating and merging."""
    from mlops_scaffold.answers import parse_data, question_names
    from mlops_scaffold.levels import parse_level
    from mlops_scaffold.upgrade import plan_upgrade

    target = None if to is None else parse_level(to, option="--to")
    answers = parse_data(data or [], question_names())
    _run(lambda: plan_upgrade(path, target, answers), dry_run)


def update(
    path: PathArgument = Path("."),
    data: DataOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Bring in the installed templates' changes at the project's current level."""
    from mlops_scaffold.answers import parse_data, question_names
    from mlops_scaffold.upgrade import plan_update

    answers = parse_data(data or [], question_names())
    _run(lambda: plan_update(path, answers), dry_run)


def _run(make_plan: Callable[[], Plan], dry_run: bool) -> None:
    """Plan, then preview (`--dry-run`) or apply, and report."""
    from mlops_scaffold.upgrade import apply, preview

    plan = make_plan()
    what = f"{plan.verb} ({plan.summary})"
    if plan.is_noop:
        typer.echo(f"Already up to date ({plan.summary}); nothing to do.")
        return
    if dry_run:
        _report_preview(plan, what, preview(plan))
        return
    on_interrupt(_RETRY)
    if plan.finishes_an_earlier_run:
        typer.echo(f"Finishing the interrupted {what}.")
    outcome = apply(plan)
    if not outcome.merged:
        typer.echo(f"The {what} stopped on conflicts in:", err=True)
        for name in outcome.conflicts:
            typer.echo(f"  {name}", err=True)
        typer.echo(
            f"Resolve them, `git add` the files and run `mlops-scaffold {plan.verb}` again "
            "to finish (or `git commit`); or undo everything with `git merge --abort`.",
            err=True,
        )
        raise typer.Exit(CONFLICTS)
    typer.echo(f"{plan.verb.capitalize()} done ({plan.summary}), merged into the current branch:")
    for change in outcome.changes:
        label = {"A": "added", "M": "changed", "D": "deleted"}.get(change.status, change.status)
        typer.echo(f"  {label:8} {change.path}")
    typer.echo(f"{plan.template_branch} records the render.")


def _report_preview(plan: Plan, what: str, view: Preview) -> None:
    """Like the real run, exit 1 when the merge would stop on conflicts."""
    if plan.finishes_an_earlier_run:
        typer.echo(f"Dry run: the interrupted {what} would be finished.")
    typer.echo(f"Dry run: {what} would change {len(view.changes)} template files:")
    for change in view.changes:
        typer.echo(f"  {change.status} {change.path}")
    if view.diff_stat:
        typer.echo(view.diff_stat)
    if view.conflicts is None:
        typer.echo("Conflicts cannot be predicted with this git (2.38 or newer can).")
    elif view.conflicts:
        typer.echo("The merge would conflict in: " + ", ".join(view.conflicts))
    typer.echo("Nothing was changed.")
    if view.conflicts:
        raise typer.Exit(CONFLICTS)


def status(
    path: PathArgument = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Show the project's level, template version and what the team changed."""
    from mlops_scaffold.status import project_status

    report = project_status(path)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    typer.echo(f"Level: {report.level}")
    typer.echo(f"Rendered with mlops-scaffold {report.rendered_with}; installed {report.installed}")
    if report.update_available:
        typer.echo("Update available: run `mlops-scaffold update`.")
    if report.template_branch_missing:
        typer.echo(f"Template branch {report.template_branch} is missing: {report.restore}")
    if report.unfinished:
        typer.echo(f"Unfinished: {report.unfinished}")
    typer.echo(f"Template files modified by the team: {len(report.modified)}")
    for name in report.modified:
        typer.echo(f"  M {name}")
    typer.echo(f"Template files deleted by the team: {len(report.deleted)}")
    for name in report.deleted:
        typer.echo(f"  D {name}")
    if report.uncommitted:
        typer.echo(
            f"Uncommitted files: {len(report.uncommitted)} (commit them, or add them to "
            ".gitignore, before `upgrade` or `update`)"
        )
        for name in report.uncommitted:
            typer.echo(f"  ? {name}")


def adopt(path: PathArgument = Path(".")) -> None:
    """Create the template branch of a project that has none (e.g. made with --no-git)."""
    from mlops_scaffold.adopt import adopt_project

    on_interrupt(_RETRY)
    adoption = adopt_project(path)
    if adoption.from_history:
        typer.echo(
            f"Recreated {adoption.template_branch} at the render commit "
            f"{adoption.commit[:12]} that the current branch already has."
        )
        return
    typer.echo(
        f"Rendered level {adoption.level} from the answers file and recorded it as "
        f"{adoption.template_branch}, merged without changing any file: later upgrades "
        "and updates merge from it."
    )
    if adoption.rendered_with != adoption.installed:
        typer.echo(
            f"The project was generated by mlops-scaffold {adoption.rendered_with} and the "
            f"render is from {adoption.installed}: template changes between the two are "
            "taken as the team's own and will not be merged in."
        )


COMMANDS: tuple[Callable[..., None], ...] = (new, upgrade, update, status, adopt)
