"""Browser tests: Debian's Chromium for Playwright (never a silent skip in CI)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections import Counter

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test leaves a screenshot and the text of every page it had open in
    test-artifacts/failed-*, and the pages' text and the UI server's log in its report (CI's
    log), to see what the page showed when a wait ran out, and why."""
    outcome = yield
    report = outcome.get_result()
    browser = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or browser is None:
        return
    from ui_helpers import SHOTS

    SHOTS.mkdir(exist_ok=True)
    name = item.name.replace("[", "-").replace("]", "")
    pages = [page for context in browser.contexts for page in context.pages]
    for number, page in enumerate(pages, 1):
        stem = SHOTS / f"failed-{name}-{number}"
        try:
            page.screenshot(path=f"{stem}.png")
            text = page.locator("body").inner_text(timeout=5_000)
        except Exception as err:  # a closed or crashed page: say so, keep the test's own error
            text = f"could not read the page: {err}"
        try:  # a blank page is the frontend's crash: its uncaught errors say where
            errors = [str(e) for e in page.page_errors()]
            errors += [m.text for m in page.console_messages() if m.type in ("error", "warning")]
        except Exception as err:
            errors = [f"could not read the page's errors: {err}"]
        counted = Counter(errors)  # in order, each once: the first is the cause, the rest repeat it
        text += "\n\nbrowser errors:\n" + "\n".join(f"{n}x {e}" if n > 1 else e for e, n in counted.items())
        stem.with_suffix(".txt").write_text(text)
        report.sections.append((f"page {number} of {len(pages)} ({page.url})", text[-4000:]))
    from ui_helpers import SERVER_LOGS, SERVERS

    for server in SERVERS[-2:]:  # a page that stopped answering: what each server's threads are doing
        if server.poll() is None:
            server.send_signal(signal.SIGUSR1)
    time.sleep(1)
    for log in SERVER_LOGS[-2:]:  # the servers this test used: a traceback there explains a blank page
        if log.exists():
            report.sections.append((f"UI server log {log}", log.read_text(errors="replace")[-12000:]))
