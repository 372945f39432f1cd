"""Issue 13 in a browser: the sidebar's Models box switches the detector to Grounding DINO
and the segmenter to SAM 2.1 (a backend choice fills in its public checkpoint; the tiny
folder is typed over it), and the next request runs on them: boxes and numbered masks."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from ui_helpers import LONG, idle, send, shot, ui_server


@pytest.fixture(scope="module")
def server(tiny_config, tmp_path_factory):
    with ui_server(tiny_config, tmp_path_factory.mktemp("ui-backends")) as url:
        yield url


def _switch(page: Page, role: str, backend: str, public: str, folder: str) -> None:
    option = page.get_by_role("option", name=backend, exact=True)
    for _ in range(5):  # a rerun that lands just after the click redraws the box closed: open it again
        page.get_by_label(f"{role} backend").click()  # Streamlit's selectbox opens a list on click
        try:
            option.wait_for(state="visible", timeout=5000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            idle(page)
    option.click()
    field = page.get_by_role("textbox", name=f"{role} model")
    expect(field).to_have_value(public)
    field.fill(folder)
    field.press("Enter")
    idle(page)


def test_switching_backends_in_the_sidebar_then_editing(server, page: Page, tiny_dir):
    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    page.goto(server)
    idle(page)
    page.get_by_text("Models", exact=True).click()
    _switch(
        page,
        "detector",
        "grounding-dino",
        "IDEA-Research/grounding-dino-tiny",
        str(tiny_dir / "grounding-dino"),
    )
    _switch(page, "segmenter", "sam2", "facebook/sam2.1-hiera-small", str(tiny_dir / "sam2"))
    page.get_by_role("button", name="Use the sample photo (a cat)").click()
    expect(page.get_by_text("goes with your next message")).to_be_visible()
    send(page, "replace the cat and the dog with a teddy bear")
    expect(page.get_by_role("button", name="Use mask 2")).to_be_visible()
    idle(page)
    chat = page.get_by_test_id("stChatMessage")
    expect(chat.get_by_text("detection-1:").first).to_be_visible()
    expect(chat.get_by_text("candidates, best first: 1 = mask-1").first).to_be_visible()
    shot(page, "18-grounding-dino-and-sam2")


def test_sam3_finds_and_cuts_out_in_one_call(server, page: Page, tiny_dir):
    """The segmenter switched to SAM 3: "remove the cat" is segment_text (boxes, each with
    its mask) then segment (the numbered masks to choose from), and no detector is loaded."""
    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    page.goto(server)
    idle(page)
    page.get_by_text("Models", exact=True).click()
    _switch(page, "segmenter", "sam3", "facebook/sam3", str(tiny_dir / "sam3"))
    page.get_by_role("button", name="Use the sample photo (a cat)").click()
    expect(page.get_by_text("goes with your next message")).to_be_visible()
    send(page, "remove the cat, threshold 0")  # the tiny model's random scores are about 0.25
    expect(page.get_by_role("button", name="Use mask 2", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Use mask 20", exact=True)).to_be_visible()  # all 20 found
    idle(page)
    chat = page.get_by_test_id("stChatMessage")
    expect(chat.get_by_text("each with its mask").first).to_be_visible()
    expect(chat.get_by_text("Find and cut out (segment_text)").first).to_be_visible()
    expect(chat.get_by_text("candidates, best first: 1 = mask-").first).to_be_visible()
    shot(page, "19-sam3-finds-and-cuts-out", height=2600)
