"""Options and arguments shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

DataOption = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional here on Python 3.10
    typer.Option(
        "--data", "-d", help="Set an answer, KEY=VALUE (repeatable).", metavar="KEY=VALUE"
    ),
]
PathArgument = Annotated[Path, typer.Argument(help="The project's folder (default: here).")]
