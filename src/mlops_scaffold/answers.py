"""The template's questions, validation of answers, and the project's answers file.

The answers file `.mlops-scaffold.yml` records what a project was generated
with: the answers, the level and the generator version. Upgrades and updates
re-render from it.
"""

from __future__ import annotations

import keyword
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mlops_scaffold.copier_runs import copier_run
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.levels import parse_level, templates_root

ANSWERS_FILE = ".mlops-scaffold.yml"
INTERNAL_KEYS = frozenset(
    {"layer", "derived_package_name", "refused_package_names", "max_package_name_length"}
)
"""Template variables the generator sets or computes itself; never asked, never stored."""
DEPENDENCY_NAMES_FILE = "dependency_names.txt"
MAX_PACKAGE_NAME_LENGTH = 44
"""Level 3's CronJob NAME-retrain must fit Kubernetes' 52 characters; paths stay far below 255."""

_PACKAGE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_SHOWN = 40  # characters of a refused name quoted in a message
_UNUSABLE_NAMES = {
    "test": "shadows the standard library's regression-test package",
    "tests": "is taken by the project's own tests/ folder",
    "sitecustomize": "is a module Python imports at every start-up",
    "usercustomize": "is a module Python imports at every start-up",
}
_HEADER = (
    "# Written by mlops-scaffold: what this project was generated with.\n"
    "# Change answers with `mlops-scaffold update --data KEY=VALUE`, not by hand.\n"
)


def question_names(root: Path | None = None) -> tuple[str, ...]:
    """The questions declared in the template's copier.yml, in order."""
    config = yaml.safe_load(((root or templates_root()) / "copier.yml").read_text("utf-8"))
    return tuple(k for k in config if not k.startswith("_") and k not in INTERNAL_KEYS)


def parse_data(pairs: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """`KEY=VALUE` strings into a dict, refusing malformed pairs and unknown keys."""
    known = tuple(known)
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScaffoldError(f"--data expects KEY=VALUE, got {pair!r}")
        if key not in known:
            raise ScaffoldError(f"unknown --data key {key!r}; known keys: {', '.join(known)}")
        data[key] = value
    return data


def project_name_problem(name: object) -> str | None:
    """Why `name` cannot be the project's name, or None when it can."""
    return None if str(name or "").strip() else "the project name is empty"


def package_name_problem(name: object) -> str | None:
    """Why `name` cannot be the project's Python package, or None when it can.

    The same checks, with the same words, run at the prompt: `templates/questions.jinja`
    (tests/test_answers.py holds the two to agreement).
    """
    text = str(name or "")
    shown = f"'{text}'" if len(text) <= _SHOWN else f"'{text[:_SHOWN]}...'"
    if not text:
        return "the package name is empty"
    if not text.isascii():
        return f"package name {shown} has non-ASCII characters"
    if text[0] in "0123456789":
        return f"package name {shown} starts with a digit: a Python name cannot start with a digit"
    if not _PACKAGE_NAME.fullmatch(text):
        return (
            f"package name {shown} is not a valid Python identifier of lowercase letters, "
            "digits and underscores"
        )
    if text[0] == "_" or text[-1] == "_":
        return (
            f"package name {shown} starts or ends with an underscore: its pip and Kubernetes "
            "names (dashes for underscores) must start and end with a letter or digit"
        )
    if len(text) > MAX_PACKAGE_NAME_LENGTH:
        return (
            f"package name {shown} is {len(text)} characters long, over the limit of "
            f"{MAX_PACKAGE_NAME_LENGTH}: level 3 names Kubernetes CronJobs NAME-retrain "
            "and NAME-monitor, which Kubernetes limits to 52 characters"
        )
    return refused_package_names().get(text)


def suggest_package_name(name: object) -> str | None:
    """A usable package name close to `name`, for the error message."""
    text = re.sub(r"[^a-z0-9]+", "_", str(name or "").lower()).strip("_") or "model"
    if text[0].isdigit():
        text = f"ml_{text}"
    text = text[:MAX_PACKAGE_NAME_LENGTH].rstrip("_")
    for candidate in (text, f"my_{text}"[:MAX_PACKAGE_NAME_LENGTH].rstrip("_")):
        if package_name_problem(candidate) is None:
            return candidate
    return None


def check_answers(answers: Mapping[str, Any]) -> None:
    """Refuse answers the templates cannot render into a working project (those present)."""
    if "project_name" in answers:
        problem = project_name_problem(answers["project_name"])
        if problem is not None:
            raise ScaffoldError(f"{problem}; pass --data project_name=NAME")
    if "package_name" in answers:
        _check_package_name(answers["package_name"])
    if "level" in answers:
        parse_level(answers["level"])


def _check_package_name(name: object, derived: bool = False) -> None:
    problem = package_name_problem(name)
    if problem is not None:
        suggestion = suggest_package_name(name)
        example = f" (e.g. {suggestion})" if suggestion else ""
        source = "the package name derived from the project name cannot be used: " * derived
        raise ScaffoldError(f"{source}{problem}; pass --data package_name=NAME{example}")


def resolve_answers(
    data: Mapping[str, Any],
    *,
    interactive: bool = False,
    user_defaults: Mapping[str, Any] | None = None,
    root: Path | None = None,
) -> dict[str, Any]:
    """The complete, valid answers to render with: the one boundary where answers are checked.

    `data` is checked first (nothing is asked when it is wrong); copier then asks for the
    missing answers (`interactive`, re-asking one that fails a check) or takes their
    defaults; the complete answers are checked again (a default derived from another
    answer, e.g. the package name from the project name). `new` and `upgrade` both call it
    and render only what it returns. Ctrl-C at a prompt raises KeyboardInterrupt.
    """
    check_answers(data)
    answers = _ask(data, interactive, user_defaults or {}, root or templates_root())
    check_answers(answers)
    return answers


def template_data(
    answers: Mapping[str, Any], layer: int, root: Path | None = None
) -> dict[str, Any]:
    """What copier renders layer `layer` with: the answers and the internal variables."""
    return {
        **answers,
        "layer": layer,
        "refused_package_names": _refused(root or templates_root()),
        "max_package_name_length": MAX_PACKAGE_NAME_LENGTH,
    }


def _ask(
    data: Mapping[str, Any], interactive: bool, user_defaults: Mapping[str, Any], root: Path
) -> dict[str, Any]:
    """Answers to every question via copier's questionnaire, rendering no file."""
    import copier  # imported here: copier is slow to import and most commands never render

    try:
        answers = _questionnaire(data, interactive, user_defaults, root)
    except copier.errors.CopierAnswersInterrupt:
        raise KeyboardInterrupt from None
    except copier.errors.InteractiveSessionError:
        raise ScaffoldError(
            "there is no terminal to ask the questions in; pass --defaults, and answers "
            "with --data KEY=VALUE"
        ) from None
    except (ValueError, copier.errors.CopierError) as exc:
        if "package_name" not in data:
            _explain_missing_package_name(data, user_defaults, root)
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise ScaffoldError(f"{reason}; fix it with --data KEY=VALUE") from None
    return {k: v for k, v in answers.items() if k not in INTERNAL_KEYS}


def _explain_missing_package_name(
    data: Mapping[str, Any], user_defaults: Mapping[str, Any], root: Path
) -> None:
    """The package name has no default when the one derived from the project name is
    refused: raise why, if that is what went wrong."""
    import copier

    placeholder = {**data, "package_name": "placeholder"}
    try:
        derived = _questionnaire(placeholder, False, user_defaults, root)["derived_package_name"]
    except (ValueError, copier.errors.CopierError):
        return  # something else is wrong: copier's own message says what
    _check_package_name(derived, derived=True)


def _questionnaire(
    data: Mapping[str, Any], interactive: bool, user_defaults: Mapping[str, Any], root: Path
) -> dict[str, Any]:
    import copier

    with tempfile.TemporaryDirectory(prefix="mlops-scaffold-ask-") as scratch, copier_run():
        worker = copier.run_copy(
            str(root),
            str(Path(scratch) / "project"),
            data=template_data(data, 0, root),
            user_defaults=dict(user_defaults),
            defaults=not interactive,
            exclude=["*"],
            pretend=True,
            quiet=True,
            unsafe=False,
        )
    return dict(worker.answers.user)


def refused_package_names() -> dict[str, str]:
    """Every valid-looking name a package must not take, with why (see `_refused`)."""
    return _refused(templates_root())


@cache
def _refused(root: Path) -> dict[str, str]:
    """Every valid-looking name a package must not take, with why.

    Keywords, the standard library, names Python gives a meaning, the project's own
    modules and folders, and the names its dependencies take at any level
    (`dependency_names.txt`, computed from their distributions).
    """
    refused: dict[str, str] = {}
    table = resources.files("mlops_scaffold").joinpath(DEPENDENCY_NAMES_FILE).read_text("utf-8")
    for line in table.splitlines():
        if not line or line.startswith("#"):
            continue
        name, level, distribution, kind = line.split("\t")
        refused[name] = (
            f"package name '{name}' shadows a module of {distribution}, a dependency of the "
            f"project from level {level}"
            if kind == "module"
            else f"package name '{name}' is the name of {distribution}, a dependency of the "
            f"project from level {level}: pip cannot install both"
        )
    for name, path in sorted(_project_module_names(root).items()):
        refused[name] = f"package name '{name}' is taken by the project's own {path}"
    for name in sorted(sys.stdlib_module_names):
        refused[name] = f"package name '{name}' shadows a standard-library module"
    refused.update((name, f"package name '{name}' {why}") for name, why in _UNUSABLE_NAMES.items())
    for name in [*keyword.kwlist, *keyword.softkwlist]:
        refused[name] = f"package name '{name}' is a Python keyword"
    return {name: why for name, why in refused.items() if _PACKAGE_NAME.fullmatch(name)}


def _project_module_names(root: Path) -> dict[str, str]:
    """Top-level Python modules of every layer outside src/ (tests, scripts): pytest and
    `python path/to/script.py` import them under their bare names."""
    names: dict[str, str] = {}
    for layer in sorted(root.glob("level*")):
        for path in sorted(layer.rglob("*.py*")):
            relative = path.relative_to(layer)
            if relative.parts[0] != "src" and path.name.endswith((".py", ".py.jinja")):
                names.setdefault(path.name.split(".")[0], str(relative).removesuffix(".jinja"))
    return names


@dataclass
class AnswersFile:
    """The content of `.mlops-scaffold.yml`."""

    level: int
    version: str
    answers: dict[str, Any] = field(default_factory=dict)

    def render_data(self, level: int | None = None) -> dict[str, Any]:
        """The data to render the templates with, optionally at another level."""
        return {**self.answers, "level": self.level if level is None else level}

    def dump(self) -> str:
        body = {
            "mlops_scaffold_version": self.version,
            "level": self.level,
            "answers": dict(sorted(self.answers.items())),
        }
        return _HEADER + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)

    def write(self, project: Path) -> Path:
        path = project / ANSWERS_FILE
        path.write_text(self.dump(), encoding="utf-8")
        return path

    @classmethod
    def from_answers(cls, answers: Mapping[str, Any], version: str) -> AnswersFile:
        """Build from a full set of rendered answers (as copier returns them)."""
        kept = {k: v for k, v in answers.items() if k not in INTERNAL_KEYS | {"level"}}
        return cls(level=int(answers["level"]), version=version, answers=kept)

    @classmethod
    def read(cls, project: Path) -> AnswersFile:
        """Load a project's answers file, or explain what is wrong with it."""
        path = project / ANSWERS_FILE
        if not path.is_file():
            raise ScaffoldError(
                f"{project} has no {ANSWERS_FILE}; it was not generated by mlops-scaffold "
                "(run the command from the project's root)"
            )
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            reason = str(exc).splitlines()[0]
            raise ScaffoldError(
                f"{ANSWERS_FILE} is not valid YAML ({reason}); restore it with "
                f"`git checkout mlops-scaffold/template -- {ANSWERS_FILE}`"
            ) from None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("answers"), dict)
            or not isinstance(data.get("mlops_scaffold_version"), str)
            or "level" not in data
        ):
            raise ScaffoldError(
                f"{ANSWERS_FILE} is malformed: it needs mlops_scaffold_version, level and "
                f"answers; restore it with `git checkout mlops-scaffold/template -- {ANSWERS_FILE}`"
            )
        try:
            level = parse_level(data["level"], option=f"level in {ANSWERS_FILE}")
        except ScaffoldError as exc:
            raise ScaffoldError(f"{ANSWERS_FILE} is malformed: {exc}") from None
        return cls(level=level, version=data["mlops_scaffold_version"], answers=data["answers"])
