"""MkDocs hook: the CLI reference page, generated from the typer app at every build.

The page is typer's own Markdown docs generator run on `mlops_scaffold.cli:app`, so it says
exactly what `mlops-scaffold COMMAND --help` says and cannot drift from the code.
"""

from __future__ import annotations

import subprocess
import sys

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

PAGE = "reference/cli.md"
TYPER_DOCS = ["-m", "typer", "--app", "app", "mlops_scaffold.cli", "utils", "docs"]
INTRO = (
    "This page is generated from the command line's own help at every build of the site "
    "(`typer --app app mlops_scaffold.cli utils docs`), so it always says what "
    "`mlops-scaffold --help` and `mlops-scaffold COMMAND --help` say.\n\n"
)


def cli_reference_markdown() -> str:
    """Typer's Markdown docs for the `mlops-scaffold` app, under a 'CLI reference' title."""
    options = ["--name", "mlops-scaffold", "--title", "CLI reference"]
    run = subprocess.run([sys.executable, *TYPER_DOCS, *options], capture_output=True, text=True)
    if run.returncode != 0:
        raise PluginError(f"typer could not document mlops_scaffold.cli:app: {run.stderr}")
    title, _, body = run.stdout.partition("\n\n")
    return f"{title}\n\n{INTRO}{body}"


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    """Add the generated reference page to the site."""
    files.append(File.generated(config, PAGE, content=cli_reference_markdown()))
    return files
