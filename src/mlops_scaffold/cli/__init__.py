"""The `mlops-scaffold` command line: parse, call the library, print.

One thin module per command group (`project`: new, upgrade, update, status, adopt;
`levels`); this one holds the app and the entry point, and `_errors` the error
handling every command shares. Adding a group is one module with its own
`typer.Typer()` and one `app.add_typer(group.app, name=...)` line below.

Keep imports light: `mlops-scaffold --help` must not import copier, so command
modules import the library inside the commands.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mlops_scaffold import __version__
from mlops_scaffold.cli import levels, project
from mlops_scaffold.cli._errors import INTERRUPTED, HandledErrors

app = typer.Typer(
    name="mlops-scaffold",
    cls=HandledErrors,
    help="Generate a runnable ML project at an MLOps maturity level (0-3), "
    "and move it up a level by regenerating.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mlops-scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Generate a runnable ML project at an MLOps maturity level."""


for _command in (*project.COMMANDS, *levels.COMMANDS):
    app.command()(_command)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # outside a command, e.g. while Python imports
        typer.echo("mlops-scaffold: interrupted", err=True)
        sys.exit(INTERRUPTED)
