"""`levels`: what each maturity level adds."""

from __future__ import annotations

from typing import Annotated

import typer


def levels(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print Markdown (used for docs/levels.md).")
    ] = False,
) -> None:
    """List the four maturity levels and what each adds."""
    from mlops_scaffold.levels import all_levels

    if markdown:
        for level in all_levels():
            typer.echo(f"## Level {level.number}: {level.name}\n\n{level.summary}\n")
            typer.echo("\n".join(f"- {c}" for c in level.capabilities) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="MLOps maturity levels", show_lines=True)
    table.add_column("Level", justify="center")
    table.add_column("Name")
    table.add_column("What it adds")
    for level in all_levels():
        adds = "\n".join([level.summary, *(f"- {c}" for c in level.capabilities)])
        table.add_row(str(level.number), level.name, adds)
    Console().print(table)


COMMANDS = (levels,)
