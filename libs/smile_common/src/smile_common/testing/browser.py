"""A real headless Chromium for browser tests (Debian's ``/usr/bin/chromium``, driven by Playwright).

No browser is downloaded: tests use the machine's Chromium with the flags this environment needs
(no sandbox as root, no background networking, no GPU). Set ``SMILE_CHROMIUM`` to use another binary.
With ``SMILE_REQUIRE_BROWSER=1`` (CI) a missing Chromium fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil

__all__ = ["CHROMIUM_ARGS", "chromium_path", "require_browser"]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    explicit = os.environ.get("SMILE_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> bool:
    return os.environ.get("SMILE_REQUIRE_BROWSER", "") in {"1", "true", "yes"}
