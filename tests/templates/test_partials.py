"""Each level's parts of the growth files live in `levelN/_partials/`, and every one is used.

A growth file (README, Makefile, .gitignore, pyproject, params, dvc.yaml, compose,
kustomization, .gitlab-ci.yml) belongs to the level that introduces it and includes the
partials of the levels above at fixed places. A partial that no owner includes is dead text
that a contributor would edit in vain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from mlops_scaffold.levels import LEVELS
from mlops_scaffold.render import render
from tests.support.render_equivalence import COMBINATIONS

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def partials(root: Path = TEMPLATES) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.glob("level*/_partials/**/*")
        if path.is_file()
    }


def test_the_growth_files_have_partials() -> None:
    assert {path.split("/")[0] for path in partials()} == {f"level{n}" for n in LEVELS}


def test_every_partial_is_included_by_some_render(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loaded: set[str] = set()
    get_source = jinja2.FileSystemLoader.get_source

    def recording_get_source(self: jinja2.FileSystemLoader, env: Any, template: str) -> Any:
        loaded.add(template)
        return get_source(self, env, template)

    monkeypatch.setattr(jinja2.FileSystemLoader, "get_source", recording_get_source)
    for level, ci_provider in COMBINATIONS:
        dest = tmp_path / f"level{level}-{ci_provider}"
        render(dest, {"level": level, "ci_provider": ci_provider}, root=TEMPLATES)
        assert not list(dest.rglob("_partials")), "a partial was rendered as a file"
    assert loaded, "no template was loaded through the Jinja loader"
    assert sorted(partials() - loaded) == []
