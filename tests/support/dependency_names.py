"""Compute `src/mlops_scaffold/dependency_names.txt`: the names a project's dependencies take.

A package name must not take any of them at any level (issue: `package_name=mlflow` made
`import mlflow` resolve to the project, `pandas` made pip refuse to resolve). The list is the
closure of every level's declared dependencies (runtime, `dev` extra, build backend, and pip,
which `make install` upgrades), walked through the `Requires-Dist` metadata of the level-3
project's installed venv (`tests.support.venvs.project_venv`), and for each distribution:

- its import names (top_level.txt, else the first parts of the paths in RECORD), and
- its own name, normalised (`scikit-learn` -> `scikit_learn`): pip cannot install a project
  named like one of its dependencies.

A requirement whose marker is true only on another supported Python (`tomli` on 3.10) is
not installed here: its distribution name is listed, its modules cannot be. Platform markers
are evaluated for this machine only.

Regenerate with `.venv/bin/python -m tests.support.dependency_names` (builds the level-3 venv
the first time); `tests/test_answers.py` fails when the file drifts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mlops_scaffold.answers import DEPENDENCY_NAMES_FILE
from mlops_scaffold.levels import LEVELS, MAX_LEVEL
from mlops_scaffold.render import render
from tests.support.venvs import dependencies, project_venv

OUTPUT = Path(__file__).resolve().parents[2] / "src" / "mlops_scaffold" / DEPENDENCY_NAMES_FILE
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
MAKE_INSTALL_TOOLS = ["pip"]  # `make install` runs `pip install --upgrade pip` in the venv
_CANDIDATE = re.compile(r"[a-z][a-z0-9_]*")
HEADER = """\
# The names a generated project's dependencies take: a package name must not take one.
# Computed from the distributions by tests/support/dependency_names.py; do not edit by hand.
# Regenerate: .venv/bin/python -m tests.support.dependency_names
# name\tlevel\tdistribution\tkind (module: an import name; distribution: its pip name)
"""

# Runs inside the project's venv: every installed distribution, its import names and requires.
_INSPECT = r"""
import importlib.metadata as m, json, sys
out = []
for dist in m.distributions():
    declared = (dist.read_text("top_level.txt") or "").split()
    inferred = set()
    for f in dist.files or ():
        first = f.parts[0]
        if len(f.parts) > 1 and not first.endswith((".dist-info", ".data")) and first != "..":
            inferred.add(first)
        elif len(f.parts) == 1 and f.suffix in (".py", ".so", ".pyd"):
            inferred.add(f.name.split(".")[0])
    out.append({
        "name": dist.metadata["Name"],
        "modules": sorted(set(declared) | inferred),
        "requires": dist.requires or [],
    })
json.dump(out, sys.stdout)
"""


@dataclass(frozen=True)
class Entry:
    """One name a package must not take."""

    name: str
    level: int
    distribution: str
    kind: str  # "module" or "distribution"

    def line(self) -> str:
        return f"{self.name}\t{self.level}\t{self.distribution}\t{self.kind}"


def level_requirements(scratch: Path) -> dict[int, list[str]]:
    """Each level's declared dependencies, read from a default render of that level."""
    requirements = {}
    for level in LEVELS:
        project = scratch / f"level{level}"
        render(project, {"level": level})
        requirements[level] = [*dependencies(project), *MAKE_INSTALL_TOOLS]
    return requirements


def installed(venv: Path) -> dict[str, dict[str, list[str]]]:
    """The venv's distributions by canonical name: their import names and requirements."""
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", _INSPECT], capture_output=True, text=True, check=True
    )
    return {canonicalize_name(d["name"]): d for d in json.loads(result.stdout)}


def _applies(requirement: Requirement, extras: set[str], python: str | None) -> bool:
    if requirement.marker is None:
        return True
    environment = dict(default_environment())
    if python is not None:
        environment |= {"python_version": python, "python_full_version": f"{python}.0"}
    return any(
        requirement.marker.evaluate({**environment, "extra": extra}) for extra in (extras or {""})
    )


def closure(roots: list[str], dists: dict[str, dict[str, list[str]]]) -> tuple[set[str], set[str]]:
    """Distributions installed for `roots` here, and those only another Python would install."""
    seen: set[tuple[str, frozenset[str]]] = set()
    found: set[str] = set()
    elsewhere: set[str] = set()
    pending = [(Requirement(r), frozenset[str]()) for r in roots]
    while pending:
        requirement, parent_extras = pending.pop()
        name = canonicalize_name(requirement.name)
        here = _applies(requirement, set(parent_extras), None)
        if not here and not any(
            _applies(requirement, set(parent_extras), py) for py in SUPPORTED_PYTHONS
        ):
            continue
        if name not in dists:
            elsewhere.add(name)
            continue
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        found.add(name)
        pending.extend(
            (Requirement(r), frozenset(requirement.extras)) for r in dists[name]["requires"]
        )
    return found, elsewhere - found


def _rank(entry: Entry) -> tuple[int, bool, str]:
    """The lowest level first, then a module (the clearer reason) before a pip name."""
    return entry.level, entry.kind != "module", entry.distribution


def compute(venv: Path, requirements: dict[int, list[str]]) -> list[Entry]:
    """Every candidate package name the dependencies take, with the lowest level taking it."""
    dists = installed(venv)
    best: dict[str, Entry] = {}

    def offer(entry: Entry) -> None:
        if not _CANDIDATE.fullmatch(entry.name):
            return  # no package name can take it anyway (capitals, dots, dashes)
        known = best.get(entry.name)
        if known is None or _rank(entry) < _rank(known):
            best[entry.name] = entry

    for level in sorted(requirements, reverse=True):
        found, elsewhere = closure(requirements[level], dists)
        for dist in sorted(found):
            shown = dists[dist]["name"]
            for module in dists[dist]["modules"]:
                offer(Entry(module, level, shown, "module"))
            offer(Entry(dist.replace("-", "_"), level, shown, "distribution"))
        for dist in sorted(elsewhere):
            offer(Entry(dist.replace("-", "_"), level, dist, "distribution"))
    return sorted(best.values(), key=lambda e: e.name)


def generate() -> str:
    """The file's content, computed from the level-3 project's venv."""
    with tempfile.TemporaryDirectory(prefix="dependency-names-") as scratch:
        requirements = level_requirements(Path(scratch))
        venv = project_venv(Path(scratch) / f"level{MAX_LEVEL}")
        entries = compute(venv, requirements)
    return HEADER + "".join(entry.line() + "\n" for entry in entries)


def main() -> None:
    OUTPUT.write_text(generate(), encoding="utf-8")
    print(f"wrote {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
