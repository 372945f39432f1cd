"""The chat UI in a real browser: `pixelsmith ui` on the tiny models, driven by Chromium.

Upload the cat, ask for the dragon, review (mask 2, a click on the image), continue,
undo, reload (the conversation is still there), and a second browser context that
does not see the first one's session. Screenshots of each stage go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect  # noqa: E402
from ui_helpers import LONG, idle, send, shot, ui_server

REQUEST = "replace the cat with a realistic green dragon"


# the scroll height and the height of the box the click picture is drawn in
_PICTURE_BOX = """() => { let box = document.querySelector("iframe[title*='streamlit_image_coordinates']");
    while (box && getComputedStyle(box).overflowY === "visible") box = box.parentElement;
    return [box.scrollHeight, box.clientHeight]; }"""


@pytest.fixture(scope="module")
def server(tiny_config, tmp_path_factory):
    with ui_server(tiny_config, tmp_path_factory.mktemp("ui-server")) as url:
        yield url


@pytest.fixture
def cat_file(cat_photo, tmp_path) -> Path:
    path = tmp_path / "cat.png"
    cat_photo.save(path)
    return path


def test_edit_review_undo_reload_and_isolation(server, page: Page, browser, cat_file):
    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    page.goto(server)
    expect(page.get_by_text("Edit images by describing")).to_be_visible()
    assert "session=" not in page.url  # a visit writes no session; the first message does

    # 1. upload, ask: boxes and numbered candidate masks, then the review controls
    photo_uploader = page.get_by_role("region", name="Start from a photo")
    expect(photo_uploader.get_by_text("50MB per file")).to_be_visible()  # limits.max_upload_bytes
    photo_uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(cat_file)
    expect(page.get_by_text("goes with your next message")).to_be_visible()
    send(page, REQUEST)
    expect(page.get_by_role("button", name="Use mask 2")).to_be_visible()
    idle(page)
    session_url = page.url
    assert "session=" in session_url
    chat = page.get_by_test_id("stChatMessage")
    expect(chat.get_by_text("detection-1:").first).to_be_visible()
    expect(chat.get_by_text("candidates, best first: 1 = mask-1").first).to_be_visible()
    shot(page, "01-review")

    # 2. mask 2, then a click on the image in the streamlit_image_coordinates iframe
    page.get_by_role("button", name="Use mask 2").click()
    expect(page.get_by_text("now using mask-2")).to_be_visible()
    idle(page)
    picture = page.frame_locator("iframe[title*='streamlit_image_coordinates']").locator("img")
    expect(picture).to_be_visible()
    page.wait_for_timeout(500)
    boxed = page.evaluate(_PICTURE_BOX)  # the box made for it holds it whole: no scrollbar
    assert boxed[0] <= boxed[1], boxed
    picture.click(position={"x": 200, "y": 130})
    expect(page.get_by_text("clicks so far")).to_be_visible()
    idle(page)
    # the click refined mask-2 into a new mask (ids count on: mask-1..3 were the candidates)
    expect(page.get_by_text("now using mask-4")).to_be_visible()
    expect(chat.get_by_text("1 = mask-4").first).to_be_visible()  # the refining step's overlay
    shot(page, "02-clicked")
    page.reload()  # mid-review: the paused plan, the chosen mask and its click come back
    expect(page.get_by_text("now using mask-4")).to_be_visible()
    expect(page.get_by_text("clicks so far: (")).to_be_visible()
    idle(page)

    # 3. continue: the result with before/after and a download
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Download PNG").first).to_be_visible()
    idle(page)
    expect(chat.get_by_text("image-2:").first).to_be_visible()
    shot(page, "03-result")
    shot(page, "03-result-whole-chat", height=4000)  # the source of docs/chat.png
    page.get_by_role("tab", name="Before / after").last.click()
    expect(page.get_by_text("image-1 → image-2").last).to_be_visible()
    shot(page, "04-before-after")

    # 4. undo
    send(page, "undo")
    expect(page.get_by_text("Undo (undo)")).to_be_visible()
    idle(page)
    shot(page, "05-undo")

    # 5. a reload reopens the session from disk: the whole conversation is still there
    page.reload()
    expect(page.get_by_text(REQUEST).first).to_be_visible()
    idle(page)
    expect(page.get_by_role("button", name="Download PNG").first).to_be_visible()
    assert page.url == session_url
    expect(chat.locator("img").nth(3)).to_be_attached()  # upload, boxes, masks, result (+ before/after)
    shot(page, "06-reloaded")

    # 6. another browser context (another user) gets its own, empty session
    other = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        tab = other.new_page()
        tab.goto(server)
        expect(tab.get_by_text("Edit images by describing")).to_be_visible(timeout=LONG)
        idle(tab)
        assert "session=" not in tab.url  # its own draft, not written until it says something
        expect(tab.get_by_test_id("stChatMessage")).to_have_count(0, timeout=5_000)
        expect(tab.get_by_test_id("stMain").locator("img")).to_have_count(0, timeout=5_000)
        shot(tab, "07-other-session")
    finally:
        other.close()


def test_teach_a_concept_from_the_sidebar_form_then_use_it(server, page: Page, tmp_path):
    """Three photos, a name and a class in the sidebar form: the training runs in the chat
    (progress, then the loss curves), the concept is listed as ready and the next message
    uses it."""
    from pixelsmith.testing import noise_image

    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    photos = []
    for i in range(3):
        photos.append(tmp_path / f"rex-{i}.png")
        noise_image(64, 64, seed=30 + i).save(photos[-1])
    page.goto(server)
    expect(page.get_by_text("Edit images by describing")).to_be_visible()
    idle(page)

    form = page.get_by_test_id("stForm")
    form.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(photos)
    expect(form.get_by_text("rex-2.png")).to_be_visible()
    form.get_by_role("textbox", name="Name").fill("rex")
    form.get_by_role("textbox", name="What it is").fill("dog")
    form.get_by_role("spinbutton", name="Training steps").fill("4")
    form.get_by_text("Training options").click()
    form.get_by_role("spinbutton", name="Resolution (px)").fill("64")
    form.get_by_text("Keep the class word general").click()
    shot(page, "08-teach-form")
    form.get_by_role("button", name="Teach pixelsmith").click()

    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("rex: a dog (ready)")).to_be_visible()
    idle(page)
    chat = page.get_by_test_id("stChatMessage")
    expect(chat.get_by_text("teach pixelsmith my dog rex")).to_be_visible()
    expect(chat.get_by_text("concept rex ready").first).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()  # the loss curves
    shot(page, "09-taught")

    send(page, "a photo of my rex on the beach, 2 steps")
    expect(page.get_by_role("button", name="Download PNG").first).to_be_visible()
    idle(page)
    expect(chat.get_by_text('"concept": "rex"').first).to_be_attached()  # in the step's folded block
    shot(page, "10-used")


def test_a_paste_over_the_message_limit_is_refused_in_one_line(server, page: Page):
    """A chat input with max_chars drops a longer paste whole and says nothing (Streamlit 1.67);
    the box takes it, and the answer names the limit, there after a reload too (it was shown
    only until the page was drawn again: the history began at the first turn)."""
    page.set_default_timeout(LONG)
    expect.set_options(timeout=LONG)
    page.goto(server)
    idle(page)
    box = page.get_by_test_id("stChatInputTextArea")
    length = "() => document.querySelector('[data-testid=stChatInputTextArea]').value.length"
    box.click()
    page.keyboard.insert_text("make it brighter " + "and brighter " * 200)  # 2617 characters
    assert page.evaluate(length) == 2617
    box.press("Enter")
    said = "the message is 2616 characters, over the limit of 2000; shorten it"  # its last space taken off
    expect(page.get_by_text(said)).to_be_visible()
    expect(page).to_have_url(re.compile(r"session="))  # the refusal made the session: the next run names it
    page.reload()
    expect(page.get_by_text(said)).to_be_visible()  # recorded, before any turn began
