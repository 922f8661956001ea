"""Compose the template layers 0..N into one copier template, so a project renders in one pass.

The composed view is a scratch copy of the templates folder (so that `{% include %}` of another
layer's partials still resolves) plus a `composed/` folder holding every layer's files up to N,
hard-linked. `copier.yml` is the same but for `_subdirectory`. Two layers that provide the same
path stop the composition: every output path has exactly one owning layer.

Views are cached per process, keyed by the templates' file listing and modification times, so
batch work (many projects in one process) composes each level once.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import yaml

from mlops_scaffold.errors import ScaffoldError

COMPOSED = "composed"
_SUBDIRECTORY = re.compile(r"^_subdirectory:.*$", re.MULTILINE)
_views: dict[tuple[Path, int, int], Path] = {}
_COMPOSING = threading.Lock()


class LayerCollisionError(ScaffoldError):
    """Two layers produce the same output path: a bug in the templates."""


def composed_template(root: Path, level: int) -> Path:
    """A copier template rendering layers 0..`level` of `root` in one run."""
    key = (root, level, _fingerprint(root))
    with _COMPOSING:
        if key not in _views:
            _views[key] = _compose(root, level)
        return _views[key]


def _compose(root: Path, level: int) -> Path:
    view = Path(tempfile.mkdtemp(prefix="mlops-scaffold-view-"))
    atexit.register(shutil.rmtree, view, ignore_errors=True)
    shutil.copytree(root, view, dirs_exist_ok=True, symlinks=False)
    config_text = (root / "copier.yml").read_text("utf-8")
    config = yaml.safe_load(config_text)
    suffix = str(config.get("_templates_suffix", ".jinja"))
    excluded = _exclusion(config.get("_exclude", []))
    owners: dict[str, int] = {}
    for layer in range(level + 1):
        source = view / f"level{layer}"
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = path.relative_to(source)
            if excluded(relative):
                continue
            output = str(relative.with_suffix("")) if relative.suffix == suffix else str(relative)
            if output in owners:
                raise LayerCollisionError(
                    f"template bug: {output} is produced by both level{owners[output]} "
                    f"and level{layer}; a path must belong to one layer"
                )
            owners[output] = layer
            target = view / COMPOSED / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(path, target)
    (view / "copier.yml").write_text(
        _SUBDIRECTORY.sub(f"_subdirectory: {COMPOSED}", config_text), encoding="utf-8"
    )
    return view


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a filesystem without hard links
        shutil.copy2(source, target)


def _exclusion(patterns: list[str]) -> Callable[[Path], bool]:
    import pathspec  # copier's own dependency: the same pattern syntax as its `_exclude`

    # pathspec 1.0 renamed the gitignore-style patterns (copier picks the same way)
    style = "gitwildmatch" if pathspec.__version__.startswith("0.") else "gitignore"
    spec = pathspec.PathSpec.from_lines(style, [str(p) for p in patterns])
    return lambda relative: spec.match_file(relative.as_posix())


def _fingerprint(root: Path) -> int:
    """Changes when any template file is added, removed or modified."""
    entries = []
    for path in root.rglob("*"):
        stat = path.stat()
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return hash(tuple(sorted(entries)))
