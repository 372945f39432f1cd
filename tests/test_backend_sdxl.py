"""Issue 13: the `sdxl` backend of the generator and inpainter on tiny SDXL checkpoints:
the plain diffusers SDXL pipelines as oracles, the VAE and both text encoders shared
between the two roles, the inpaint crop pasted back with every outside pixel unchanged,
previews with the SDXL LCM-LoRA, and a chat turn with both roles switched in config."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from tool_calls import run_tool

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.config import load_settings
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace


@pytest.fixture(scope="module")
def settings(tiny_config, tiny_dir):
    return load_settings(
        tiny_config,
        generator={"model": str(tiny_dir / "sdxl"), "backend": "sdxl"},
        inpainter={"model": str(tiny_dir / "sdxl-inpaint"), "backend": "sdxl"},
        preview={"lcm_lora": str(tiny_dir / "lcm-lora"), "lcm_lora_xl": str(tiny_dir / "lcm-lora-xl")},
    )


@pytest.fixture(scope="module")
def registry(settings):
    return ModelRegistry(settings)


@pytest.fixture
def tool_models(registry):
    """`ctx` runs the tools on the SDXL registry."""
    return registry


def _px(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def test_the_two_sdxl_roles_share_vae_and_both_text_encoders(registry):
    from diffusers import StableDiffusionXLInpaintPipeline, StableDiffusionXLPipeline

    generator, inpainter = registry.get("generator"), registry.get("inpainter")
    assert isinstance(generator, StableDiffusionXLPipeline)
    assert isinstance(inpainter, StableDiffusionXLInpaintPipeline)
    for part in ("vae", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2"):
        assert getattr(generator, part) is getattr(inpainter, part), part
    assert generator.unet is not inpainter.unet and inpainter.unet.config.in_channels == 9


def test_generate_equals_the_plain_sdxl_pipeline_call(ctx, tiny_dir):
    from diffusers import StableDiffusionXLPipeline

    ours = run_tool(ctx, "generate", prompt="a lighthouse at dusk", num_inference_steps=3, seed=7).images[0]
    plain = StableDiffusionXLPipeline.from_pretrained(tiny_dir / "sdxl")
    plain.set_progress_bar_config(disable=True)
    with torch.inference_mode():
        made = plain(
            prompt="a lighthouse at dusk", width=64, height=64, guidance_scale=7.5, num_inference_steps=3,
            num_images_per_prompt=1, generator=[torch.Generator("cpu").manual_seed(7)],
        ).images[0]  # fmt: skip
    assert ours.size == made.size == (64, 64)  # SDXL's native size, scaled like the tiny UNet
    assert np.abs(_px(ours) - _px(made)).max() <= 1


def test_inpaint_equals_the_plain_sdxl_call_on_the_crop_and_keeps_the_outside(ctx, tiny_dir):
    from diffusers import StableDiffusionXLInpaintPipeline

    photo = noise_image(64, 64, seed=3)  # the native size: the crop is the whole photo, unscaled
    mask = np.zeros((64, 64), np.uint8)
    mask[16:48, 8:40] = 255
    image, mask_id = ctx.store.add("image", photo), ctx.store.add("mask", mask)
    ours = run_tool(ctx, "inpaint", image=image, mask=mask_id, prompt="a red ball", num_inference_steps=3,
                seed=5, blend=0)  # fmt: skip
    plain = StableDiffusionXLInpaintPipeline.from_pretrained(tiny_dir / "sdxl-inpaint")
    plain.set_progress_bar_config(disable=True)
    with torch.inference_mode():
        made = plain(
            prompt=["a red ball"], image=[photo], mask_image=[Image.fromarray(mask)], width=64, height=64,
            strength=1.0, guidance_scale=7.5, num_inference_steps=3,
            generator=[torch.Generator("cpu").manual_seed(5)],
        ).images[0]  # fmt: skip
    result, inside = _px(ours.images[0]), mask > 0
    assert np.array_equal(result[~inside], _px(photo)[~inside])  # byte-identical outside
    assert np.abs(result[inside] - _px(made)[inside]).max() <= 1


def test_a_large_non_square_photo_is_inpainted_at_native_size_and_pasted_back(ctx):
    photo = noise_image(420, 180, seed=1)
    mask = np.zeros((180, 420), np.uint8)
    mask[100:170, 300:400] = 255
    out = run_tool(ctx, "inpaint", image=ctx.store.add("image", photo), mask=ctx.store.add("mask", mask),
               prompt="a boat", num_inference_steps=2, seed=1)  # fmt: skip
    from pixelsmith import masks as M

    grown = M.binary(M.grow(mask, 8))
    result = _px(out.images[0])
    assert out.images[0].size == (420, 180)
    assert np.array_equal(result[~grown], _px(photo)[~grown]) and not np.array_equal(result, _px(photo))


def test_previews_use_the_sdxl_lcm_lora(ctx, registry):
    photo = ctx.store.add("image", noise_image(80, 64, seed=2))
    mask = np.zeros((64, 80), np.uint8)
    mask[10:50, 10:60] = 255
    out = run_tool(
        ctx, "inpaint", image=photo, mask=ctx.store.add("mask", mask), prompt="a cat", preview=True, seed=1
    )
    assert out.images[0].size == (80, 64)
    assert registry.load_counts["inpainter preview"] == 1 and registry.lcm_lora(xl=True) is registry.lcm_lora(
        xl=True
    )


def test_restyle_and_outpaint_run_on_sdxl(ctx):
    photo = ctx.store.add("image", noise_image(90, 60, seed=4))
    restyled = run_tool(ctx, "restyle", image=photo, prompt="a watercolour", num_inference_steps=2, seed=3)
    wider = run_tool(ctx, "outpaint", image=photo, prompt="more sea", right=30, num_inference_steps=1, seed=3)
    assert restyled.images[0].size == (90, 60) and wider.images[0].size == (120, 60)
    assert np.array_equal(_px(wider.images[0])[:, :90], _px(noise_image(90, 60, seed=4)))


def test_a_chat_turn_with_both_roles_on_sdxl(settings, registry):
    agent = Agent(
        Workspace.create(settings.data_dir), registry, planner=make_planner(settings, "offline"), seed=2
    )
    events = list(agent.send("replace the cat with a dog, 2 steps", image=noise_image(160, 96)))
    assert not [e for e in events if isinstance(e, ev.ErrorEvent)]
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)][-1] == "inpaint"
    events = list(agent.send("generate a lighthouse at dusk, 2 steps"))
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["generate"]
