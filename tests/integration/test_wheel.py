"""The wheel ships the templates: a plain (non-editable) install generates projects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def test_plain_install_generates_every_level(tmp_path: Path) -> None:
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        ROOT,
    )
    wheel = next(tmp_path.glob("mlops_scaffold-*.whl"))
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path)

    listing = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "zipfile", "-l", str(wheel)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "mlops_scaffold/templates/copier.yml" in listing
    assert "mlops_scaffold/templates/level3/layer.yml" in listing

    work = tmp_path / "work"  # outside the source checkout, so the wheel's copy is used
    work.mkdir()
    for level in range(4):
        result = run(
            [
                str(venv / "bin" / "mlops-scaffold"),
                "new",
                f"p{level}",
                "--level",
                str(level),
                "--defaults",
            ],
            work,
        )
        assert f"at level {level}" in result.stdout
        assert (work / f"p{level}" / "README.md").is_file()
    levels = run([str(venv / "bin" / "mlops-scaffold"), "levels"], work).stdout
    assert "Automated retraining" in levels and "What it adds" in levels
    upgraded = run([str(venv / "bin" / "mlops-scaffold"), "upgrade", "p0", "--to", "2"], work)
    assert "level 0 -> 2" in upgraded.stdout
    status = run([str(venv / "bin" / "mlops-scaffold"), "status", "p0", "--json"], work)
    assert '"level": 2' in status.stdout
