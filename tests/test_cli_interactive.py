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


@pytest.mark.parametrize(
    "refused,reason",
    [
        ("import", "is a Python keyword"),
        ("json", "shadows a standard-library module"),
        ("mlflow", "shadows a module of mlflow, a dependency of the project from level 1"),
        ("tests", "the project's own tests/ folder"),
        ("p" * 45, "over the limit of 44"),
    ],
    ids=["keyword", "stdlib", "dependency", "sys.path", "length"],
)
def test_a_refused_package_name_is_asked_again_at_once(
    tmp_path: Path, refused: str, reason: str
) -> None:
    dest = tmp_path / "churn"
    child = spawn("new", str(dest), "--level", "0")
    child.expect("Project name")
    child.sendline("")
    child.expect("Python package name")
    child.sendline(CLEAR_LINE + refused)
    child.expect(reason)  # before any other question is asked
    child.sendline(CLEAR_LINE * 2 + "churn_model")
    child.expect("One-line description")
    for _ in range(4):
        child.sendline("")
        child.expect(r"\?|🎤|Created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((dest / ".mlops-scaffold.yml").read_text())
    assert answers["answers"]["package_name"] == "churn_model"


def test_a_refused_derived_package_name_is_asked_for_with_the_reason(tmp_path: Path) -> None:
    dest = tmp_path / "2024-churn"
    child = spawn("new", str(dest), "--level", "0")
    child.expect("Project name")
    child.sendline("")
    child.expect("the one derived from the project name cannot be used")
    child.expect("'2024_churn' starts with")  # the help wraps after this
    child.sendline("churn_2024")
    for _ in range(4):
        child.expect(r"\?|🎤")
        child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((dest / ".mlops-scaffold.yml").read_text())
    assert answers["answers"]["package_name"] == "churn_2024"
    assert answers["answers"]["project_name"] == "2024-churn"


def test_ctrl_c_at_a_prompt_prints_one_line_and_writes_nothing(tmp_path: Path) -> None:
    child = spawn("new", str(tmp_path / "churn"))
    child.expect("Project name")
    child.sendline("")
    child.expect("Python package name")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    printed = child.before.rsplit("\x1b[?2004l", 1)[-1]  # after the prompt's terminal codes
    assert printed.strip() == "mlops-scaffold: interrupted; nothing was written"
    assert "AnswersMap" not in child.before and "Question(" not in child.before
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
