"""Issue 24: the upscaler (Real-ESRGAN through spandrel, tiled) equals the plain spandrel call
on the same checkpoint; and a new object is placed where the words say, the region is
reviewed (a click moves it), and only the region is painted."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tool_calls import run_tool

from pixelsmith.agent import events as ev
from pixelsmith.errors import ToolInputError
from pixelsmith.testing import noise_image

W, H = 97, 61


def _plain_spandrel(path, image: Image.Image) -> np.ndarray:
    """The network as spandrel's own loader gives it, on the whole photo at once."""
    import spandrel
    import torch
    from safetensors.torch import load_file

    net = spandrel.ModelLoader().load_from_state_dict(load_file(str(path))).eval()
    pixels = torch.from_numpy(np.asarray(image, np.float32) / 255.0).permute(2, 0, 1)[None]
    with torch.inference_mode():
        made = net(pixels).clamp(0, 1)
    return (made[0].permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)


def test_the_upscaler_is_the_plain_spandrel_call_in_tiles_or_whole(ctx, store, tiny_dir):
    from pixelsmith.testing.tiny_upscaler import FILE

    image = noise_image(W, H, seed=1)
    want = _plain_spandrel(tiny_dir / "esrgan" / FILE, image)
    assert want.shape == (4 * H, 4 * W, 3)  # the real network's 4x, non-square kept
    image_id = store.add("image", image)
    upscaler = ctx.models.get("upscaler")
    assert upscaler.scale == 4
    whole = upscaler.upscale(image, tile=2048)
    tiled = upscaler.upscale(image, tile=32)  # 4x2 tiles with 16 px of context each side
    assert np.array_equal(np.asarray(whole), want) and np.array_equal(np.asarray(tiled), want)
    made = run_tool(ctx, "upscale", image=image_id, scale=4, tile=48)
    assert np.array_equal(np.asarray(made.image), want)
    half = run_tool(ctx, "upscale", image=image_id, scale=2)
    assert half.image.size == (2 * W, 2 * H)
    assert np.array_equal(
        np.asarray(half.image), np.asarray(Image.fromarray(want).resize((2 * W, 2 * H), Image.LANCZOS))
    )
    same = run_tool(ctx, "upscale", image=image_id, keep_size=True)
    assert same.image.size == (W, H)


def test_the_upscaler_reports_each_tile_and_is_loaded_once(ctx, store):
    seen = []
    ctx.on_progress = seen.append
    image_id = store.add("image", noise_image(W, H, seed=2))
    first = ctx.models.get("upscaler")
    run_tool(ctx, "upscale", image=image_id, scale=2, tile=32)
    assert [(p.step, p.total) for p in seen if p.label == "tile"] == [(n, 8) for n in range(1, 9)]
    assert ctx.models.get("upscaler") is first


def test_an_upscale_over_the_pixel_limit_says_what_to_do(ctx, store, monkeypatch):
    monkeypatch.setattr(ctx.settings.limits, "max_pixels", 50_000)  # the shared registry's: put back
    image_id = store.add("image", noise_image(W, H, seed=2))
    with pytest.raises(
        ToolInputError, match=r"upscale: 97x61 at 4x is 94,672 pixels, over limits.max_pixels"
    ):
        run_tool(ctx, "upscale", image=image_id, scale=2)


def test_a_file_that_is_no_upscaler_is_named(tmp_path):
    import torch
    from safetensors.torch import save_file

    from pixelsmith.errors import ModelMissingError
    from pixelsmith.models.upscaler import open_upscaler

    save_file({"weight": torch.zeros(2, 2)}, str(tmp_path / "notes.safetensors"))
    with pytest.raises(ModelMissingError, match="notes.safetensors is no upscaler spandrel knows"):
        open_upscaler(tmp_path / "notes.safetensors", device="cpu", dtype=torch.float32)


# -- place ----------------------------------------------------------------------------------------
def _anchor(store, box=(30, 25, 70, 55)):
    mask = np.zeros((H, W), np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 255
    return store.add("mask", mask)


@pytest.mark.parametrize(
    ("relation", "where"),
    [
        ("on", lambda x0, y0, x1, y1: y0 < 12 and y1 <= 22 and abs((x0 + x1) / 2 - 40) <= 1),
        ("next to", lambda x0, y0, x1, y1: x0 >= 55 and y1 <= 37),
        ("left of", lambda x0, y0, x1, y1: x1 <= 25),
        ("under", lambda x0, y0, x1, y1: y0 >= 35),
    ],
)
def test_the_region_follows_the_relation_and_stays_inside(ctx, store, relation, where):
    from pixelsmith.masks import bbox

    image_id = store.add("image", noise_image(W, H, seed=3))
    anchor = _anchor(store, (25, 12, 55, 36))  # room on every side
    made = run_tool(ctx, "place", image=image_id, anchor=anchor, object="a hat", relation=relation)
    box = bbox(made.mask)
    assert made.mask.shape == (H, W) and box is not None
    assert where(*box), (relation, box)
    assert 0 <= box[0] < box[2] <= W and 0 <= box[1] < box[3] <= H


def test_on_a_surface_the_object_stands_inside_it(ctx, store):
    from pixelsmith.masks import bbox

    image_id = store.add("image", noise_image(W, H, seed=3))
    made = run_tool(ctx, "place", image=image_id, anchor=_anchor(store), object="a boat", surface=True)
    x0, y0, x1, y1 = bbox(made.mask)
    assert x0 >= 30 and x1 <= 70 and y0 >= 25 and y1 <= 55


def test_an_empty_anchor_is_named(ctx, store):
    image_id = store.add("image", noise_image(W, H, seed=3))
    empty = store.add("mask", np.zeros((H, W), np.uint8))
    with pytest.raises(
        ToolInputError, match=f"place: {empty} is empty; segment what the object goes on again"
    ):
        run_tool(ctx, "place", image=image_id, anchor=empty, object="a hat")


def test_add_a_hat_pauses_on_the_region_a_click_moves_it_and_only_it_is_painted(make_agent):
    from pixelsmith.masks import bbox

    agent = make_agent(seed=4, interactive=True, defaults={"num_inference_steps": 2})
    photo = noise_image(96, 64, seed=8)
    events = list(agent.send("add a hat to the dog", photo))
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["detect", "segment", "place"]
    review = next(e for e in events if isinstance(e, ev.ReviewNeeded))
    assert "is where the new object goes. Click where it should go" in review.message
    ws = agent.workspace
    region = ws.record.pending.chosen
    assert ws.artifact(region).tool == "place" and ws.record.pending.steps[0]["tool"] == "inpaint"
    x0, y0, x1, y1 = bbox(ws.mask(region))
    events = list(agent.refine(points=[{"x": 20, "y": 40, "positive": True}]))
    moved = ws.record.pending.chosen
    assert moved != region and ws.artifact(moved).tool == "refine_mask"
    mx0, my0, mx1, my1 = bbox(ws.mask(moved))
    assert (mx1 - mx0, my1 - my0) == (x1 - x0, y1 - y0) or mx0 == 0 or my0 == 0  # moved, not re-cut
    assert abs((mx0 + mx1) / 2 - 20) <= 1 or mx0 == 0
    events = list(agent.resume())
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["inpaint"]
    painted = ws.record.steps[-1]
    assert painted.args["mask"] == moved and painted.args["prompt"] == "a hat"
    out = np.asarray(ws.image(painted.outputs[0]).convert("RGB"))
    far = np.ones((64, 96), bool)
    far[max(0, my0 - 16) : my1 + 16, max(0, mx0 - 16) : mx1 + 16] = False  # the region and its soft edge
    assert np.array_equal(out[far], np.asarray(photo)[far])
