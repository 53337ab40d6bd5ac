"""A real headless Chromium for the tests of HTML pages: load a file, let its scripts run, read the DOM.

Chromium is found as `chromium` (the Debian package) or `chromium-browser`; `.ci/run` installs it.
It runs without network, with an empty profile, and is ended with its process group.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--virtual-time-budget=5000"]


def chromium() -> str:
    """The browser's path; skips the test, saying how to install it, where there is none."""
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.skip("no Chromium: install it (Debian: apt-get install chromium) to test the HTML report")


def rendered_dom(page: Path, fragment: str = "") -> str:
    """The DOM after the page's scripts ran, for `page` opened with the URL fragment `#fragment`."""
    browser = chromium()
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                               page.resolve().as_uri() + (f"#{fragment}" if fragment else "")],
                              capture_output=True, text=True, timeout=120, start_new_session=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
