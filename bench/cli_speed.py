"""Whole-process timings of the CLI, each beside a reference measured in the same run.

Run with `make bench`. Prints medians of several runs and their ratios; writes
bench-results/cli_speed.json. Numbers from a noisy machine: compare ratios.
"""

from __future__ import annotations

import json
import os
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


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-bench-") as tmp:
        groups = {"help": bench_help(), "upgrade": bench_upgrade(Path(tmp))}
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "cli_speed.json").write_text(json.dumps({"runs": RUNS, **groups}, indent=2) + "\n")
    for group, timings in groups.items():
        for name, value in timings.items():
            unit = "x" if name == "ratio" else " s (median)"
            print(f"{group:8} {name:24} {value:7.3f}{unit}")


if __name__ == "__main__":
    main()
