"""Merge-friendly by design: a team that writes where the README points never meets a conflict.

At each level the team makes the edits a real team makes, in the places the generated
README and the files' marker lines point to: notes under the README title and in
*Team notes*, its own Makefile targets, ignore patterns, dependencies, modules, pipeline
stages, services, Kubernetes resources and CI jobs, changed settings and hyperparameters.
Then `upgrade` 0 -> 1 -> 2 -> 3 and an `update` to newer templates must merge with no conflict,
and every team line must still be there. Editing a line the template wrote still conflicts
when the template changes that line, and `preview` predicts it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from mlops_scaffold.create import create_project
from mlops_scaffold.levels import TEMPLATES_ENV, templates_root
from mlops_scaffold.upgrade import apply, plan_update, plan_upgrade, preview
from tests.support.repo_state import commit_all, git

PACKAGE = "churn"


@dataclass
class TeamWork:
    """Every line the team wrote, by file, to check that upgrades keep them."""

    lines: dict[str, list[str]] = field(default_factory=dict)
    settings: dict[tuple[str, ...], object] = field(default_factory=dict)

    def wrote(self, path: str, text: str) -> None:
        self.lines.setdefault(path, []).extend(line for line in text.splitlines() if line.strip())


def insert_after(project: Path, path: str, anchor: str, text: str, work: TeamWork) -> None:
    """Insert `text` after the first line containing `anchor`."""
    file = project / path
    lines = file.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if anchor in line)
    lines.insert(at + 1, text)
    file.write_text("".join(lines))
    work.wrote(path, text)


def insert_before_list_end(
    project: Path, path: str, list_start: str, text: str, work: TeamWork
) -> None:
    """Add `text` as the last items of the TOML list opened by the line `list_start`."""
    file = project / path
    content = file.read_text()
    start = content.index(list_start)
    end = content.index("\n]", start)
    file.write_text(content[: end + 1] + text + content[end + 1 :])
    work.wrote(path, text)


def append(project: Path, path: str, text: str, work: TeamWork) -> None:
    with (project / path).open("a") as file:
        file.write(text)
    work.wrote(path, text)


def new_file(project: Path, path: str, text: str, work: TeamWork) -> None:
    (project / path).parent.mkdir(parents=True, exist_ok=True)
    (project / path).write_text(text)
    work.wrote(path, text)


def set_param(project: Path, keys: tuple[str, ...], old: str, new: str, work: TeamWork) -> None:
    """Change one value of params.yaml in place, as a person does in an editor."""
    file = project / "params.yaml"
    lines = file.read_text().splitlines(keepends=True)
    depth, at = 0, -1
    for number, line in enumerate(lines):
        if line.strip().startswith(f"{keys[depth]}:") and line.startswith("  " * depth):
            depth += 1
            if depth == len(keys):
                at = number
                break
    assert at >= 0, f"{'.'.join(keys)} not found in params.yaml"
    assert f": {old}" in lines[at], lines[at]
    lines[at] = lines[at].replace(f": {old}", f": {new}", 1)
    file.write_text("".join(lines))
    work.settings[keys] = yaml.safe_load(new)


def level0_edits(project: Path, work: TeamWork) -> None:
    insert_after(
        project, "README.md", "-->", "\nOwner: the churn squad. On call: #ml-oncall.\n", work
    )
    append(project, "README.md", "\n- 2026-03: the data owner is Marketing Analytics.\n", work)
    append(
        project,
        "Makefile",
        "\n.PHONY: weekly-report\nweekly-report: ## Our weekly churn report\n"
        "\t$(PYTHON) scripts/weekly_report.py\n",
        work,
    )
    new_file(
        project,
        "scripts/weekly_report.py",
        '"""Print the share of churned customers, for the weekly meeting."""\n',
        work,
    )
    append(project, ".gitignore", "\n# ours\n*.local.csv\n", work)
    insert_before_list_end(
        project, "pyproject.toml", "dependencies = [", '  "tabulate>=0.9,<1",\n', work
    )
    insert_before_list_end(project, "pyproject.toml", "dev = [", '  "pytest-cov>=5,<7",\n', work)


def level1_edits(project: Path, work: TeamWork) -> None:
    set_param(project, ("train", "C"), "1.0", "0.5", work)
    set_param(project, ("evaluate", "thresholds", "accuracy"), "0.9", "0.92", work)
    new_file(
        project,
        f"src/{PACKAGE}/features.py",
        '"""Our own features: tenure buckets."""\n\nBUCKETS = (6, 12, 24)\n',
        work,
    )
    new_file(
        project,
        "tests/test_features.py",
        f"from {PACKAGE}.features import BUCKETS\n\n\ndef test_buckets_grow() -> None:\n"
        "    assert list(BUCKETS) == sorted(BUCKETS)\n",
        work,
    )
    append(
        project,
        "dvc.yaml",
        f"\n  features:\n    cmd: python -m {PACKAGE}.features\n    deps:\n"
        f"      - src/{PACKAGE}/features.py\n    outs:\n      - reports/features.json:\n"
        "          cache: false\n",
        work,
    )
    append(
        project,
        "Makefile",
        f"\n.PHONY: features\nfeatures: ## Our feature report\n\t$(PYTHON) -m {PACKAGE}.features\n",
        work,
    )
    insert_before_list_end(
        project, "pyproject.toml", "dependencies = [", '  "holidays>=0.50,<1",\n', work
    )
    append(project, "README.md", "- The pipeline runs nightly on the team's runner.\n", work)
    append(project, ".gitignore", "scratch/\n", work)
    # their own section below the marker of params.yaml (the config loader keeps it)
    append(project, "params.yaml", "\nfeatures:\n  buckets: [6, 12, 24]\n", work)


def level2_edits(project: Path, work: TeamWork, ci_provider: str) -> None:
    set_param(project, ("promotion", "min_improvement"), "0.001", "0.005", work)
    insert_after(
        project,
        "docker-compose.yml",
        "Your own services go below",
        '  cache:\n    image: redis:7.4\n    ports:\n      - "127.0.0.1:6379:6379"\n\n',
        work,
    )
    append(project, "deploy/k8s/base/kustomization.yaml", "  - configmap.yaml\n", work)
    new_file(
        project,
        "deploy/k8s/base/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: churn-settings\ndata:\n"
        '  REGION: "eu-west"\n',
        work,
    )
    if ci_provider == "gitlab":
        append(
            project,
            ".gitlab-ci.yml",
            "\nnotify:\n  stage: production\n  needs: [deploy-production]\n"
            "  script:\n    - echo deployed\n",
            work,
        )
    append(
        project, "README.md", "- Staging is reviewed by the churn squad before production.\n", work
    )


def level3_edits(project: Path, work: TeamWork) -> None:
    set_param(project, ("monitoring", "window_days"), "7", "14", work)
    set_param(project, ("monitoring", "metric"), "f1", "roc_auc", work)
    append(
        project,
        "Makefile",
        "\n.PHONY: drift-digest\ndrift-digest: monitor ## Mail the drift summary\n"
        "\t$(PYTHON) scripts/weekly_report.py --drift\n",
        work,
    )
    append(project, ".gitignore", "reports/digest/\n", work)


def check_team_work(project: Path, work: TeamWork) -> None:
    assert git(project, "status", "--porcelain") == ""
    for path, lines in work.lines.items():
        content = (project / path).read_text()
        for line in lines:
            assert line in content, f"{path} lost the team's line {line!r}"
    if work.settings:
        params = yaml.safe_load((project / "params.yaml").read_text())
        for keys, value in work.settings.items():
            node = params
            for key in keys:
                node = node[key]
            assert node == value, (
                f"params.yaml {'.'.join(keys)} is {node!r}, the team set {value!r}"
            )


def check_make_knows_the_team_targets(project: Path) -> None:
    """The merged Makefile still parses, and the team's targets are still targets."""
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "weekly-report"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "scripts/weekly_report.py" in result.stdout


def newer_templates(dest: Path) -> Path:
    """A later mlops-scaffold's templates: each growth file's level parts gained a line."""
    root = dest / "templates"
    shutil.copytree(templates_root(), root)
    edits: list[tuple[str, str, str]] = [
        (
            "level3/_partials/Makefile/targets.jinja",
            "# --- level 3: monitoring and retraining ---\n",
            "# --- level 3: monitoring and retraining ---\n# Targets for the automated loop.\n",
        ),
        (
            "level2/_partials/pyproject.toml/dependencies.jinja",
            '  "uvicorn>=0.30,<1",',
            '  "uvicorn>=0.30,<1",\n  "orjson>=3.10,<4",',
        ),
        (
            "level3/_partials/README.md/section.jinja",
            "### Try the whole loop\n",
            "### Try the whole loop\n\nThe loop needs no server: everything runs in-process.\n",
        ),
        (
            "level3/_partials/.gitignore/entries.jinja",
            "data/retrain/\n",
            "data/retrain/\nreports/monitoring/*.html\n",
        ),
    ]
    for path, old, new in edits:
        file = root / path
        assert file.read_text().count(old) == 1, (path, old)
        file.write_text(file.read_text().replace(old, new))
    return root


@pytest.mark.parametrize("ci_provider", ["github", "gitlab"])
def test_team_edits_where_the_readme_points_never_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci_provider: str
) -> None:
    project = tmp_path / "churn"
    create_project(
        project,
        {"level": 0, "package_name": PACKAGE, "ci_provider": ci_provider},
        interactive=False,
    )
    work = TeamWork()
    edits: dict[int, Callable[[], None]] = {
        0: lambda: level0_edits(project, work),
        1: lambda: level1_edits(project, work),
        2: lambda: level2_edits(project, work, ci_provider),
        3: lambda: level3_edits(project, work),
    }
    edits[0]()
    commit_all(project, "Team work at level 0")
    for level in (1, 2, 3):
        plan = plan_upgrade(project, level, {"ci_provider": ci_provider})
        assert preview(plan).conflicts == []
        outcome = apply(plan)
        assert outcome.merged, f"upgrade to {level} conflicted on {outcome.conflicts}"
        check_team_work(project, work)
        edits[level]()
        commit_all(project, f"Team work at level {level}")

    monkeypatch.setenv(TEMPLATES_ENV, str(newer_templates(tmp_path)))
    plan = plan_update(project, {})
    assert {change.path for change in plan.changes} >= {"Makefile", "pyproject.toml", "README.md"}
    assert preview(plan).conflicts == []
    outcome = apply(plan)
    assert outcome.merged, f"update conflicted on {outcome.conflicts}"
    check_team_work(project, work)
    assert "orjson" in (project / "pyproject.toml").read_text()
    check_make_knows_the_team_targets(project)


def test_editing_a_template_line_the_upgrade_changes_still_conflicts(tmp_path: Path) -> None:
    project = tmp_path / "churn"
    create_project(project, {"level": 0, "package_name": PACKAGE}, interactive=False)
    readme = project / "README.md"
    old = "mlops-scaffold upgrade --to 1"
    assert readme.read_text().count(old) == 1
    readme.write_text(readme.read_text().replace(old, f"{old}   # ask #ml-platform first"))
    commit_all(project, "Team edits a template line")

    plan = plan_upgrade(project, 1, {})
    assert preview(plan).conflicts == ["README.md"]
    outcome = apply(plan)
    assert not outcome.merged
    assert outcome.conflicts == ["README.md"]
