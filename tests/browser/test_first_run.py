"""Issue 11, first run in a browser: the page is there at once while a model downloads
(slowly, from `FakeHub` on 127.0.0.1) and says how the download goes; another tab edits
meanwhile; the tab that needs the downloading model waits for it with the same progress;
and with no network at all the missing model is said in seconds."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from fake_hub import FakeHub, hub_config
from playwright.sync_api import Page, expect
from ui_helpers import LONG, idle, send, shot, ui_server

DOWNLOAD = "downloading the detector (tiny/owlv2)"


def _online(endpoint: str, folder: Path) -> dict[str, str | None]:
    return {
        "HF_HUB_OFFLINE": None,
        "TRANSFORMERS_OFFLINE": None,
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(folder / "hf"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }


def test_the_page_works_while_a_model_downloads(page: Page, browser, tiny_config, tiny_dir, tmp_path):
    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    # ~450 kB at 10 kB/s: the detector's download takes about 45 s, room for another tab's picture
    with FakeHub({"tiny/owlv2": tiny_dir / "owlv2"}, bytes_per_second=10_000) as hub:
        config = hub_config(tiny_config, tmp_path)
        with ui_server(config, tmp_path, env_vars=_online(hub.url, tmp_path)) as url:
            first = browser.new_context()  # the server's first visit imports torch and starts the warm-up
            try:
                first_tab = first.new_page()
                first_tab.goto(url)
                expect(first_tab.get_by_test_id("stChatInputTextArea")).to_be_visible()
            finally:
                first.close()
            opened = time.monotonic()  # a visit while the model downloads
            page.goto(url)
            expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=5_000)
            expect(page.get_by_text(DOWNLOAD).first).to_be_visible(timeout=5_000)
            seen_after = time.monotonic() - opened
            expect(page.get_by_text(" kB/s").first).to_be_visible(timeout=10_000)
            shot(page, "11-first-run-downloading")

            # another tab (another browser) makes a picture while the detector downloads
            other = browser.new_context(viewport={"width": 1280, "height": 1000})
            try:
                tab = other.new_page()
                tab.set_default_timeout(LONG)
                tab.goto(url)
                expect(tab.get_by_test_id("stChatInputTextArea")).to_be_visible()
                send(tab, "a watercolour lighthouse")
                expect(tab.get_by_role("button", name="Download PNG").first).to_be_visible()
                assert not any(r.endswith("model.safetensors") for r in hub.finished), (
                    "the download ended before the other tab's picture: this test proves nothing"
                )
                shot(tab, "12-other-tab-while-downloading")
            finally:
                other.close()

            # this tab asks for the detector: its step waits for the download, with progress
            page.get_by_role("button", name="Use the sample photo (a cat)").click()
            expect(page.get_by_text("goes with your next message")).to_be_visible()
            send(page, "replace the cat with a red fox")
            expect(page.get_by_test_id("stChatMessage").get_by_text(DOWNLOAD).first).to_be_visible()
            expect(page.get_by_role("button", name="Continue")).to_be_visible(timeout=LONG)
            idle(page)
            expect(page.get_by_text(DOWNLOAD)).to_have_count(0)  # the page line went when done
            shot(page, "13-first-run-downloaded")
    assert seen_after < 5, seen_after


def test_no_network_is_said_in_seconds(page: Page, tiny_config, tmp_path):
    """No HF_HUB_OFFLINE, an empty cache and a hub that does not answer (a closed port on
    this machine): the request gets the missing-model sentence within 5 s."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nothing listens here once the socket is closed
    config = hub_config(tiny_config, tmp_path)
    with ui_server(config, tmp_path, env_vars=_online(f"http://127.0.0.1:{closed}", tmp_path)) as url:
        page.goto(url)
        expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=LONG)
        idle(page)
        page.get_by_role("button", name="Use the sample photo (a cat)").click()
        expect(page.get_by_text("goes with your next message")).to_be_visible(timeout=LONG)
        sent = time.monotonic()
        send(page, "find the cat")
        message = page.get_by_text("pixelsmith models pull detector").first
        expect(message).to_be_visible(timeout=LONG)
        seconds = time.monotonic() - sent
        expect(page.get_by_text("the hub cannot be reached").first).to_be_visible()
        shot(page, "14-no-network")
    assert seconds < 5, seconds
