"""How the layers compose: every output path belongs to exactly one layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlops_scaffold.levels import LEVELS

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def layer_paths(copie: Any, layer: int, **answers: Any) -> set[str]:
    result = copie.copy(
        extra_answers={"level": 3, "layer": layer, **answers}, template_dir=TEMPLATES
    )
    assert result.exit_code == 0, result.exception
    assert result.exception is None
    root = Path(result.project_dir)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("ci_provider", ["github", "gitlab"])
def test_no_two_layers_produce_the_same_path(copie: Any, ci_provider: str) -> None:
    owners: dict[str, int] = {}
    for layer in LEVELS:
        for path in layer_paths(copie, layer, ci_provider=ci_provider):
            assert path not in owners, f"{path} is produced by level{owners[path]} and level{layer}"
            owners[path] = layer
    assert owners, "the layers produced no files"


@pytest.mark.parametrize("layer", LEVELS)
def test_layer_metadata_is_not_rendered(copie: Any, layer: int) -> None:
    assert "layer.yml" not in layer_paths(copie, layer)


def test_copier_would_not_write_its_own_answers_file(copie: Any) -> None:
    for layer in LEVELS:
        assert not any(p.endswith(".copier-answers.yml") for p in layer_paths(copie, layer))


@pytest.mark.parametrize("layer", LEVELS)
def test_partials_are_not_rendered(copie: Any, layer: int) -> None:
    assert not [path for path in layer_paths(copie, layer) if "_partials" in path]
