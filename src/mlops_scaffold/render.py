"""Render template layers 0..N into a folder with one set of answers, in one copier run.

`compose` joins the layers into one template (refusing a path two layers provide);
copier renders it once (through `copier_runs`: one run at a time, without git).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlops_scaffold import __version__
from mlops_scaffold.answers import INTERNAL_KEYS, AnswersFile, template_data
from mlops_scaffold.compose import composed_template
from mlops_scaffold.copier_runs import copier_run
from mlops_scaffold.errors import ScaffoldError
from mlops_scaffold.levels import templates_root


def render(dest: Path, answers: Mapping[str, Any], *, root: Path | None = None) -> AnswersFile:
    """Render layers 0..`answers["level"]` into the empty folder `dest`; write the answers file.

    `answers` come from `resolve_answers` (checked, complete); a missing one takes its
    default. Nothing is asked and nothing is validated here. Returns the answers the
    project was rendered with.
    """
    import copier  # imported here: copier is slow to import and most commands never render

    template = root or templates_root()
    level = int(answers.get("level", 0))
    view = composed_template(template, level)
    try:
        with copier_run():
            worker = copier.run_copy(
                str(view),
                str(dest),
                data=template_data(answers, level, template),
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=False,
            )
    except (ValueError, copier.errors.CopierError) as exc:
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise ScaffoldError(f"{reason}; fix it with --data KEY=VALUE") from None
    rendered = {k: v for k, v in worker.answers.user.items() if k not in INTERNAL_KEYS}
    answers_file = AnswersFile.from_answers(rendered, __version__)
    answers_file.write(dest)
    return answers_file
