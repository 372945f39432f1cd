"""Issue 24 in a browser: "add a hat to the cat" pauses on the region where the hat goes (no
negative toggle, the caption says a click moves it), a click moves the region, Continue
paints only there; "cut out the cat" shows the result over a checkerboard and downloads
as a PNG with transparency."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from ui_helpers import idle, open_with_sample, send, shot, ui_server


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ui-place")


@pytest.fixture(scope="module")
def server(tiny_config, folder):
    with ui_server(tiny_config, folder) as url:
        yield url


def _session(folder: Path):
    from pixelsmith.workspace import Workspace

    sessions = sorted((folder / "data" / "sessions").iterdir(), key=lambda p: p.stat().st_mtime)
    return Workspace.open(folder / "data", sessions[-1].name)


def test_a_placed_hat_is_moved_by_a_click_and_painted_only_there(server, folder, page: Page):
    open_with_sample(page, server)
    send(page, "add a hat to the cat, 2 steps")
    expect(page.get_by_text("Review where the new object goes")).to_be_visible()
    idle(page)
    expect(page.get_by_text("Click on the image where the new object should go.")).to_be_visible()
    expect(page.get_by_text("Clicks remove (negative)")).to_have_count(0)
    shot(page, "24-place-review")
    ws = _session(folder)
    region = ws.record.pending.chosen
    assert ws.artifact(region).tool == "place"

    picture = page.frame_locator("iframe[title*='streamlit_image_coordinates']").last.locator("img")
    expect(picture).to_be_visible()
    page.wait_for_timeout(500)
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.2, "y": box["height"] * 0.7})
    moved = page.get_by_text("now using mask-")
    expect(page.get_by_text(f"now using {region}")).to_have_count(0)  # one click, no retry
    expect(moved.first).to_be_visible()
    idle(page)
    ws = _session(folder)
    chosen = ws.record.pending.chosen
    assert chosen != region and ws.artifact(chosen).tool == "refine_mask"
    shot(page, "24-place-moved")

    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("tab", name="Before / after").last).to_be_visible()
    idle(page)
    shot(page, "24-place-painted", height=1600)
    ws = _session(folder)
    painted = ws.record.steps[-1]
    assert painted.tool == "inpaint" and painted.args["mask"] == chosen
    before = np.asarray(ws.image(painted.args["image"]).convert("RGB"))
    after = np.asarray(ws.image(painted.outputs[0]).convert("RGB"))
    from scipy.ndimage import binary_dilation

    near = binary_dilation(ws.mask(chosen) > 0, iterations=24)  # the region and its soft edge
    assert np.array_equal(after[~near], before[~near])


def test_a_cutout_shows_a_checkerboard_and_downloads_transparent(server, folder, page: Page):
    open_with_sample(page, server)
    send(page, "cut out the cat")
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    idle(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Download PNG").last).to_be_visible()
    idle(page)
    shot(page, "24-cutout", height=1600)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PNG").last.click()
    saved = Image.open(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert saved.mode == "RGBA"
    alpha = np.asarray(saved.getchannel("A"))
    assert (alpha == 0).any() and (alpha == 255).any()  # a cut-out: some of it clear, some kept
    ws = _session(folder)
    assert ws.record.steps[-1].tool == "cutout"
    assert json.dumps(ws.record.steps[-1].args)  # the step is in the record like any other
