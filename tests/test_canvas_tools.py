"""Issue 12: restyle (image-to-image on the generator's modules) and outpaint (a bigger
canvas painted by the inpainter), on the tiny checkpoints, with the geometry that could
break: sizes and offsets on non-square photos, the photo's pixels byte-identical, tiles
along a long edge, the plain diffusers call as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from tool_calls import run_tool

from pixelsmith import masks as M
from pixelsmith.errors import ToolInputError
from pixelsmith.testing import noise_image
from pixelsmith.tools import ToolContext, default_tools
from pixelsmith.tools.outpaint import Canvas, Input, canvas_for, tiles


def _px(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


# -- outpaint ------------------------------------------------------------------------------
def test_outpaint_grows_each_side_and_keeps_the_photo_byte_identical(ctx):
    photo = noise_image(90, 60, seed=3)
    image = ctx.store.add("image", photo)
    out = run_tool(ctx, "outpaint", image=image, left=40, right=10, top=24, num_inference_steps=2, seed=5)
    result = out.images[0]
    assert result.size == (90 + 40 + 10, 60 + 24)
    assert np.array_equal(_px(result)[24:84, 40:130], _px(photo))  # at (left, top), untouched
    band = np.ones((84, 140), bool)
    band[24:84, 40:130] = False
    assert np.abs(_px(result)[band].astype(int) - 128).mean() > 0  # the band is painted
    again = run_tool(ctx, "outpaint", image=image, left=40, right=10, top=24, num_inference_steps=2, seed=5)
    assert np.array_equal(_px(again.images[0]), _px(result))  # the seed re-makes it


@pytest.mark.parametrize(
    ("size", "aspect", "expected", "offset"),
    [
        ((90, 60), "16:9", (107, 60), (8, 0)),  # too narrow: wider, half each side
        ((160, 60), "1:1", (160, 160), (0, 50)),  # too wide: taller
        ((60, 90), "4:3", (120, 90), (30, 0)),
    ],
)
def test_outpaint_to_an_aspect_ratio(ctx, size, aspect, expected, offset):
    photo = noise_image(*size, seed=1)
    out = run_tool(
        ctx, "outpaint", image=ctx.store.add("image", photo), aspect=aspect, num_inference_steps=1, seed=0
    )
    result = out.images[0]
    assert result.size == expected
    x, y = offset
    assert np.array_equal(_px(result)[y : y + size[1], x : x + size[0]], _px(photo))


def test_outpaint_says_what_is_wrong_in_one_sentence(ctx):
    image = ctx.store.add("image", noise_image(64, 36))
    with pytest.raises(ToolInputError, match=r"already 16:9"):
        run_tool(ctx, "outpaint", image=image, aspect="16:9")
    with pytest.raises(
        ToolInputError, match=r"over the limit of .* pixels \(limits.max_pixels\); extend less"
    ):
        canvas_for(Input(image="i", left=4000, right=4000), 6000, 4000, 40_000_000)
    tool = default_tools().get("outpaint")
    for bad, words in (
        ({"image": image}, "nothing to extend"),
        ({"image": image, "aspect": "wide"}, "aspect must look like 16:9"),
        ({"image": image, "aspect": "16:9", "left": 5}, "not both"),
        ({"image": image, "left": -3}, "left"),
    ):
        with pytest.raises(ToolInputError, match=words):
            tool.validate(bad)


def test_a_long_band_is_painted_in_tiles_that_cover_it_once() -> None:
    band = Canvas(2000, 160, 0, 100).band((2000, 60))  # a 2000 x 100 band above a wide photo
    pieces = tiles(band, native=64)
    assert len(pieces) > 4  # not one 20:1 crop squeezed into the model's square
    assert np.array_equal(np.maximum.reduce(pieces), band)  # together: the whole band
    assert sum(int((p > 0).sum()) for p in pieces) == int((band > 0).sum())  # no pixel twice
    assert len(tiles(Canvas(100, 160, 0, 100).band((100, 60)), native=64)) == 1


def test_outpaint_along_a_long_edge_keeps_the_photo_and_paints_every_tile(ctx):
    photo = noise_image(400, 40, seed=2)
    seen = []
    ctx = ToolContext(ctx.models, ctx.store, on_progress=lambda p: seen.append((p.step, p.total)))
    out = run_tool(
        ctx, "outpaint", image=ctx.store.add("image", photo), bottom=30, num_inference_steps=1, seed=1
    )
    # one bar over every tile: it climbs to its total once, never restarting per tile
    assert len(seen) > 1 and [s for s, _ in seen] == list(range(1, len(seen) + 1))
    assert {t for _, t in seen} == {len(seen)}
    result = _px(out.images[0])
    assert result.shape == (70, 400, 3) and np.array_equal(result[:40], _px(photo))
    edge = np.repeat(_px(photo)[-1:], 30, axis=0)  # the stretched start, before painting
    far = M.feather(np.full((30, 400), 255, np.uint8), 16) == 255
    changed = np.abs(result[40:].astype(int) - edge).sum(axis=-1) > 0
    for x0 in range(0, 400, 100):  # every stretch along the edge was painted, not only the first
        assert changed[:, x0 : x0 + 100][far[:, x0 : x0 + 100]].mean() > 0.5


# -- restyle -------------------------------------------------------------------------------
def test_restyle_equals_the_plain_img2img_call_on_the_generators_modules(ctx, tiny_registry):
    from diffusers import StableDiffusionImg2ImgPipeline

    photo = noise_image(96, 64, seed=4)
    args = dict(prompt="a pencil sketch", strength=0.7, num_inference_steps=4, guidance_scale=6.0, seed=9)
    ours = run_tool(ctx, "restyle", image=ctx.store.add("image", photo), **args).images[0]
    generator = tiny_registry.get("generator")
    plain = StableDiffusionImg2ImgPipeline(**generator.components)
    plain.set_progress_bar_config(disable=True)
    with torch.inference_mode():
        made = plain(
            prompt=["a pencil sketch"],
            image=[photo.resize((64, 40), Image.LANCZOS)],  # long side at the native 64
            strength=0.7,
            num_inference_steps=4,
            guidance_scale=6.0,
            generator=[torch.Generator("cpu").manual_seed(9)],
        ).images[0]
    assert ours.size == photo.size
    assert np.abs(_px(ours).astype(int) - _px(made.resize((96, 64), Image.LANCZOS))).max() <= 1
    from pixelsmith.tools.restyle import image_to_image

    shared = image_to_image(generator)  # the generator's own modules, no second copy in memory
    assert shared.unet is generator.unet and shared.vae is generator.vae


def test_restyle_candidates_and_strength(ctx):
    image = ctx.store.add("image", noise_image(80, 48, seed=5))
    out = run_tool(
        ctx, "restyle", image=image, prompt="watercolour", num_candidates=2, num_inference_steps=3, seed=3
    )
    assert len(out.images) == 2 and all(i.size == (80, 48) for i in out.images)
    close = run_tool(
        ctx, "restyle", image=image, prompt="watercolour", strength=0.2, num_inference_steps=5, seed=3
    )
    far = run_tool(
        ctx, "restyle", image=image, prompt="watercolour", strength=1.0, num_inference_steps=5, seed=3
    )
    source = _px(ctx.store.image(image)).astype(int)
    assert np.abs(_px(close.images[0]) - source).mean() < np.abs(_px(far.images[0]) - source).mean()


def test_an_outpaint_without_words_is_noted_by_its_seed_alone(make_agent, cat_photo):
    """Captions put a note in parentheses ('on image-2 (seed 7)'): a note of its own in them
    showed '((seed 7))'."""
    agent = make_agent(seed=4, defaults={"num_inference_steps": 2})
    list(agent.send("extend it to the right", cat_photo))
    step = agent.workspace.record.steps[-1]
    assert step.tool == "outpaint" and not step.args.get("prompt")
    assert agent.workspace.artifact(step.outputs[0]).note == f"seed {step.args['seed']}"
