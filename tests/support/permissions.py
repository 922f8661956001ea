"""Run a command that file permissions apply to, even when the tests run as root."""

from __future__ import annotations

import os
import shutil


def unprivileged(args: list[str]) -> list[str]:
    """`args`, prefixed so that root loses the capabilities that override file modes."""
    if os.geteuid() != 0:
        return args
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root: setpriv (util-linux) is needed to drop CAP_DAC_OVERRIDE"
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", *args]
