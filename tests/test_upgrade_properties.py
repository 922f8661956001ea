"""Property: whatever the team edits, an upgrade loses none of it, and an abort restores all."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlops_scaffold.create import create_project
from mlops_scaffold.upgrade import apply, plan_upgrade
from tests.support.repo_state import commit_all, git, snapshot

TEXT_FILES = ["README.md", "Makefile", ".gitignore", "pyproject.toml"]
DELETABLE = ["README.md", "Makefile", ".gitignore", "models/.gitkeep", "reports/.gitkeep"]


@dataclass(frozen=True)
class Edit:
    kind: str  # append, edit, add, delete
    path: str
    line: int = 0


edits = st.lists(
    st.one_of(
        st.builds(Edit, kind=st.just("append"), path=st.sampled_from(TEXT_FILES)),
        st.builds(
            Edit,
            kind=st.just("edit"),
            path=st.sampled_from(TEXT_FILES),
            line=st.integers(min_value=0, max_value=40),
        ),
        st.builds(
            Edit,
            kind=st.just("add"),
            path=st.sampled_from(["src/mine.py", "notes/ideas.md", "data/raw/extra.csv", "x.txt"]),
        ),
        st.builds(Edit, kind=st.just("delete"), path=st.sampled_from(DELETABLE)),
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("pristine") / "demo"
    create_project(dest, {"level": 0}, interactive=False)
    return dest


def apply_edits(project: Path, plan: list[Edit]) -> dict[str, list[str]]:
    """Make the edits; return, per path, the markers that must survive (or the deletion)."""
    expected: dict[str, list[str]] = {}
    for edit in plan:
        target = project / edit.path
        marker = f"TEAM-{uuid.uuid4().hex[:8]}"
        if edit.kind == "delete":
            if target.exists():
                target.unlink()
                expected[edit.path] = ["<deleted>"]
            continue
        if edit.kind == "add":
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a") as handle:
                handle.write(f"{marker}\n")
        elif not target.exists():
            continue
        elif edit.kind == "append":
            with target.open("a") as handle:
                handle.write(f"{marker}\n")
        else:
            lines = target.read_text().splitlines()
            if not lines:
                continue
            lines[edit.line % len(lines)] = marker
            target.write_text("\n".join(lines) + "\n")
        expected[edit.path] = [
            *(m for m in expected.get(edit.path, []) if m != "<deleted>"),
            marker,
        ]
    # A later edit may overwrite an earlier one: what must survive is what the team committed.
    for path, markers in expected.items():
        if markers != ["<deleted>"]:
            text = (project / path).read_text()
            expected[path] = [marker for marker in markers if marker in text]
    return expected


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(plan=edits)
def test_upgrade_loses_no_team_edit(pristine: Path, tmp_path: Path, plan: list[Edit]) -> None:
    project = tmp_path / uuid.uuid4().hex / "demo"
    shutil.copytree(pristine, project, symlinks=True)
    expected = apply_edits(project, plan)
    if git(project, "status", "--porcelain"):
        commit_all(project)
    before = snapshot(project)

    outcome = apply(plan_upgrade(project, None, {}))

    for path, markers in expected.items():
        target = project / path
        in_conflict = path in outcome.conflicts
        if markers == ["<deleted>"]:
            assert not target.exists() or in_conflict, f"{path} came back"
            continue
        assert target.exists() or in_conflict, f"{path} was lost"
        if target.exists():
            text = target.read_text()
            for marker in markers:
                assert marker in text, f"{marker} lost from {path}"

    if not outcome.merged:
        subprocess.run(["git", "merge", "--abort"], cwd=project, check=True)
        after = snapshot(project)
        assert after.files == before.files
        assert after.status == before.status
        assert after.index == before.index
        assert after.head == before.head
