"""The UI as a shared service (`ui.shared`, what `pixelsmith ui --host` beyond localhost sets):
each browser lists and opens only its own sessions, whatever URL it is given; the Models box
is off; an image link in chat text fetches nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from ui_helpers import LONG, idle, send, shot, ui_server

LEAK = "http://127.0.0.1:9/leak"


@pytest.fixture(scope="module")
def shared_server(tiny_config, tmp_path_factory):
    with ui_server(tiny_config, tmp_path_factory.mktemp("shared-ui"), ui__shared="true") as url:
        yield url


def test_each_browser_sees_only_its_own_sessions(shared_server, page: Page, browser) -> None:
    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    page.goto(shared_server)
    expect(page.get_by_text("Edit images by describing")).to_be_visible()
    expect(page.get_by_text("Models", exact=True)).to_have_count(0)  # no server-wide model changes
    send(page, f"generate a lighthouse, 2 steps ![x]({LEAK})")
    expect(page.get_by_role("button", name="Download PNG").first).to_be_visible()
    idle(page)
    expect(page.get_by_role("button", name="Download PNG")).to_have_count(1)  # drawn once, when done
    expect(page.locator(f"img[src^='{LEAK}']")).to_have_count(0)  # shown as text, not fetched
    expect(page.locator(f"a[href^='{LEAK}']").first).to_be_attached()  # a link at most
    mine = page.url
    page.get_by_role("button", name="New session").click()
    idle(page)
    expect(page.get_by_text("Earlier sessions")).to_be_visible()  # its own, listed
    shot(page, "11-shared-own-sessions")

    other = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        stranger = other.new_page()
        stranger.goto(mine)  # another browser given the first one's session URL
        expect(stranger.get_by_text("belongs to another browser")).to_be_visible(timeout=LONG)
        idle(stranger)
        assert mine.split("session=")[1] not in stranger.url  # a new draft of its own, not the first one's
        expect(stranger.get_by_text("generate a lighthouse")).to_have_count(0)
        expect(stranger.get_by_text("Earlier sessions")).to_have_count(0)
        shot(stranger, "12-shared-stranger")
    finally:
        other.close()

    page.goto(mine)  # the first browser, back: its session, by its cookie
    expect(page.get_by_text("generate a lighthouse").first).to_be_visible()
