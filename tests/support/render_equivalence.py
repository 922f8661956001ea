"""Prove that a template refactor changes no rendered byte.

A refactor of `templates/` (moving text into partials, renaming blocks) must leave every
generated project identical. This module renders every level x CI provider from two
versions of the templates, each taken from git (or the working tree), and lists every
difference: a path only one side has, other bytes, another file mode.

Both sides are rendered by the current engine (`mlops_scaffold.render.render`), so the
comparison is about the templates alone.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mlops_scaffold.levels import LEVELS
from mlops_scaffold.render import render

REPO = Path(__file__).resolve().parents[2]
CI_PROVIDERS = ("github", "gitlab")
COMBINATIONS = tuple((level, provider) for level in LEVELS for provider in CI_PROVIDERS)


@dataclass(frozen=True)
class RenderedFile:
    mode: int
    content: bytes


Snapshot = dict[str, RenderedFile]


def templates_at(commit: str, dest: Path) -> Path:
    """Extract `templates/` as of `commit` into `dest`; return the templates folder.

    Fails with a hint when the commit is not in the clone (a shallow clone, say).
    """
    known = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if known.returncode != 0:
        raise LookupError(
            f"commit {commit} is not in this clone; the render-equivalence test needs the "
            "project's history (git fetch --unshallow)"
        )
    archive = dest / "templates.tar"
    with archive.open("wb") as out:
        subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", commit, "templates"],
            stdout=out,
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="tar")
    archive.unlink()
    return dest / "templates"


def snapshot(folder: Path) -> Snapshot:
    """Every file under `folder`: its mode and bytes, by relative path."""
    return {
        str(path.relative_to(folder)): RenderedFile(path.stat().st_mode, path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def render_snapshot(templates: Path, level: int, ci_provider: str) -> Snapshot:
    """Render the default project at `level` with `ci_provider` from `templates`."""
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-equivalence-") as scratch:
        dest = Path(scratch) / "project"
        render(dest, {"level": level, "ci_provider": ci_provider}, root=templates)
        return snapshot(dest)


def differences(before: Snapshot, after: Snapshot) -> Iterator[str]:
    """One line per difference between two snapshots."""
    for path in sorted(before.keys() - after.keys()):
        yield f"{path}: only before"
    for path in sorted(after.keys() - before.keys()):
        yield f"{path}: only after"
    for path in sorted(before.keys() & after.keys()):
        old, new = before[path], after[path]
        if old.mode != new.mode:
            yield f"{path}: mode {old.mode:o} became {new.mode:o}"
        if old.content != new.content:
            yield f"{path}: content differs ({_first_difference(old.content, new.content)})"


def _first_difference(old: bytes, new: bytes) -> str:
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if a != b:
            return f"line {number}: {a!r} became {b!r}"
    shorter = min(len(old_lines), len(new_lines))
    return f"after line {shorter}: {len(old_lines)} lines became {len(new_lines)}"


def render_layer_by_layer(templates: Path, level: int, ci_provider: str) -> Snapshot:
    """The reference for the one-pass render: copier once per layer, as the engine did
    before `compose` (each layer into its own folder, then their union)."""
    import copier

    from mlops_scaffold.answers import resolve_answers, template_data

    answers = resolve_answers({"level": level, "ci_provider": ci_provider}, root=templates)
    union: Snapshot = {}
    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-layers-") as scratch:
        for layer in range(level + 1):
            out = Path(scratch) / f"level{layer}"
            copier.run_copy(
                str(templates),
                str(out),
                data=template_data(answers, layer, templates),
                defaults=True,
                overwrite=True,
                quiet=True,
            )
            layer_files = snapshot(out)
            assert not union.keys() & layer_files.keys(), "a path with two owning layers"
            union |= layer_files
    return union
