"""The docs agree with the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from mlops_scaffold.cli import app

ROOT = Path(__file__).resolve().parents[1]


def test_levels_page_matches_the_layer_metadata() -> None:
    page = (ROOT / "docs" / "levels.md").read_text()
    block = re.search(r"<!-- levels:start -->\n(.*)<!-- levels:end -->", page, re.S)
    assert block, "docs/levels.md lost its generated block"
    expected = CliRunner().invoke(app, ["levels", "--markdown"]).output
    assert block.group(1).strip() == expected.strip(), (
        "docs/levels.md is stale: regenerate it with `mlops-scaffold levels --markdown`"
    )


def test_readme_opens_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```bash") + 1 : lines.index("```")]
    assert [line.split()[:2] for line in block] == [["make", "demo"], ["make", "test"]]
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"
