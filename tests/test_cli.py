"""The command line: output, exit codes and refusals of bad input (nothing half-written)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlops_scaffold import __version__
from mlops_scaffold.cli import app
from tests.support.outputs import assert_one_line_error, tree

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_version() -> None:
    code, out = invoke("--version")
    assert code == 0
    assert out.strip() == f"mlops-scaffold {__version__}"


def test_levels_is_a_table_read_from_layer_metadata() -> None:
    from mlops_scaffold.levels import all_levels

    code, out = invoke("levels")
    assert code == 0
    assert "What it adds" in out
    rows = [line for line in out.splitlines() if line.startswith("│") and line[1:8].strip()]
    assert [row[1:8].strip() for row in rows] == ["0", "1", "2", "3"]
    for level, row in zip(all_levels(), rows, strict=True):
        assert level.name in row
    flat = " ".join(out.replace("│", " ").split())
    for level in all_levels():
        assert level.capabilities[0].split()[0] in flat


def test_new_creates_a_repository_with_one_commit(tmp_path: Path) -> None:
    code, out = invoke("new", str(tmp_path / "proj"), "--level", "0", "--defaults")
    assert code == 0, out
    assert "at level 0" in out
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=tmp_path / "proj", capture_output=True, text=True
    )
    assert log.stdout.splitlines() == ["Generate proj at level 0 (mlops-scaffold 0.1.0)"]
    assert (tmp_path / "proj" / ".mlops-scaffold.yml").is_file()
    branch = subprocess.run(
        ["git", "symbolic-ref", "--short", "HEAD"],
        cwd=tmp_path / "proj",
        capture_output=True,
        text=True,
    )
    assert branch.stdout.strip() == "main"


BAD_NEW_ARGS = {
    "keyword package": (["--data", "package_name=class"], "is a Python keyword"),
    "leading digit": (["--data", "package_name=1model"], "starts with a digit"),
    "dash": (["--data", "package_name=my-model"], "not a valid Python identifier"),
    "non-ascii": (["--data", "package_name=modèle"], "non-ASCII"),
    "stdlib shadow": (["--data", "package_name=json"], "shadows a standard-library module"),
    "empty name": (["--data", "project_name="], "project name is empty"),
    "empty package": (["--data", "package_name="], "package name is empty"),
    "level too high": (["--level", "4"], "--level must be one of 0, 1, 2, 3"),
    "level negative": (["--level", "-1"], "--level must be one of 0, 1, 2, 3"),
    "level not a number": (["--level", "two"], "--level must be one of 0, 1, 2, 3"),
    "unknown data key": (["--data", "colour=blue"], "unknown --data key 'colour'"),
    "malformed data": (["--data", "no-equals-sign"], "--data expects KEY=VALUE"),
    "invalid choice": (["--data", "ci_provider=azure"], "Invalid choice for 'ci_provider'"),
}


@pytest.mark.parametrize("args,message", BAD_NEW_ARGS.values(), ids=BAD_NEW_ARGS.keys())
def test_new_refuses_bad_input_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    dest = tmp_path / "proj"
    code, out = invoke("new", str(dest), "--defaults", *args)
    assert code == 2
    assert_one_line_error(out, message)
    assert tree(tmp_path) == []


def test_new_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    code, out = invoke("new", str(dest), "--defaults")
    assert code == 2
    assert_one_line_error(out, "is not empty", "--force")
    assert tree(tmp_path) == ["proj", "proj/notes.txt"]


def test_force_keeps_user_files(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    code, out = invoke("new", str(dest), "--defaults", "--force")
    assert code == 0, out
    assert (dest / "notes.txt").read_text() == "mine"
    assert (dest / "README.md").is_file()


def test_force_refuses_to_overwrite_a_user_file(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "README.md").write_text("my readme")
    code, out = invoke("new", str(dest), "--defaults", "--force")
    assert code == 2
    assert_one_line_error(out, "already has files the template writes", "README.md")
    assert tree(tmp_path) == ["proj", "proj/README.md"]
    assert (dest / "README.md").read_text() == "my readme"


def test_destination_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "proj").write_text("x")
    code, out = invoke("new", str(tmp_path / "proj"), "--defaults")
    assert code == 2
    assert_one_line_error(out, "is not a folder")


def test_new_refuses_inside_another_repository(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    code, out = invoke("new", str(tmp_path / "sub" / "proj"), "--defaults")
    assert code == 2
    assert_one_line_error(out, "inside the git repository", "upgraded later", "--no-git")
    assert tree(tmp_path) == [".git", *sorted(f".git/{p}" for p in tree(tmp_path / ".git"))]


def test_no_git_writes_plain_files_inside_a_repository(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    code, out = invoke("new", str(tmp_path / "proj"), "--defaults", "--no-git")
    assert code == 0, out
    assert "upgrade" in out and "repository" in out
    assert (tmp_path / "proj" / "README.md").is_file()
    assert not (tmp_path / "proj" / ".git").exists()


def test_new_without_git_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    code, out = invoke("new", str(tmp_path / "proj"), "--defaults")
    assert code == 2
    assert_one_line_error(out, "git is not installed", "--no-git")
    assert tree(tmp_path) == ["bin"]


def test_failure_in_the_middle_of_rendering_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copier._main import Worker

    rendered: list[Path] = []
    original = Worker._render_file

    def failing_render(self: Worker, src_relpath: Path, dst_relpath: Path, **kwargs: Any) -> None:
        rendered.append(dst_relpath)
        if len(rendered) == 20:
            raise KeyboardInterrupt
        original(self, src_relpath, dst_relpath, **kwargs)

    monkeypatch.setattr(Worker, "_render_file", failing_render)
    code, out = invoke("new", str(tmp_path / "proj"), "--level", "2", "--defaults")
    assert len(rendered) == 20
    assert code == 130
    assert "nothing was written" in out
    assert tree(tmp_path) == []


def test_help_does_not_import_copier() -> None:
    code = (
        "import sys\n"
        "from mlops_scaffold.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('copier' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stdout + result.stderr


def test_a_package_name_derived_from_the_folder_is_validated(tmp_path: Path) -> None:
    code, out = invoke("new", str(tmp_path / "2024-churn"), "--defaults")
    assert code == 2
    assert_one_line_error(out, "cannot start with a digit", "--data")
    assert tree(tmp_path) == []


def test_the_next_step_is_shell_quoted(tmp_path: Path) -> None:
    dest = tmp_path / "churn app"
    code, out = invoke("new", str(dest), "--level", "0", "--defaults")
    assert code == 0, out
    assert f"Next: cd '{dest}' && make install && make run" in out


def test_every_command_group_reports_errors_the_same_way(tmp_path: Path) -> None:
    """Errors are handled in one place: each command prints one line and exits 2."""
    for command in ("upgrade", "update", "status", "adopt"):
        code, out = invoke(command, str(tmp_path))
        assert code == 2, (command, out)
        assert_one_line_error(out)
