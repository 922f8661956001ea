"""The one-pass render of the composed layers gives the bytes a render per layer gives."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mlops_scaffold.answers import ANSWERS_FILE
from mlops_scaffold.compose import composed_template
from mlops_scaffold.create import create_project
from mlops_scaffold.levels import templates_root
from tests.support.render_equivalence import (
    COMBINATIONS,
    Snapshot,
    differences,
    render_layer_by_layer,
    render_snapshot,
    snapshot,
)


@pytest.mark.parametrize(("level", "ci_provider"), COMBINATIONS)
def test_one_pass_renders_what_layer_by_layer_renders(level: int, ci_provider: str) -> None:
    templates = templates_root()
    one_pass = render_snapshot(templates, level, ci_provider)
    one_pass.pop(ANSWERS_FILE)  # the engine's own record, not a template file
    reference = render_layer_by_layer(templates, level, ci_provider)
    assert reference, "the reference rendered nothing"
    assert list(differences(reference, one_pass)) == []


def test_a_composed_view_is_built_once_per_level_and_template_version() -> None:
    templates = templates_root()
    assert composed_template(templates, 2) is composed_template(templates, 2)
    assert composed_template(templates, 2) != composed_template(templates, 3)


def test_a_changed_template_file_gets_a_new_view(tmp_path: Path) -> None:
    fork = tmp_path / "templates"
    shutil.copytree(templates_root(), fork)
    first = composed_template(fork, 1)
    readme = fork / "level0" / "README.md.jinja"
    readme.write_text(readme.read_text("utf-8") + "\nA platform team's line.\n", "utf-8")
    second = composed_template(fork, 1)
    assert second != first
    assert "A platform team's line." in (second / "composed" / "README.md.jinja").read_text()


def test_projects_render_the_same_from_parallel_threads(tmp_path: Path) -> None:
    """Batch work (a fleet, a course) renders and commits many projects in one process."""

    def generate(parent: Path, combo: tuple[int, str]) -> Snapshot:
        level, provider = combo
        dest = parent / f"p{level}{provider}"
        create_project(dest, {"level": level, "ci_provider": provider})
        return {k: v for k, v in snapshot(dest).items() if not k.startswith(".git/")}

    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda combo: generate(tmp_path / "threads", combo), COMBINATIONS))
    for combo, got in zip(COMBINATIONS, threaded, strict=True):
        expected = generate(tmp_path / "one-by-one", combo)
        assert got and list(differences(expected, got)) == [], combo
