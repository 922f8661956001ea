"""Level metadata: one source of truth in each layer's layer.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.levels import LEVELS, all_levels, parse_level, templates_root


def test_every_layer_describes_its_level() -> None:
    levels = all_levels()
    assert [lvl.number for lvl in levels] == list(LEVELS)
    for lvl in levels:
        assert lvl.name and lvl.summary
        assert len(lvl.capabilities) >= 3


def test_templates_root_is_the_source_checkout_in_development() -> None:
    assert (templates_root() / "copier.yml").is_file()


def test_templates_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_SCAFFOLD_TEMPLATES", str(tmp_path))
    with pytest.raises(ScaffoldError, match=r"no copier\.yml"):
        templates_root()


@pytest.mark.parametrize("raw,expected", [("0", 0), ("3", 3), (" 2 ", 2), (1, 1)])
def test_parse_level(raw: str | int, expected: int) -> None:
    assert parse_level(raw) == expected


@pytest.mark.parametrize("raw", ["4", "-1", "one", "", "1.5"])
def test_parse_level_refuses(raw: str) -> None:
    with pytest.raises(ScaffoldError, match="must be one of 0, 1, 2, 3"):
        parse_level(raw)
