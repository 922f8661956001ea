"""Security and best-practice scanners the field runs, as data for assertions.

Each helper runs one scanner (installed by this repo's `test` extra) offline on a generated
project and returns its findings in a small comparable form, so a test can state exactly
which findings it expects (usually none):

    zizmor(project)        GitHub Actions audits: {Finding(audit, severity, file), ...}
    bandit(src)            Python security lint:  {(test_id, path relative to src/..), ...}
    repo_review(project)   sp-repo-review checks: the ids of the failed checks
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

from tests.support.checkers import tool


class Finding(NamedTuple):
    audit: str
    severity: str
    file: str


def _run_json(args: list[str], cwd: Path | None = None) -> Any:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, (
        f"{Path(args[0]).name} failed (exit {result.returncode}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return json.loads(result.stdout)


def zizmor(project: Path, persona: str = "regular") -> set[Finding]:
    """zizmor's findings on the project's workflows and dependabot.yml, offline, without
    the ones a `# zizmor: ignore[...]` comment suppresses."""
    findings = _run_json(
        [
            tool("zizmor"),
            "--offline",
            "--no-exit-codes",
            f"--persona={persona}",
            "--format=json",
            ".",
        ],
        cwd=project,
    )
    return {
        Finding(
            finding["ident"],
            finding["determinations"]["severity"],
            Path(finding["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"]).name,
        )
        for finding in findings
        if not finding["ignored"]
    }


def bandit(src: Path, severity: str = "medium") -> set[tuple[str, str]]:
    """bandit's findings of `severity` or above in the package tree `src`, as
    (test id, path relative to the project)."""
    report = _run_json(
        [
            tool("bandit"),
            "--recursive",
            "--quiet",
            "--exit-zero",
            f"--severity-level={severity}",
            "--format=json",
            str(src),
        ]
    )
    assert not report["errors"], f"bandit could not scan: {report['errors']}"
    assert report["metrics"]["_totals"]["loc"] > 0, f"bandit found no code under {src}"
    return {
        (result["test_id"], Path(result["filename"]).relative_to(src.parent).as_posix())
        for result in report["results"]
    }


def repo_review(project: Path) -> set[str]:
    """The ids of the sp-repo-review checks that fail on the project (ignored and
    skipped checks do not count)."""
    result = subprocess.run(
        [tool("repo-review"), "--format=json", str(project)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # exit 0: every check passed or was ignored; 3: some failed; anything else: it broke
    assert result.returncode in (0, 3), (
        f"repo-review failed (exit {result.returncode}):\n{result.stderr[-3000:]}"
    )
    report = json.loads(result.stdout)
    return {check for check, outcome in report["checks"].items() if outcome["result"] is False}
