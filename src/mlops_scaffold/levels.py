"""Where the template layers live and what each maturity level adds.

Each layer `templates/levelN/` carries a `layer.yml` describing its level; this
module is the only reader of those files, so the CLI and the docs agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from mlops_scaffold.errors import ScaffoldError

LEVELS = (0, 1, 2, 3)
MAX_LEVEL = LEVELS[-1]
LAYER_METADATA = "layer.yml"
TEMPLATES_ENV = "MLOPS_SCAFFOLD_TEMPLATES"


@dataclass(frozen=True)
class Level:
    """One maturity level, as described by its template layer."""

    number: int
    name: str
    summary: str
    capabilities: tuple[str, ...]


def templates_root() -> Path:
    """The folder holding `copier.yml` and the `levelN/` layers.

    `MLOPS_SCAFFOLD_TEMPLATES` overrides it (platform teams use it to roll out
    their own fork of the templates); otherwise the copy shipped in the wheel,
    or the source checkout's `templates/` in an editable install.
    """
    override = os.environ.get(TEMPLATES_ENV)
    if override:
        root = Path(override).expanduser().resolve()
        if not (root / "copier.yml").is_file():
            raise ScaffoldError(
                f"{TEMPLATES_ENV}={override} has no copier.yml; point it at a templates folder"
            )
        return root
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def layer_dir(number: int, root: Path | None = None) -> Path:
    """The folder of one layer."""
    return (root or templates_root()) / f"level{number}"


@cache
def _load(root: Path) -> tuple[Level, ...]:
    levels = []
    for number in LEVELS:
        data = yaml.safe_load((layer_dir(number, root) / LAYER_METADATA).read_text("utf-8"))
        levels.append(
            Level(
                number=number,
                name=str(data["name"]),
                summary=str(data["summary"]),
                capabilities=tuple(str(c) for c in data.get("capabilities", [])),
            )
        )
    return tuple(levels)


def all_levels(root: Path | None = None) -> tuple[Level, ...]:
    """Every level, lowest first."""
    return _load(root or templates_root())


def parse_level(raw: str | int, option: str = "--level") -> int:
    """A level number from user input, or a ScaffoldError naming the valid ones."""
    text = str(raw).strip()
    if not text.isdigit() or int(text) not in LEVELS:
        valid = ", ".join(str(n) for n in LEVELS)
        raise ScaffoldError(f"{option} must be one of {valid} (got {text!r})")
    return int(text)
