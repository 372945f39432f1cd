"""Browser tests: Debian's Chromium for Playwright (never a silent skip in CI)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and os.environ.get("PIXELSMITH_REQUIRE_BROWSER") == "1":  # CI: never a silent skip
    pytest.fail("chromium is not installed; the browser tests cannot run", pytrace=False)
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)
pytest.importorskip("pytest_playwright")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, tmp_path_factory):
    home = tmp_path_factory.mktemp("chromium-home")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 1600}}
