"""The shell blocks of the docs, and running them as a reader would.

A block to run carries a marker on the line before its fence:
`<!-- docs-test: fast -->` (runs in the fast suite), `<!-- docs-test: integration -->`
(installs a generated project's dependencies, or builds a package: integration tests only),
or `<!-- docs-test: skip: REASON -->`. The blocks of a page run in order as one bash script,
starting in the checkout (where a reader of README.md is), with `~` a fresh folder.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The pages whose every shell block is marked, and run unless marked skip.
PAGES = (ROOT / "README.md", ROOT / "docs" / "getting-started.md")
SHELL_FENCES = ("```bash", "```sh", "```shell")
MARKER = re.compile(r"<!-- docs-test: (fast|integration|skip: .+) -->")


@dataclass(frozen=True)
class ShellBlock:
    """One fenced shell block: where it is, its marker ('' when none) and its commands."""

    page: Path
    line: int
    marker: str
    commands: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def shell_blocks(page: Path) -> list[ShellBlock]:
    """Every fenced shell block of `page`, in order."""
    lines = page.read_text().splitlines()
    blocks = []
    for number, line in enumerate(lines):
        if line.strip() in SHELL_FENCES:
            marker = MARKER.fullmatch(lines[number - 1].strip()) if number else None
            end = lines.index("```", number + 1)
            commands = "\n".join(lines[number + 1 : end])
            blocks.append(ShellBlock(page, number + 1, marker.group(1) if marker else "", commands))
    return blocks


def reader_environment(home: Path) -> dict[str, str]:
    """This process's environment as a new reader's shell: `~` is `home`, no venv active.

    Caches stay the machine's own (so installs reuse them), and make's job server is not
    passed down.
    """
    real_cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return {**env, "HOME": str(home), "TMPDIR": str(home / "tmp"), "XDG_CACHE_HOME": real_cache}


def run_page(page: Path, markers: set[str], home: Path, timeout: float) -> str:
    """Run the page's blocks with these markers as one script; return its output.

    The test fails with the output and the failing block's place when a command fails.
    """
    script = ["set -euo pipefail"]
    for block in shell_blocks(page):
        if block.marker in markers:
            script += [f"echo '### {block.where}'", block.commands]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=ROOT,
        env=reader_environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"a documented command failed (exit {result.returncode}); the last block started is "
        f"the last '###' line:\n{result.stdout[-6000:]}"
    )
    return result.stdout
