"""Whole-process timings of generated projects' own commands (after their venv is cached).

    python -m bench.project_speed          # from the repository root (`make bench-projects`)

Level 1: `make pipeline` first run, then the no-op re-run (median of 5) against it, and
`make test`. Level 3: `make simulate-drift`, then `make monitor` on the predictions it logged
(median of 3), and `make test`.
Writes bench-results/project_speed.json. Dependency installs are not timed.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from mlops_scaffold.create import create_project
from tests.support.venvs import project_venv


def timed_make(project: Path, venv: Path, target: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["make", "--no-print-directory", target, f"VENV={venv}"],
        cwd=project,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def prepared(work: Path, level: int) -> tuple[Path, Path]:
    project = work / f"level{level}"
    create_project(project, {"level": level, "package_name": f"bench_level{level}"})
    return project, project_venv(project)


def level1(work: Path) -> dict[str, float]:
    project, venv = prepared(work, 1)
    first = timed_make(project, venv, "pipeline")
    noop = statistics.median(timed_make(project, venv, "pipeline") for _ in range(5))
    return {
        "make pipeline (first run)": first,
        "make pipeline (nothing changed)": noop,
        "no-op / first": noop / first,
        "make test": timed_make(project, venv, "test"),
    }


def level3(work: Path) -> dict[str, float]:
    project, venv = prepared(work, 3)
    timed_make(project, venv, "pipeline")
    simulation = timed_make(project, venv, "simulate-drift")  # also logs predictions to monitor
    return {
        "make simulate-drift": simulation,
        "make monitor": statistics.median(timed_make(project, venv, "monitor") for _ in range(3)),
        "make test": timed_make(project, venv, "test"),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-bench-") as tmp:
        groups = {"level 1": level1(Path(tmp)), "level 3": level3(Path(tmp))}
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "project_speed.json").write_text(json.dumps(groups, indent=2) + "\n")
    for group, timings in groups.items():
        for name, value in timings.items():
            unit = "x" if "/" in name else " s"
            print(f"{group:8} {name:32} {value:7.2f}{unit}")


if __name__ == "__main__":
    main()
