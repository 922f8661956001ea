"""Render the union of template layers 0..N into a folder with one set of answers.

copier renders each layer (`_subdirectory: levelN`) into its own scratch folder;
the files are then moved into the destination, refusing any path that two
layers both produce: every output path has exactly one owning layer.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlops_scaffold import __version__
from mlops_scaffold.answers import INTERNAL_KEYS, AnswersFile, template_data
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.levels import templates_root


class LayerCollisionError(ScaffoldError):
    """Two layers produce the same output path: a bug in the templates."""


def render(dest: Path, answers: Mapping[str, Any], *, root: Path | None = None) -> AnswersFile:
    """Render layers 0..`answers["level"]` into the empty folder `dest`; write the answers file.

    `answers` come from `resolve_answers` (checked, complete); a missing one takes its
    default. Nothing is asked and nothing is validated here. Returns the answers the
    project was rendered with.
    """
    import copier  # imported here: copier is slow to import and most commands never render

    template = root or templates_root()
    owners: dict[Path, int] = {}
    rendered: dict[str, Any] = dict(answers)
    layer = 0
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-layer-") as scratch:
        while layer <= int(rendered.get("level", 0)):
            out = Path(scratch) / f"level{layer}"
            try:
                worker = copier.run_copy(
                    str(template),
                    str(out),
                    data=template_data(rendered, layer, template),
                    defaults=True,
                    overwrite=True,
                    quiet=True,
                    unsafe=False,
                )
            except (ValueError, copier.errors.CopierError) as exc:
                reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
                raise ScaffoldError(f"{reason}; fix it with --data KEY=VALUE") from None
            if layer == 0:
                rendered = {k: v for k, v in worker.answers.user.items() if k not in INTERNAL_KEYS}
            _move_layer(out, dest, layer, owners)
            layer += 1
    answers_file = AnswersFile.from_answers(rendered, __version__)
    answers_file.write(dest)
    return answers_file


def _move_layer(src: Path, dest: Path, layer: int, owners: dict[Path, int]) -> None:
    for path in sorted(p for p in src.rglob("*") if not p.is_dir()):
        relative = path.relative_to(src)
        if relative in owners:
            raise LayerCollisionError(
                f"template bug: {relative} is produced by both level{owners[relative]} "
                f"and level{layer}; a path must belong to one layer"
            )
        owners[relative] = layer
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
