"""Checks on what a refused command printed and left behind."""

from __future__ import annotations

from pathlib import Path


def tree(folder: Path) -> list[str]:
    """Every path below `folder`, to prove that a refused command wrote nothing."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def assert_one_line_error(output: str, *needles: str) -> None:
    """`output` is one `mlops-scaffold: error: ...` line holding every needle, no traceback."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("mlops-scaffold: error: "), output
    assert "Traceback" not in output
    for needle in needles:
        assert needle in lines[0], output
