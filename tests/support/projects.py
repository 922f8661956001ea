"""Generated projects for template checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlops_scaffold.create import create_project


def render_plain(dest: Path, level: int, **answers: Any) -> Path:
    """Generate a project without git: template checks need only its files."""
    create_project(dest, {"level": level, **answers}, use_git=False)
    return dest
