"""The CLI's one place for errors: a ScaffoldError or Ctrl-C becomes one line and an exit code."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from mlops_scaffold.errors import ScaffoldError

CONFLICTS = 1
"""Exit code when a merge stopped (or, with --dry-run, would stop) on conflicts."""
INTERRUPTED = 130
"""Exit code after Ctrl-C. A ScaffoldError (bad input, a state to fix first) exits 2."""

_interrupt_note: list[str] = []


class HandledErrors(TyperGroup):
    """Every command runs inside this group's `invoke`, so its errors are handled here only."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer may vendor click)
        _interrupt_note.clear()
        try:
            return super().invoke(ctx)
        except ScaffoldError as error:
            typer.echo(f"mlops-scaffold: error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            note = "".join(f"; {text}" for text in _interrupt_note[-1:])
            typer.echo(f"mlops-scaffold: interrupted{note}", err=True)
            raise typer.Exit(INTERRUPTED) from None


def on_interrupt(note: str) -> None:
    """Say what an interruption (Ctrl-C) of the running command leaves behind."""
    _interrupt_note.append(note)
