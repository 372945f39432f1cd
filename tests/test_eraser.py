"""Issue 12: removal with the eraser (LaMa as an ONNX graph through ONNX Runtime) on the
tiny graph `tiny-models` writes: the plain onnxruntime call as the oracle, pixels outside
the grown mask byte-identical on a non-square photo, the same result every time, bad masks
and a missing model in one sentence, and the diffusion backend still there."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tool_calls import run_tool

from pixelsmith import masks as M
from pixelsmith.config import load_settings
from pixelsmith.errors import ModelMissingError, ToolInputError
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.tools import ToolContext, default_tools


def _photo_and_mask(ctx: ToolContext):
    photo = noise_image(300, 140, seed=4)
    mask = np.zeros((140, 300), np.uint8)
    mask[40:90, 180:240] = 255
    return photo, mask, ctx.store.add("image", photo), ctx.store.add("mask", mask)


def test_the_eraser_fills_only_the_grown_mask_as_the_plain_onnx_call_does(ctx, tiny_registry):
    import onnxruntime as ort

    photo, mask, image_id, mask_id = _photo_and_mask(ctx)
    out = run_tool(ctx, "remove", image=image_id, mask=mask_id, grow=6)
    result, before = np.asarray(out.images[0]), np.asarray(photo)
    assert out.images[0].size == (300, 140) and out.seeds == [None]
    grown = M.grow(mask, 6)
    assert np.array_equal(result[grown == 0], before[grown == 0])  # byte-identical outside

    # the oracle: the graph run directly on the same crop, at its 512x512 input
    folder = tiny_registry.settings.eraser.model
    session = ort.InferenceSession(f"{folder}/lama_fp32.onnx", providers=["CPUExecutionProvider"])
    x0, y0, x1, y1 = M.crop_box(grown)
    crop = photo.crop((x0, y0, x1, y1)).resize((512, 512), Image.BICUBIC)
    hole = Image.fromarray(grown[y0:y1, x0:x1]).resize((512, 512), Image.NEAREST)
    feeds = {
        "image": (np.asarray(crop, np.float32) / 255).transpose(2, 0, 1)[None],
        "mask": (np.asarray(hole) > 127).astype(np.float32)[None, None],
    }
    (plain,) = session.run(None, feeds)
    plain = Image.fromarray(np.rint(np.clip(plain[0].transpose(1, 2, 0), 0, 255)).astype(np.uint8))
    expected = np.asarray(plain.resize((x1 - x0, y1 - y0), Image.BICUBIC))
    inside = grown[y0:y1, x0:x1] > 0
    assert np.abs(result[y0:y1, x0:x1][inside].astype(int) - expected[inside]).max() <= 1
    again = run_tool(ctx, "remove", image=image_id, mask=mask_id, grow=6)
    assert np.array_equal(np.asarray(again.images[0]), result)  # no randomness


@pytest.mark.parametrize(("fill", "words"), [(0, "the mask is empty"), (255, "covers the whole image")])
def test_an_empty_or_full_mask_is_one_sentence(ctx, fill, words):
    image_id = ctx.store.add("image", noise_image(64, 48))
    mask_id = ctx.store.add("mask", np.full((48, 64), fill, np.uint8))
    with pytest.raises(ToolInputError, match=words):
        run_tool(ctx, "remove", image=image_id, mask=mask_id)


def test_a_missing_eraser_says_how_to_get_it(tiny_config, tmp_path):
    settings = load_settings(tiny_config)
    settings = settings.model_copy(
        update={"eraser": settings.eraser.model_copy(update={"model": str(tmp_path / "nowhere")})}
    )
    with pytest.raises(ModelMissingError, match=r"eraser model folder .*nowhere does not exist"):
        ModelRegistry(settings).get("eraser")
    empty = tmp_path / "empty"
    empty.mkdir()
    settings = settings.model_copy(
        update={"eraser": settings.eraser.model_copy(update={"model": str(empty)})}
    )
    with pytest.raises(ModelMissingError, match="has no lama_fp32.onnx"):
        ModelRegistry(settings).get("eraser")


def test_the_diffusion_backend_uses_the_inpainter_not_the_eraser(ctx):
    tool = default_tools().get("remove")
    assert tool.roles_used({"backend": "diffusion"}) == ["inpainter"]
    assert tool.roles_used({}) == ["eraser"]
    _, _, image_id, mask_id = _photo_and_mask(ctx)
    out = run_tool(
        ctx, "remove", image=image_id, mask=mask_id, backend="diffusion", num_inference_steps=2, seed=3
    )
    assert out.seeds == [3]
