"""Every copier run goes through here: one at a time, and without git on its PATH.

The templates are a plain folder and copier renders into fresh scratch folders, so it has
nothing to do with git; with git on PATH it would spawn it once per file (to sync executable
bits into an index) and probe the template for a git bundle. copier sees PATH through
plumbum's process-wide environment, so runs in threads take turns; the git work around them
(commits, merges, status) runs in parallel.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ONE_AT_A_TIME = threading.Lock()


@contextmanager
def copier_run() -> Iterator[None]:
    """Hold the turn and hide git from copier for the duration of one run."""
    from plumbum import local  # copier's own process runner: its PATH is what copier sees

    with _ONE_AT_A_TIME, local.env(PATH=_path_without_git()):
        yield


def _path_without_git() -> str:
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(f for f in folders if not (Path(f) / "git").exists())
