"""Every shell block of README.md and docs/getting-started.md works, installs included."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import run
from tests.support.doc_commands import PAGES, ROOT, reader_environment, run_page

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_a_reader_can_follow_the_page_to_an_upgraded_project(page: Path, tmp_path: Path) -> None:
    """Install, generate, run, then upgrade `churn` from level 0 to 1, as the page says."""
    output = run_page(page, {"fast", "integration"}, home=tmp_path, timeout=1800)
    answers = yaml.safe_load((tmp_path / "churn" / ".mlops-scaffold.yml").read_text())
    assert answers["level"] == 1, output
    assert "Upgrade done (level 0 -> 1)" in output


def test_make_demo_runs_from_the_checkout(tmp_path: Path) -> None:
    """The README's first command (its second, `make test`, is .ci/run itself)."""
    env = reader_environment(tmp_path)
    result = run(["make", "demo"], ROOT, env=env, timeout=1800)
    demo = Path(env["TMPDIR"]) / "mlops-scaffold-demo"
    assert f"The level-1 demo project is in {demo}" in result.stdout
    assert (demo / "dvc.lock").is_file()
