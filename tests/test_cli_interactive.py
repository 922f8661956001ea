"""`new` without --defaults asks copier's questions in a terminal."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

CLI = str(Path(sys.executable).parent / "mlops-scaffold")
CLEAR_LINE = "\x15"  # Ctrl-U: drop the pre-filled default


def spawn(*args: str) -> pexpect.spawn:
    # No cursor-position requests: the prompt would wait about a second for each answer.
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(
        CLI, list(args), encoding="utf-8", timeout=30, dimensions=(40, 160), env=env
    )


@pytest.fixture(autouse=True)
def _needs_cli() -> None:
    assert shutil.which(CLI), "mlops-scaffold is not installed in this environment"


def test_prompts_for_every_question_including_the_level(tmp_path: Path) -> None:
    dest = tmp_path / "churn"
    child = spawn("new", str(dest))
    for question in [
        "Project name",
        "Python package name",
        "One-line description",
        "Author or team name",
        "Author or team e-mail",
        "Python version",
        "MLOps maturity level",
    ]:
        child.expect(question)
        child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((dest / ".mlops-scaffold.yml").read_text())
    assert answers["level"] == 0
    assert answers["answers"]["project_name"] == "churn"
    assert answers["answers"]["package_name"] == "churn"


def test_an_invalid_answer_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    dest = tmp_path / "churn"
    child = spawn("new", str(dest), "--level", "0")
    child.expect("Project name")
    child.sendline("")
    child.expect("Python package name")
    child.sendline(CLEAR_LINE + "import")
    for _ in range(4):
        child.expect(r"\?|🎤")
        child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "mlops-scaffold: error: package name 'import' is a Python keyword" in child.before
    assert "Traceback" not in child.before
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_package_name_is_asked_again(tmp_path: Path) -> None:
    dest = tmp_path / "churn"
    child = spawn("new", str(dest), "--level", "0")
    child.expect("Project name")
    child.sendline("")
    child.expect("Python package name")
    child.sendline(CLEAR_LINE + "2fast")
    child.expect("cannot start with a digit")
    child.sendline(CLEAR_LINE * 2 + "fast_model")
    for _ in range(4):
        child.expect(r"\?|🎤")
        child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((dest / ".mlops-scaffold.yml").read_text())
    assert answers["answers"]["package_name"] == "fast_model"
