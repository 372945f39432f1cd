"""Issue 27 in a browser: a reference photo given in the sidebar goes with the next message,
shows in the user's turn, and reaches the editor (the tiny FLUX.2 [klein], which takes them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from ui_helpers import LONG, idle, open_with_sample, send, shot, ui_server

from pixelsmith.testing import noise_image


@pytest.fixture(scope="module")
def server(tiny_config, tiny_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui-reference")
    settings = {"editor__backend": "flux2-klein", "editor__model": str(tiny_dir / "flux2-klein"),
                "editor__max_pixels": "4096"}  # fmt: skip
    with ui_server(tiny_config, folder, **settings) as url:
        yield url


def test_a_reference_photo_goes_with_the_message(server, page: Page, tmp_path):
    dog = tmp_path / "dog.png"
    noise_image(60, 90, seed=3).save(dog)
    open_with_sample(page, server)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="A reference photo")
    uploader.locator("input[type=file]").set_input_files(str(dog))
    expect(page.get_by_text("reference: dog.png, goes with your next message")).to_be_visible()
    idle(page)
    send(page, "make the cat look like this one, 2 steps")
    chat = page.get_by_test_id("stChatMessage")
    expect(chat.get_by_text("reference: dog.png")).to_be_visible(timeout=LONG)
    expect(page.get_by_text("Download").first).to_be_visible(timeout=LONG)
    idle(page)
    expect(chat.get_by_text("instruct").first).to_be_visible()
    expect(chat.get_by_text("cannot use a reference photo")).to_have_count(0)
    expect(page.get_by_text("goes with your next message")).to_have_count(0)  # sent, not staged again
    expect(chat.get_by_text("reference image-2")).to_be_visible()  # in the turn as the session keeps it
    expect(chat.get_by_text("reference: image-2")).to_have_count(1)  # and in the step that took it
    shot(page, "reference-photo", height=2000)
