"""Issue 27 item 2: `editor.quantize = "int8"` loads a flow editor's transformer and large
text encoder with int8 weights (torchao, weight-only, through diffusers' quantisation
config): the plain diffusers call with the same config is the oracle, the memory budget
counts the int8 bytes, and what cannot be quantised says so in one sentence."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from PIL import Image

from pixelsmith.config import load_settings
from pixelsmith.errors import UserError
from pixelsmith.models import ModelRegistry
from pixelsmith.models.editors import int8_config
from pixelsmith.testing import noise_image
from pixelsmith.tools import MemoryStore, ToolContext, default_tools
from pixelsmith.tools.editing import work_size

AREA = 64 * 64
LARGE_TEXT_ENCODER = {"flux2-klein": "text_encoder", "flux-kontext": "text_encoder_2"}


def _registry(tiny_config, tiny_dir, backend: str, quantize: str = "int8") -> ModelRegistry:
    editor = {"backend": backend, "model": str(tiny_dir / backend), "max_pixels": AREA, "quantize": quantize}
    return ModelRegistry(load_settings(tiny_config, editor=editor))


def _linears(module: torch.nn.Module) -> list[torch.nn.Linear]:
    """The linear layers quantised: all but a language model's head (transformers keeps it)."""
    return [m for n, m in module.named_modules() if isinstance(m, torch.nn.Linear) and n != "lm_head"]


def _int8(module: torch.nn.Module) -> bool:
    linears = _linears(module)
    return bool(linears) and all(type(m.weight).__name__ == "Int8Tensor" for m in linears)


@pytest.mark.parametrize("backend", ["flux2-klein", "flux-kontext"])
def test_int8_weights_in_the_transformer_and_large_text_encoder_counted(tiny_config, tiny_dir, backend):
    registry = _registry(tiny_config, tiny_dir, backend)
    pipeline = registry.get("editor")
    quantised = [pipeline.transformer, getattr(pipeline, LARGE_TEXT_ENCODER[backend])]
    assert all(_int8(part) for part in quantised)
    full = _registry(tiny_config, tiny_dir, backend, quantize="none")
    full.get("editor")
    # a weight at one byte in place of fp32's four: the budget sees the int8 bytes (and scales)
    weights = sum(m.weight.numel() for part in quantised for m in _linears(part))
    assert full.sizes["editor"] - registry.sizes["editor"] > 2.5 * weights


def test_an_int8_edit_equals_the_plain_call_with_the_same_quantisation(tiny_config, tiny_dir):
    from diffusers import Flux2KleinPipeline

    registry = _registry(tiny_config, tiny_dir, "flux2-klein")
    ctx = ToolContext(registry, MemoryStore())
    photo = noise_image(120, 72, seed=3)
    tool = default_tools().get("instruct")
    args = {
        "image": ctx.store.add("image", photo),
        "prompt": "make it winter",
        "seed": 5,
        "num_inference_steps": 2,
    }
    ours = tool.run(tool.validate(args), ctx).images[0]
    plain = Flux2KleinPipeline.from_pretrained(
        tiny_dir / "flux2-klein", quantization_config=int8_config("flux2-klein"), torch_dtype=torch.float32
    )
    plain.set_progress_bar_config(disable=True)
    work = work_size("flux2-klein", plain, photo.size, AREA)
    with torch.inference_mode():
        made = plain(image=[photo.resize(work, Image.LANCZOS)], prompt="make it winter", guidance_scale=1.0,
                     num_inference_steps=2, height=work[1], width=work[0],
                     generator=[torch.Generator("cpu").manual_seed(5)]).images[0]  # fmt: skip
    made = made.resize(photo.size, Image.LANCZOS)
    px = lambda image: np.asarray(image.convert("RGB")).astype(int)  # noqa: E731
    assert np.abs(px(ours) - px(made)).max() <= 1


def test_what_cannot_be_quantised_is_one_sentence(tiny_config, tiny_dir, monkeypatch):
    ip2p = ModelRegistry(load_settings(tiny_config, editor={"quantize": "int8"}))
    with pytest.raises(UserError, match="editor.quantize is for the flow editors"):
        ip2p.get("editor")
    monkeypatch.setitem(sys.modules, "torchao.quantization", None)  # torchao not installed
    with pytest.raises(UserError, match=r"needs torchao; install it \(pip install torchao"):
        _registry(tiny_config, tiny_dir, "flux2-klein").get("editor")


def test_the_int8_memory_column_comes_from_the_real_configs():
    from pixelsmith.testing.full_editors import editor_sizes, int8_bytes

    bf16 = {b: sum(parts.values()) * 2 for b, parts in editor_sizes().items()}
    int8 = {b: sum(parts.values()) for b, parts in int8_bytes().items()}
    assert int8["diffusers"] == bf16["diffusers"]  # InstructPix2Pix is not quantised
    for backend in ("flux-kontext", "qwen-image-edit", "flux2-klein"):
        assert 0.45 < int8[backend] / bf16[backend] < 0.6, backend
    assert 15 * 2**30 < int8["flux-kontext"] < 17 * 2**30  # fits a 24 GB card with room
