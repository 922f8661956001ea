"""Whole-process timings of the CLI, each beside a reference measured in the same run.

Run with `make bench`. Prints medians of several runs and their ratios; writes
bench-results/cli_speed.json. Numbers from a noisy machine: compare ratios.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def timed(args: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - start


def cpu_timed(args: list[str], cwd: Path | None = None) -> float:
    """User + system CPU seconds of a whole process (children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, cwd=cwd, env=ENV, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_of(run: Callable[[int], float], runs: int = RUNS) -> float:
    return statistics.median(run(i) for i in range(runs))


def cli(*args: str) -> list[str]:
    return [str(BIN / "mlops-scaffold"), *args]


def bench_help() -> dict[str, float]:
    ours = median_of(lambda _: timed(cli("--help")))
    copier = median_of(lambda _: timed([str(BIN / "copier"), "--help"]))
    return {"mlops-scaffold --help": ours, "copier --help": copier, "ratio": ours / copier}


def bench_upgrade(work: Path) -> dict[str, float]:
    runs = max(5, RUNS // 2)

    def new(i: int) -> float:
        return timed(cli("new", str(work / f"new{i}"), "--level", "3", "--defaults"))

    def upgrade(i: int) -> float:
        project = work / f"up{i}"
        subprocess.run(
            cli("new", str(project), "--level", "2", "--defaults"),
            env=ENV,
            check=True,
            capture_output=True,
        )
        return timed(cli("upgrade", str(project), "--to", "3"))

    new_time = median_of(new, runs)
    upgrade_time = median_of(upgrade, runs)
    return {
        "new --level 3": new_time,
        "upgrade 2 -> 3": upgrade_time,
        "ratio": upgrade_time / new_time,
    }


def bench_against_ccds(work: Path) -> dict[str, float]:
    """CPU of `new --level 3` against cookiecutter-data-science, the reference generator.

    ccds fetches its template from its repository unless given a local copy:
    set CCDS_TEMPLATE to a clone of cookiecutter-data-science (skipped without one).
    """
    template = os.environ.get("CCDS_TEMPLATE")
    ccds = shutil.which("ccds", path=str(BIN))
    if not template or ccds is None:
        print("ccds: set CCDS_TEMPLATE to a local clone of cookiecutter-data-science to compare")
        return {}

    def ours(i: int) -> float:
        return cpu_timed(cli("new", str(work / f"cpu{i}"), "--level", "3", "--defaults"))

    def reference(i: int) -> float:
        out = work / f"ccds{i}"
        out.mkdir()
        return cpu_timed([ccds, template, "--no-input", "-o", str(out)])

    ours_cpu = median_of(ours)
    ccds_cpu = median_of(reference)
    return {
        "new --level 3 (CPU)": ours_cpu,
        "ccds --no-input (CPU)": ccds_cpu,
        "ratio": ours_cpu / ccds_cpu,
    }


STATUS_MANY = """
import sys
from pathlib import Path
from mlops_scaffold.status import project_status
for path in sys.argv[1:]:
    project_status(Path(path))
"""


def bench_status_many(work: Path, count: int = 50) -> dict[str, float]:
    """`status` of many projects in one process, against the documented shell loop."""
    projects = []
    for i in range(count):
        project = work / f"fleet{i}"
        level = str(i % 4)
        subprocess.run(
            cli("new", str(project), "--level", level, "--defaults"),
            env=ENV,
            check=True,
            capture_output=True,
        )
        projects.append(str(project))
    one_process = median_of(
        lambda _: timed([str(BIN / "python"), "-c", STATUS_MANY, *projects]), runs=3
    )
    loop = 'for p in "$@"; do "$0" status "$p" >/dev/null; done'
    shell_loop = median_of(
        lambda _: timed(["sh", "-c", loop, str(BIN / "mlops-scaffold"), *projects]), runs=3
    )
    return {
        f"status x{count}, one process": one_process,
        f"status x{count}, shell loop": shell_loop,
        "ratio": one_process / shell_loop,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-bench-") as tmp:
        groups = {
            "help": bench_help(),
            "upgrade": bench_upgrade(Path(tmp)),
            "render": bench_against_ccds(Path(tmp)),
            "batch": bench_status_many(Path(tmp)),
        }
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "cli_speed.json").write_text(json.dumps({"runs": RUNS, **groups}, indent=2) + "\n")
    for group, timings in groups.items():
        for name, value in timings.items():
            unit = "x" if name == "ratio" else " s (median)"
            print(f"{group:8} {name:24} {value:7.3f}{unit}")


if __name__ == "__main__":
    main()
