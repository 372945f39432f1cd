"""Issue 25 item 2 in a browser: four candidates of one edit are a 2 x 2 grid, each numbered
with its seed and the current one marked; 'use the third' typed in the chat moves the mark
to the third, and the other three stay in the conversation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from ui_helpers import idle, open_with_sample, send, shot, ui_server

REQUEST = "make it a watercolor painting, 4 candidates"  # restyle: no mask review to pause it


@pytest.fixture(scope="module")
def server(tiny_config, tmp_path_factory):
    with ui_server(tiny_config, tmp_path_factory.mktemp("ui-variations")) as url:
        yield url


def _candidate(page: Page, number: int) -> Locator:
    """The cell of candidate `number`: its image, caption, mark and button."""
    caption = page.get_by_test_id("stImageCaption").filter(has_text=re.compile(rf"^{number} = image-"))
    return caption.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")


def _boxes(page: Page, cells: list[Locator]) -> list[dict[str, float]]:
    """The cells' image boxes, read in one go once every image has loaded and two readings
    agree: the chat scrolls while it lays out, and boxes read one by one between two scroll
    positions put one row's images 63 px apart (a loaded clean-clone CI)."""
    images = [cell.locator("img").element_handle() for cell in cells]
    read = "els => els.map(e => { const r = e.getBoundingClientRect(); "
    read += "return {x: r.x, y: r.y, width: r.width, height: r.height, done: e.complete}; })"
    last: list = []
    for _ in range(50):
        now = page.evaluate(read, images)
        if now == last and all(box["done"] for box in now):
            return now
        last = now
        page.wait_for_timeout(200)
    raise AssertionError(f"the candidates' layout did not settle: {last}")


def test_four_candidates_are_a_grid_and_use_the_third_marks_it(server, page: Page):
    open_with_sample(page, server)
    send(page, REQUEST)
    expect(page.get_by_role("button", name="Download PNG").first).to_be_visible()
    idle(page)
    expect(page.get_by_role("button", name="Download PNG")).to_have_count(1)  # drawn once, when done

    # four numbered candidates with seeds, two to a row, the first (best) marked current
    cells = [_candidate(page, n) for n in (1, 2, 3, 4)]
    ids = []
    for number, cell in enumerate(cells, 1):
        caption = cell.get_by_test_id("stImageCaption").inner_text()
        found = re.fullmatch(rf"{number} = (image-\d+) · seed \d+", caption)
        assert found, caption
        ids.append(found[1])
    one, two, three, four = _boxes(page, cells)
    assert abs(one["y"] - two["y"]) < 2 and abs(three["y"] - four["y"]) < 2  # two rows
    assert three["y"] >= one["y"] + one["height"]
    assert abs(one["x"] - three["x"]) < 2 and two["x"] >= one["x"] + one["width"]  # two columns
    assert one["width"] >= 250  # big enough to compare (a row of four was ~150 px each)
    expect(cells[0].locator(".stMarkdownBadge", has_text="current image")).to_be_visible()
    expect(cells[0].get_by_role("button", name="✓ Current image")).to_be_disabled()
    for cell, image in zip(cells[1:], ids[1:]):
        expect(cell.locator(".stMarkdownBadge", has_text="current image")).to_have_count(0)
        expect(cell.get_by_role("button", name=f"Make {image} current")).to_be_enabled()
    cells[0].scroll_into_view_if_needed()
    shot(page, "variations-grid", height=2200)

    # 'use the third': the offline rules select it; its cell carries the mark now
    send(page, "use the third")
    expect(page.get_by_text(f"Done: {ids[2]} is the current image")).to_be_visible()
    idle(page)
    expect(cells[2].locator(".stMarkdownBadge", has_text="current image")).to_be_visible()
    expect(cells[2].get_by_role("button", name="✓ Current image")).to_be_disabled()
    for cell, image in zip(cells[:2] + cells[3:], ids[:2] + ids[3:]):
        expect(cell.locator(".stMarkdownBadge", has_text="current image")).to_have_count(0)
        expect(cell.get_by_role("button", name=f"Make {image} current")).to_be_enabled()
    shot(page, "variations-grid-third", height=2200)
