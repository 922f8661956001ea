"""Every command the generated CI runs exists in the generated project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mlops_scaffold.render import render

MAKE_CALL = re.compile(r"\bmake ([a-z][a-z0-9-]*)")
SCRIPT_CALL = re.compile(r"\b(scripts/[\w.-]+)")


def ci_files(project: Path) -> list[Path]:
    return [*project.glob(".github/workflows/*.yml"), *project.glob(".gitlab-ci.yml")]


def shell_commands(path: Path) -> list[str]:
    """The shell the CI file runs: GitHub steps' `run`, GitLab jobs' scripts."""
    config = yaml.safe_load(path.read_text("utf-8"))
    if path.name == ".gitlab-ci.yml":
        return [
            line
            for job in config.values()
            if isinstance(job, dict)
            for key in ("before_script", "script", "after_script")
            for line in job.get(key, [])
        ]
    return [
        step["run"]
        for job in config["jobs"].values()
        for step in job.get("steps", [])
        if "run" in step
    ]


def make_targets(project: Path) -> set[str]:
    makefile = (project / "Makefile").read_text("utf-8")
    return set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, re.MULTILINE))


@pytest.mark.parametrize("level", [2, 3])
@pytest.mark.parametrize("ci_provider", ["github", "gitlab"])
def test_ci_calls_only_existing_targets_and_scripts(
    tmp_path: Path, level: int, ci_provider: str
) -> None:
    project = tmp_path / "p"
    render(project, {"level": level, "project_name": "churn", "ci_provider": ci_provider})
    files = ci_files(project)
    assert files
    targets = make_targets(project)
    called: set[str] = set()
    for path in files:
        text = "\n".join(shell_commands(path))
        called |= set(MAKE_CALL.findall(text))
        for script in SCRIPT_CALL.findall(text):
            assert (project / script).is_file(), f"{path.name} runs missing {script}"
    assert called, "the CI runs no make target"
    assert called <= targets, f"CI calls make targets the Makefile lacks: {called - targets}"
