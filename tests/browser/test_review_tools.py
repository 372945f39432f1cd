"""Issue 11 in a browser: the review's negative toggle and clicks survive a reload, the
mask buttons and the text use the same numbers, the brush paints a mask, a mask file can
be uploaded (a wrong size is one sentence), the before/after slider, and a session is
exported as a zip and deleted from the sidebar."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from ui_helpers import click_until, idle, open_with_sample, send, shot, ui_server

DRAGON = "replace the cat with a realistic green dragon"


@pytest.fixture(scope="module")
def server(tiny_config, tmp_path_factory):
    with ui_server(tiny_config, tmp_path_factory.mktemp("ui-review")) as url:
        yield url


def _negative(page: Page):
    return page.get_by_role("switch", name="Clicks remove (negative)")


def test_review_tools_survive_a_reload_and_make_masks(server, page: Page, tmp_path):
    open_with_sample(page, server)
    send(page, DRAGON)
    expect(page.get_by_role("button", name="Use mask 3")).to_be_visible()
    idle(page)
    chat = page.get_by_test_id("stChatMessage")
    expect(
        chat.get_by_text("candidates, best first: 1 = mask-1, 2 = mask-2, 3 = mask-3").first
    ).to_be_visible()

    # the button "Use mask 2" is the overlay's 2 (typing "use mask 2" would also go on)
    click_until(page, "Use mask 2", "now using mask-2")
    idle(page)

    # the negative toggle is kept with the session: a reload keeps it on
    page.get_by_text("Clicks remove (negative)").click()  # the label: the input is drawn over
    idle(page)
    page.reload()
    expect(_negative(page)).to_be_checked()
    idle(page)

    # a click with the toggle on removes; its marker and its sign are kept across a reload
    picture = page.frame_locator("iframe[title*='streamlit_image_coordinates']").last.locator("img")
    expect(picture).to_be_visible()
    page.wait_for_timeout(500)
    picture.click(position={"x": 120, "y": 100})
    # one click, no retry: a rerun that came first (the brush canvas measures itself once
    # mounted) used to drop a click taken as seen before its refine ran (ci19)
    expect(page.get_by_text("clicks so far: (")).to_be_visible()
    idle(page)
    expect(page.get_by_text("now using mask-4")).to_be_visible()
    expect(page.get_by_text("−", exact=False).first).to_be_visible()
    page.reload()
    expect(page.get_by_text("clicks so far: (")).to_contain_text("−")
    expect(_negative(page)).to_be_checked()
    idle(page)
    shot(page, "15-negative-click-kept")

    # the brush: paint a stroke on the canvas, apply: a new mask made by refine_mask
    page.get_by_text("Paint or upload a mask").click()
    brush = page.get_by_test_id("stExpander").filter(has_text="Paint or upload a mask")
    canvas = brush.locator(".dc-container")
    expect(canvas).to_be_visible()
    page.wait_for_timeout(800)
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 40, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 220, box["y"] + 160, steps=12)
    page.mouse.up()
    page.wait_for_timeout(1500)  # the canvas sends its strokes on mouse up
    shot(page, "16-brush-stroke")
    page.get_by_role("button", name="Apply brush").click()
    expect(page.get_by_text("now using mask-6")).to_be_visible()  # mask-5: the strokes themselves
    idle(page)
    expect(chat.get_by_text("Refine mask (refine_mask)").first).to_be_visible()

    # a mask file: the wrong size is one sentence; the right size becomes the choice
    small, right = tmp_path / "small.png", tmp_path / "mask.png"
    Image.new("L", (40, 30), 255).save(small)
    mine = np.zeros((300, 451), np.uint8)
    mine[60:240, 100:350] = 255
    Image.fromarray(mine).save(right)
    uploader = page.get_by_role("region", name="Or upload a mask (white = edit, the image's size)")
    if not uploader.is_visible():
        page.get_by_text("Paint or upload a mask").click()
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(small)
    expect(uploader.get_by_text("small.png")).to_be_visible()  # uploaded before the button reads it
    page.get_by_role("button", name="Use the uploaded mask").click()
    expect(  # .first: a re-run may still show the previous run's copy for a moment
        page.get_by_text("mask is 40x30 but the image is 451x300; make a mask of the same size").first
    ).to_be_visible()
    idle(page)
    if not uploader.is_visible():  # the expander stays open across the run, or not
        page.get_by_text("Paint or upload a mask").click()
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(right)
    expect(uploader.get_by_text("mask.png")).to_be_visible()  # on a loaded machine the upload takes a while
    page.get_by_role("button", name="Use the uploaded mask").click()
    expect(page.get_by_text("now using mask-7")).to_be_visible()
    idle(page)

    # continue: the edit uses the uploaded mask; the before/after slider
    page.get_by_role("button", name="Continue").click()
    # the review's buttons go at once, not after the inpaint (pressed again, they stopped it)
    expect(page.get_by_role("button", name="Continue")).to_have_count(0, timeout=1500)
    expect(page.get_by_role("button", name="Download PNG").first).to_be_visible()
    idle(page)
    page.get_by_role("tab", name="Before / after").last.click()
    expect(page.get_by_role("slider", name="Before ← → after").last).to_be_visible()
    shot(page, "17-before-after-slider")

    # export this session as a zip, then delete it
    with page.expect_download() as download:
        page.get_by_role("button", name="Export (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    names = archive.namelist()
    assert any(n.endswith("mask-7.png") for n in names) and any(n.endswith(".md") for n in names), names
    session_url = page.url
    page.get_by_role("button", name="Delete").click()
    idle(page)
    expect(page.get_by_text("Edit images by describing")).to_be_visible()
    assert page.url != session_url
    page.goto(session_url)
    expect(page.get_by_text(DRAGON)).to_have_count(0)
