"""Offline linters and schema validators for generated files, as assertions.

Each helper runs one checker (installed by this repo's `test` extra) and fails the
test with the checker's own output when it reports a problem:

    actionlint([workflow, ...])                        GitHub Actions workflows
    jsonschema("vendor.gitlab-ci", [path, ...])        check-jsonschema built-in schemas
    hadolint(dockerfile)                               Dockerfile lint (errors by default)
    kubernetes_validate([manifest, ...])               Kubernetes manifests, --strict
    kustomize_build(overlay_dir, dest) -> dest         `kubectl kustomize` into one file
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# The checkers' console scripts live beside the interpreter running the tests.
_BIN = Path(sys.executable).parent

KUBERNETES_VERSION = "1.32"


def tool(name: str) -> str:
    """The path of a checker executable: the test venv's first, then PATH."""
    found = shutil.which(name, path=f"{_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def _check(args: Sequence[str | Path], cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"{Path(str(args[0])).name} found problems (exit {result.returncode}):\n"
        f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def actionlint(paths: Sequence[Path]) -> None:
    """GitHub Actions workflows are clean: syntax, expressions, action inputs and
    runtimes, script injection through `${{ }}` in `run:`."""
    assert paths, "no workflow to check"
    _check([tool("actionlint"), "-no-color", *paths])


def jsonschema(builtin: str, paths: Sequence[Path]) -> None:
    """Files validate against one of check-jsonschema's vendored schemas, e.g.
    `vendor.github-workflows`, `vendor.gitlab-ci`, `vendor.compose-spec`."""
    assert paths, "no file to check"
    _check([tool("check-jsonschema"), "--builtin-schema", builtin, *paths])


def hadolint(path: Path, threshold: str = "error") -> None:
    """A Dockerfile has no hadolint finding at `threshold` or above."""
    _check([tool("hadolint"), "--no-color", "--failure-threshold", threshold, path])


def kubernetes_validate(paths: Sequence[Path], version: str = KUBERNETES_VERSION) -> None:
    """Kubernetes manifests validate strictly (unknown keys are errors) against the
    bundled schemas of one Kubernetes version."""
    assert paths, "no manifest to check"
    _check(
        [tool("kubernetes-validate"), "--strict", "--quiet", "-k", version, *paths],
    )


def kustomize_build(directory: Path, dest: Path) -> Path:
    """Render a kustomization with `kubectl kustomize` into the file `dest`."""
    rendered = _check([tool("kubectl"), "kustomize", directory])
    assert rendered.strip(), f"kustomize rendered nothing for {directory}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(rendered, encoding="utf-8")
    return dest
