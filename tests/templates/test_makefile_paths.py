"""Every target of a generated Makefile survives a project path with spaces.

make splits words on spaces, so the Makefile builds the venv's path without `$(abspath)`
and the recipes quote it. `make --dry-run` prints each recipe as the shell would run it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mlops_scaffold.render import render


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_every_target_quotes_the_venv_in_a_path_with_spaces(tmp_path: Path, level: int) -> None:
    project = tmp_path / "ml projects" / "churn app"
    render(project, {"level": level})
    makefile = (project / "Makefile").read_text()
    targets = re.findall(r"^([a-z][a-z0-9-]*):", makefile, flags=re.MULTILINE)
    venv_bin = f"{project}/.venv/bin"
    python_calls = 0
    for target in targets:
        dry_run = subprocess.run(
            ["make", "--dry-run", "--no-print-directory", target],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert dry_run.returncode == 0, f"make -n {target}: {dry_run.stderr}"
        for line in dry_run.stdout.splitlines():
            for found in re.finditer(re.escape(venv_bin), line):
                assert line[found.start() - 1] == '"', f"{target}: unquoted venv path in {line!r}"
                python_calls += 1
    assert python_calls >= len(targets) // 2, "the recipes no longer call the venv's python"
