"""The refactor into per-level partials changed no rendered byte, at any level or CI provider.

`REFACTOR` pins the two template versions the refactor went between, both read from git,
so this test stays true after later, deliberate changes to the templates.

For the next refactor: set `REFACTOR = (<commit before it>, None)`; `None` stands for the
working tree, so the test checks each edit while you refactor. Once the refactor is
committed, replace `None` with that commit, and make the deliberate changes afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.render_equivalence import (
    COMBINATIONS,
    REPO,
    RenderedFile,
    Snapshot,
    differences,
    render_snapshot,
    templates_at,
)

# Before: the templates with every level's text in the lower level's files.
# After: the same output, from owner files that include each level's partials.
REFACTOR: tuple[str, str | None] = (
    "b5433dd041efe55f2137476abae0516694028283",
    "4a97a3dbf49bcf617b8432c05ef9f4502eaa3b59",
)


@pytest.fixture(scope="module")
def template_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    before, after = REFACTOR
    before_root = templates_at(before, tmp_path_factory.mktemp("before"))
    if after is None:
        return before_root, REPO / "templates"
    return before_root, templates_at(after, tmp_path_factory.mktemp("after"))


@pytest.mark.parametrize(("level", "ci_provider"), COMBINATIONS)
def test_refactor_renders_the_same_files(
    template_versions: tuple[Path, Path], level: int, ci_provider: str
) -> None:
    before_root, after_root = template_versions
    before: Snapshot = render_snapshot(before_root, level, ci_provider)
    after: Snapshot = render_snapshot(after_root, level, ci_provider)
    assert before, "the baseline rendered nothing"
    assert list(differences(before, after)) == []


def test_differences_reports_content_mode_and_missing_files() -> None:
    before = {"a": RenderedFile(0o100644, b"x\ny\n"), "b": RenderedFile(0o100755, b"")}
    after = {
        "a": RenderedFile(0o100644, b"x\nz\n"),
        "b": RenderedFile(0o100644, b""),
        "c": RenderedFile(0o100644, b""),
    }
    assert list(differences(before, after)) == [
        "c: only after",
        "a: content differs (line 2: b'y\\n' became b'z\\n')",
        "b: mode 100755 became 100644",
    ]
