"""Issue 26 in a browser: the sidebar's *local* planner plans a request with the built-in
model (a tiny random Qwen3 here: its plan is random, but valid, and it runs)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from ui_helpers import LONG, idle, open_with_sample, send, shot, ui_server

from pixelsmith.testing.tiny import PLANNER_DIR


@pytest.fixture(scope="module")
def server(tiny_config, tiny_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui-local")
    settings = {"planner_model__model": str(tiny_dir / PLANNER_DIR), "planner_model__max_new_tokens": "256",
                "planner_model__max_string_chars": "24"}  # fmt: skip
    with ui_server(tiny_config, folder, **settings) as url:
        yield url


def test_the_local_planner_plans_in_the_ui(server, page: Page):
    open_with_sample(page, server)
    expect(page.get_by_text("on this machine; local plans with it")).to_be_visible()
    page.get_by_test_id("stRadioGroup").get_by_text("local", exact=True).click()
    idle(page)
    send(page, "remove the cat")
    expect(page.get_by_text("Plan (local)").first).to_be_visible(timeout=LONG)
    idle(page)
    chat = page.get_by_test_id("stChatMessage")
    expect(chat.get_by_text("using the offline planner")).to_have_count(0)
    shot(page, "local-planner-ui", height=2000)
