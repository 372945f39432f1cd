"""What the browser tests share: a `pixelsmith ui` server on the tiny models, and the waits,
typing and screenshots every test uses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts"
LONG = 90_000  # ms: a step on the tiny models takes seconds, a first model load longer


SERVER_LOGS: list[Path] = []  # every UI server's log, newest last (a failed test's report shows them)
SERVERS: list[subprocess.Popen] = []  # every UI server, newest last (a failed test asks for their stacks)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def ui_server(
    tiny_config: Path, folder: Path, *, env_vars: dict[str, str | None] | None = None, **settings: str
) -> Iterator[str]:
    """`pixelsmith ui` on a free port with the tiny config, a data dir in `folder` and
    `settings` as PIXELSMITH_* variables (offline, unless `env_vars` says otherwise: a
    value None removes the variable); yields its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXELSMITH_")}
    env |= {
        "PIXELSMITH_CONFIG": str(tiny_config),
        "PIXELSMITH_DATA_DIR": str(folder / "data"),
        "HF_HUB_OFFLINE": "1",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        **{f"PIXELSMITH_{key.upper()}": value for key, value in settings.items()},
    }
    for key, value in (env_vars or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    SERVER_LOGS.append(folder / "server.log")
    log = (folder / "server.log").open("w")
    command = [sys.executable, "-c", "from pixelsmith.cli import run; run()", "ui", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    SERVERS.append(process)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, folder / "server.log")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)  # the ui command stops its streamlit child
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the UI server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the UI server did not become healthy in {timeout} s:\n{log.read_text()[-3000:]}")


def shot(page: Page, name: str, *, height: int | None = None) -> None:
    """A screenshot in test-artifacts/; `height` (px): a taller window for it, so the whole
    conversation fits (Streamlit scrolls inside the page, so a full-page shot would not)."""
    SHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    if height is not None and size is not None:
        page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(800)  # let images and iframes finish laying out
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    if height is not None and size is not None:
        page.set_viewport_size(size)


def idle(page: Page) -> None:
    """Wait until the script run is over: no 'running' indicator, no stale elements, no
    model warming up (its line redraws the page once when done, which could swallow a click),
    and nothing on the page moving."""
    page.wait_for_timeout(600)
    expect(page.get_by_text("into memory")).to_have_count(0, timeout=LONG)
    expect(page.get_by_text("Getting the models ready")).to_have_count(0, timeout=LONG)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=LONG)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=LONG)
    steady(page)


# where every button and picture frame is, once the app has drawn something: the same three
# times running means the page is drawn
_LAYOUT = """() => document.querySelector(
        "[data-testid='stMainBlockContainer'] [data-testid='stElementContainer']")
    && [...document.querySelectorAll("button, iframe, [data-stale='true']")].map(e => {
        const r = e.getBoundingClientRect(); return [r.x | 0, r.y | 0, r.height | 0]; })"""


def steady(page: Page, *, timeout: float = 30) -> None:
    """Wait until nothing on the page moves: after a reload the page is drawn in pieces (a
    picture frame takes its height when its image loads) for a second or two with no sign of
    a run, and a click then lands where a button was. Gives up after `timeout` s, saying so."""
    last, same, end = None, 0, time.monotonic() + timeout
    while same < 3 and time.monotonic() < end:
        now = page.evaluate(_LAYOUT)
        same = same + 1 if now and now == last else 0
        last = now
        page.wait_for_timeout(150)
    if same < 3:  # said in the test's output: a page that never settles is worth a look
        print(f"the page was still moving after {timeout:g} s")


def click_until(page: Page, name: str, shown: str, *, tries: int = 2) -> None:
    """Click the button `name` until `shown` is on the page. A click that lands while the page
    is being drawn again (on a loaded machine) has been lost now and then; clicked again, and
    said in the test's output, so a lost click is seen rather than failing the run."""
    for _ in range(tries - 1):
        page.get_by_role("button", name=name).click()
        try:
            expect(page.get_by_text(shown)).to_be_visible(timeout=20_000)
            return
        except AssertionError:
            print(f"clicked {name!r} again: {shown!r} did not show")
            idle(page)
    page.get_by_role("button", name=name).click()
    expect(page.get_by_text(shown)).to_be_visible()


def send(page: Page, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")


def open_with_sample(page: Page, url: str) -> None:
    """The app at `url`, patient timeouts, and the sample cat photo staged for the next message."""
    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    page.goto(url)
    idle(page)
    page.get_by_role("button", name="Use the sample photo (a cat)").click()
    expect(page.get_by_text("goes with your next message")).to_be_visible()
