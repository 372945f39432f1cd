"""Preview mode (LCM-LoRA, few steps) on the tiny checkpoints and a tiny random LCM-LoRA."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pixelsmith.agent.normalise import normalise
from pixelsmith.config import PreviewSettings
from pixelsmith.errors import ModelMissingError
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.tools import MemoryStore, ToolContext, default_tools

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _call(ctx: ToolContext, name: str, **arguments):
    tool = default_tools().get(name)
    return tool.run(tool.validate(arguments), ctx)


def _lora_keys(pipeline) -> list[str]:
    return [k for k in pipeline.unet.state_dict() if "lora" in k]


def _steps(ctx: ToolContext) -> list[int]:
    seen: list[int] = []
    ctx.on_progress = lambda p: seen.append(p.total)
    return seen


@pytest.mark.parametrize("tool", ["generate", "inpaint"])
def test_a_preview_runs_the_lcm_steps_on_its_own_unet_copy(tiny_registry, tool):
    store = MemoryStore()
    image = store.add("image", noise_image(96, 64, seed=1))
    mask = np.zeros((64, 96), bool)
    mask[16:48, 24:72] = True
    args = dict(prompt="a lighthouse", seed=3, num_inference_steps=4, guidance_scale=1.0)
    if tool == "inpaint":
        args |= dict(image=image, mask=store.add("mask", mask))
    role = "generator" if tool == "generate" else "inpainter"
    ctx = ToolContext(tiny_registry, store)
    pipeline = tiny_registry.get(role)
    weights = {k: v.clone() for k, v in pipeline.unet.state_dict().items()}
    plain = np.asarray(_call(ctx, tool, **args).images[0])
    totals = _steps(ctx)
    draft = np.asarray(_call(ctx, tool, **args, preview=True).images[0])
    assert set(totals) == {4}  # the preview's steps, reported as progress
    assert np.abs(draft.astype(int) - plain).max() > 0  # the LCM-LoRA and scheduler were in
    # The preview pipeline: the LoRA fused into a UNet copy, the rest shared.
    preview = tiny_registry.preview_pipeline(role)
    assert type(preview.scheduler).__name__ == "LCMScheduler" and not _lora_keys(preview)
    assert preview.unet is not pipeline.unet and preview.vae is pipeline.vae
    assert preview.text_encoder is pipeline.text_encoder
    fused = preview.unet.state_dict()
    assert fused.keys() == weights.keys()
    changed = [k for k, v in fused.items() if not torch.equal(v, weights[k])]
    assert any("conv1" in k for k in changed) and any("attn1.to_q" in k for k in changed)
    # The shared pipeline is untouched: same weights, scheduler, pixels.
    assert type(pipeline.scheduler).__name__ != "LCMScheduler" and not _lora_keys(pipeline)
    assert all(torch.equal(v, weights[k]) for k, v in pipeline.unet.state_dict().items())
    assert np.array_equal(np.asarray(_call(ctx, tool, **args).images[0]), plain)
    # A second preview repeats the first exactly; nothing is read or built again.
    assert np.array_equal(np.asarray(_call(ctx, tool, **args, preview=True).images[0]), draft)
    assert tiny_registry.load_counts["lcm_lora"] == 1
    assert tiny_registry.load_counts[f"{role} preview"] == 1


def test_the_preview_copy_is_dropped_with_its_role_and_counts_in_the_budget(tiny_settings):
    registry = ModelRegistry(tiny_settings)
    preview = registry.preview_pipeline("generator")
    assert registry.sizes["generator preview"] > 0
    registry.unload("generator")
    assert "generator preview" not in registry.sizes
    assert registry.preview_pipeline("generator") is not preview
    assert registry.load_counts["generator preview"] == 2 and registry.load_counts["lcm_lora"] == 1


def test_preview_steps_and_guidance_come_from_the_settings(tiny_settings):
    settings = tiny_settings.model_copy(
        update={"preview": tiny_settings.preview.model_copy(update={"steps": 2, "guidance_scale": 1.5})}
    )
    ctx = ToolContext(ModelRegistry(settings), MemoryStore())
    totals = _steps(ctx)
    _call(ctx, "generate", prompt="a lighthouse", seed=1, num_inference_steps=30, preview=True)
    assert set(totals) == {2}


def test_a_missing_lcm_lora_is_one_sentence_naming_it_and_the_fix(tiny_settings, tmp_path):
    hub = tiny_settings.model_copy(update={"preview": PreviewSettings(lcm_lora="nobody/no-such-lcm-lora")})
    ctx = ToolContext(ModelRegistry(hub), MemoryStore())
    with pytest.raises(ModelMissingError) as caught:
        _call(ctx, "generate", prompt="a lighthouse", seed=1, preview=True)
    message = str(caught.value)
    assert "'nobody/no-such-lcm-lora'" in message and "pixelsmith models pull preview" in message
    assert "\n" not in message
    folder = tiny_settings.model_copy(update={"preview": PreviewSettings(lcm_lora=str(tmp_path / "gone"))})
    with pytest.raises(ModelMissingError, match="gone"):
        ModelRegistry(folder).lcm_lora()
    corrupt = tmp_path / "lcm.safetensors"
    corrupt.write_bytes(b"not a safetensors file")
    broken = tiny_settings.model_copy(update={"preview": PreviewSettings(lcm_lora=str(corrupt))})
    with pytest.raises(ModelMissingError, match="SafetensorError"):
        ModelRegistry(broken).lcm_lora()


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("replace the cat with a dragon as a quick preview", "replace the cat with a dragon"),
        ("a rough draft of a lighthouse at night", "a lighthouse at night"),
        ("remove the dog in preview mode", "remove the dog"),
        ("generate a castle, fast mode", "generate a castle"),
    ],
)
def test_the_offline_planner_hears_preview_requests(message, text):
    request = normalise(message)
    assert request.params.get("preview") is True and request.text == text
