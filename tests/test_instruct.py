"""Issue 12: instruct (InstructPix2Pix, the `editor` role) on the tiny checkpoint: the plain
diffusers call as the oracle, a masked instruction confined to the mask, bad masks in one
sentence, candidates re-made alone from their seeds, the checkpoint loaded once."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from tool_calls import run_tool

from pixelsmith import masks as M
from pixelsmith.errors import ToolInputError, UserError
from pixelsmith.testing import noise_image


def _px(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def test_instruct_equals_the_plain_instructpix2pix_call(ctx, tiny_registry):
    photo = noise_image(100, 60, seed=6)
    args = dict(num_inference_steps=3, guidance_scale=6.0, image_guidance_scale=1.2)
    ours = run_tool(
        ctx, "instruct", image=ctx.store.add("image", photo), prompt="make it winter", seed=4, **args
    ).images[0]
    loads = tiny_registry.load_counts["editor"]  # this run loaded it if no earlier test had
    editor = tiny_registry.get("editor")
    assert (
        type(editor).__name__ == "StableDiffusionInstructPix2PixPipeline"
        and editor.unet.config.in_channels == 8
    )
    with torch.inference_mode():
        plain = editor(
            prompt=["make it winter"],
            image=[photo.resize((64, 40), Image.LANCZOS)],  # the long side at the native 64
            generator=[torch.Generator("cpu").manual_seed(4)],
            **args,
        ).images[0]
    assert ours.size == (100, 60)
    assert np.abs(_px(ours).astype(int) - _px(plain.resize((100, 60), Image.LANCZOS))).max() <= 1
    run_tool(ctx, "instruct", image=ctx.store.add("image", photo), prompt="make it winter", seed=4, **args)
    assert tiny_registry.load_counts["editor"] == loads  # kept: not loaded again per call


def test_a_masked_instruction_changes_only_the_mask(ctx):
    photo = noise_image(120, 80, seed=2)
    mask = np.zeros((80, 120), np.uint8)
    mask[20:50, 60:110] = 255
    out = run_tool(
        ctx,
        "instruct",
        image=ctx.store.add("image", photo),
        mask=ctx.store.add("mask", mask),
        prompt="make the sky stormy",
        blend=4,
        num_inference_steps=2,
        seed=1,
    )
    result, before = _px(out.images[0]), _px(photo)
    outside = M.grow(mask, 4) == 0
    assert np.array_equal(result[outside], before[outside])  # byte-identical outside the grown mask
    assert (result[20:50, 60:110] != before[20:50, 60:110]).mean() > 0.5


def test_candidates_are_re_made_alone_from_their_seeds(ctx):
    image = ctx.store.add("image", noise_image(64, 48, seed=3))
    both = run_tool(
        ctx, "instruct", image=image, prompt="make it night", num_candidates=2, num_inference_steps=2, seed=7
    )
    for seed, made in zip(both.seeds, both.images):
        alone = run_tool(
            ctx, "instruct", image=image, prompt="make it night", num_inference_steps=2, seed=seed
        ).images[0]
        assert np.abs(_px(alone).astype(int) - _px(made)).max() <= 1


@pytest.mark.parametrize(("fill", "words"), [(0, "is empty"), (255, "covers the whole image")])
def test_an_empty_or_full_mask_is_one_sentence(ctx, fill, words):
    image = ctx.store.add("image", noise_image(64, 48))
    mask = ctx.store.add("mask", np.full((48, 64), fill, np.uint8))
    with pytest.raises(ToolInputError, match=words):
        run_tool(ctx, "instruct", image=image, mask=mask, prompt="make it winter", num_inference_steps=1)


def test_a_wrong_size_mask_is_refused(ctx):
    image = ctx.store.add("image", noise_image(64, 48))
    mask = ctx.store.add("mask", np.full((10, 10), 255, np.uint8))
    with pytest.raises(UserError, match="mask is 10x10 but the image is 64x48"):
        run_tool(ctx, "instruct", image=image, mask=mask, prompt="make it winter", num_inference_steps=1)
