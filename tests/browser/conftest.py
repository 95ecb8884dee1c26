"""Headless Debian Chromium driven by Playwright: no browser download, no network but loopback.

`.ci/run` installs Debian's chromium when it is missing; outside CI the browser tests skip if
there is none.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium() -> Path | None:
    """The system browser: BROWSER_PATH, else chromium on PATH."""
    found = os.environ.get("BROWSER_PATH") or shutil.which("chromium")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the session (Playwright keeps a fresh profile per launch)."""
    path = chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium: .ci/run should have installed Debian's chromium")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(path), args=CHROMIUM_FLAGS,
                                          headless=True)
        yield launched
        launched.close()
