"""Issue 25 item 3 in a browser: the canvas is extended by pulling the frame's right-middle
handle on the Extend panel's canvas; the caption says how far before anything is painted,
and Extend runs an outpaint whose result shows the original inside a dashed line."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from ui_helpers import idle, open_with_sample, send, shot, ui_server

from pixelsmith.ui import extend


@pytest.fixture(scope="module")
def server(tiny_config, tmp_path_factory):
    with ui_server(tiny_config, tmp_path_factory.mktemp("ui-extend")) as url:
        yield url


def test_pulling_the_right_handle_extends_the_canvas_on_the_right(server, page: Page):
    open_with_sample(page, server)
    send(page, "make it brighter")
    expect(page.get_by_role("button", name="Download PNG").first).to_be_visible()
    idle(page)

    page.get_by_text("Extend the canvas (outpaint)").click()
    panel = page.get_by_test_id("stExpander").filter(has_text="Extend the canvas (outpaint)")
    canvas = panel.locator(".dc-container")  # the selection panel above may have a canvas too
    expect(canvas).to_be_visible()
    expect(page.get_by_text("451×300 → 451×300 (nothing grows yet)")).to_be_visible()
    expect(page.get_by_role("button", name="Extend", exact=True)).to_be_disabled()
    idle(page)

    # a ratio chip: the short way grows, half on each side; "Free" brings the frame back
    panel.get_by_text("16:9", exact=True).click()
    expect(page.get_by_text("451×300 → 533×300 (16:9: +41 px left, +41 px right)")).to_be_visible()
    idle(page)
    panel.get_by_text("Free", exact=True).click()
    expect(canvas).to_be_visible()
    idle(page)
    box = canvas.bounding_box()
    assert box is not None
    lay = extend.layout((451, 300))
    x0, y0, x1, y1 = lay.photo_box

    # the canvas's edit toggle, then the frame, then its right-middle handle pulled 100 px out
    canvas.hover()
    panel.locator(".dc-toolbar").get_by_role("button", name="Edit").click()
    page.mouse.click(box["x"] + (x0 + x1) / 2, box["y"] + (y0 + y1) / 2)
    handle = (box["x"] + x1 + extend.STROKE / 2, box["y"] + (y0 + y1) / 2)
    page.mouse.move(*handle)
    page.mouse.down()
    page.mouse.move(handle[0] + 100, handle[1], steps=10)
    page.mouse.up()

    # 100 canvas px at 0.62 canvas px per photo px: about 161 px, said before anything is painted
    said = page.get_by_text(re.compile(r"451×300 → \d+×300 \(\+\d+ px right\)"))
    expect(said).to_be_visible()
    added = int(re.search(r"\+(\d+) px right", said.inner_text())[1])
    assert abs(added - round(100 / lay.scale)) <= 3, said.inner_text()
    expect(page.get_by_text("The new band (hatched) is painted by the inpainter.")).to_be_visible()
    idle(page)
    shot(page, "extend-handles-dragged")

    page.get_by_role("button", name="Extend", exact=True).click()
    chat = page.get_by_test_id("stChatMessage")
    expect(chat.get_by_text(f"Extend the canvas: +{added} px right").first).to_be_visible()
    expect(chat.get_by_text("the original inside the dashed line").first).to_be_visible()
    idle(page)
    expect(chat.get_by_text("image-3: the original inside the dashed line").first).to_be_visible()
    # the panel now frames the extended image
    expect(page.get_by_text(f"{451 + added}×300 → {451 + added}×300 (nothing grows yet)")).to_be_visible()
    expect(canvas).to_be_visible()
    shot(page, "extend-handles-extended", height=2400)
