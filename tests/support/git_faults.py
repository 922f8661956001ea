"""Run mlops-scaffold in a child process with a `git` first on PATH that breaks at call k.

The child is forked from the test process, so it starts with copier already imported
(a fresh interpreter would spend most of each run importing). The wrapper counts
every git call the child makes (copier's own included) and, at call k:

    kill       runs the call, then kills the mlops-scaffold process with SIGKILL
               (a closed laptop, a CI timeout: the call finished, nothing after it ran)
    fail       does not run it and fails as git does on a full disk
    interrupt  sends SIGINT to the mlops-scaffold process (Ctrl-C), then runs the call

Every other call runs the real git. `calls` reads back what was called, in order.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

MODES = ("kill", "fail", "interrupt")

_WRAPPER = """#!/bin/sh
n=$(( $(cat "$FAULT_DIR/count") + 1 ))
echo "$n" > "$FAULT_DIR/count"
echo "$*" >> "$FAULT_DIR/calls"
if [ "$n" = "$FAULT_AT" ]; then
    case "$FAULT_MODE" in
        kill) "$REAL_GIT" "$@"; status=$?; kill -9 "$PPID"; exit "$status" ;;
        fail) echo "fatal: unable to write: No space left on device" >&2; exit 128 ;;
        interrupt) kill -INT "$PPID" ;;
    esac
fi
exec "$REAL_GIT" "$@"
"""


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str
    calls: list[str]

    @property
    def killed(self) -> bool:
        return self.returncode == -9


class FaultyGit:
    """A folder with the wrapper; `run` starts mlops-scaffold with it first on PATH."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        real = shutil.which("git")
        assert real, "git is not installed"
        self.real_git = real
        wrapper = folder / "bin" / "git"
        wrapper.parent.mkdir(exist_ok=True)
        wrapper.write_text(_WRAPPER)
        wrapper.chmod(0o755)

    def run(self, args: list[str], cwd: Path, *, at: int = 0, mode: str = "kill") -> Run:
        """Run `mlops-scaffold ARGS`, breaking git call number `at` (0: none)."""
        assert mode in MODES
        (self.folder / "count").write_text("0\n")
        (self.folder / "calls").write_text("")
        env = {
            "PATH": f"{self.folder / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "REAL_GIT": self.real_git,
            "FAULT_DIR": str(self.folder),
            "FAULT_AT": str(at),
            "FAULT_MODE": mode,
        }
        log = self.folder / "output"
        pid = os.fork()
        if pid == 0:  # the child: becomes `mlops-scaffold ARGS`
            _run_cli(args, cwd, env, log)
        _, wait_status = os.waitpid(pid, 0)
        calls = (self.folder / "calls").read_text().splitlines()
        return Run(os.waitstatus_to_exitcode(wait_status), log.read_text(), calls)


def _run_cli(args: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
    code = 1
    try:
        os.environ.update(env)
        os.chdir(cwd)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - pytest replaced them
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        sys.argv = ["mlops-scaffold", *args]
        from mlops_scaffold.cli import main

        main()
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
