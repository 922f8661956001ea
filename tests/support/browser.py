"""Load a page in headless Chromium (Debian's `chromium`, installed by `make tools`), offline.

Every host name but 127.0.0.1 fails to resolve, and Chromium's own background traffic
(updates, sync, first-run) is off, so a page that needs a CDN renders without it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# Chromium waits this long (in virtual time) for the page's scripts and fetches before
# it writes the DOM, so a page rendered by JavaScript is dumped rendered.
SCRIPT_BUDGET_MS = 10_000


def chromium() -> str:
    path = shutil.which("chromium")
    assert path, "chromium is missing: `make tools` installs Debian's chromium"
    return path


def offline_flags(profile: Path) -> list[str]:
    """Headless, a fresh profile, and no network beyond loopback."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ]


def rendered_dom(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran, as Chromium serialises it."""
    result = subprocess.run(
        [
            chromium(),
            *offline_flags(profile),
            f"--virtual-time-budget={SCRIPT_BUDGET_MS}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"chromium exited {result.returncode}:\n{result.stderr}"
    return result.stdout
