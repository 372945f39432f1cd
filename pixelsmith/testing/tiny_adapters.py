"""Adapters for the tiny UNets, laid out as their hub repos are: the LCM-LoRA of preview mode
and the IP-Adapter of reference photos (with its CLIP image encoder)."""

from __future__ import annotations

from pathlib import Path

import torch

# The layers latent-consistency/lcm-lora-sdv1-5 adapts (all but conv_in/conv_out), so the
# tiny LoRA loads into the 4- and the 9-channel UNet alike, as the real one does.
LCM_TARGETS = [
    "to_q", "to_k", "to_v", "to_out.0", "proj_in", "proj_out", "ff.net.0.proj", "ff.net.2",
    "conv1", "conv2", "conv_shortcut", "time_emb_proj",
]  # fmt: skip


def random_lcm_lora(unet, *, rank: int = 4, seed: int = 0) -> dict[str, torch.Tensor]:
    """A random LCM-LoRA for `unet` as a state dict in peft's key format
    (`unet.<layer>.lora_A.weight` / `lora_B.weight`), rank `rank` on every `LCM_TARGETS`
    layer; both matrices are non-zero, so it changes the output as a trained one does."""
    generator, state = torch.Generator().manual_seed(seed), {}
    for name, layer in unet.named_modules():
        if not any(name == t or name.endswith("." + t) for t in LCM_TARGETS):
            continue
        if isinstance(layer, torch.nn.Linear):
            shapes = (rank, layer.in_features), (layer.out_features, rank)
        elif isinstance(layer, torch.nn.Conv2d):
            shapes = (rank, layer.in_channels, *layer.kernel_size), (layer.out_channels, rank, 1, 1)
        else:
            continue
        for part, shape in zip(("lora_A", "lora_B"), shapes):
            state[f"unet.{name}.{part}.weight"] = torch.randn(shape, generator=generator) * 0.05
    return state


def build_lcm_lora(out: Path, unet, *, rank: int = 4, seed: int = 0) -> Path:
    """A random LCM-LoRA for `unet` (the tiny 4-channel UNet), saved as the hub repo lays it out
    (`out/pytorch_lora_weights.safetensors`)."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file(random_lcm_lora(unet, rank=rank, seed=seed), out / "pytorch_lora_weights.safetensors")
    return out


# h94/IP-Adapter's layout: one image encoder (ViT-H/14, 224 px crops) for the SD 1.5 adapter
# and the SDXL "vit-h" one, each adapter a flat safetensors of image_proj.* and ip_adapter.*.
IP_ADAPTER_FILES = {
    "sd": "models/ip-adapter_sd15.safetensors",
    "xl": "sdxl_models/ip-adapter_sdxl_vit-h.safetensors",
}
IMAGE_ENCODER = "models/image_encoder"
IMAGE_TOKENS = 4  # the base IP-Adapter's image tokens per picture


def tiny_image_encoder():
    """A tiny CLIP image encoder with projection, reading 224 px crops as ViT-H/14 does."""
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    config = CLIPVisionConfig(
        hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
        image_size=224, patch_size=32, projection_dim=32,
    )  # fmt: skip
    return CLIPVisionModelWithProjection(config)


def random_ip_adapter(unet, image_dim: int, *, seed: int = 0) -> dict[str, torch.Tensor]:
    """A random IP-Adapter for `unet` in h94's key format: the image projection (image
    embedding to `IMAGE_TOKENS` tokens of the UNet's cross-attention width) and, numbered
    1, 3, 5, ... in the UNet's processor order, each cross-attention's image keys and values."""
    generator, cross = torch.Generator().manual_seed(seed), unet.config.cross_attention_dim
    state = {
        "image_proj.proj.weight": torch.randn(IMAGE_TOKENS * cross, image_dim, generator=generator) * 0.2,
        "image_proj.proj.bias": torch.zeros(IMAGE_TOKENS * cross),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    number = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):  # self-attention: no image tokens
            continue
        hidden = unet.get_submodule(name.removesuffix(".processor")).to_q.out_features
        for part in ("to_k_ip", "to_v_ip"):
            state[f"ip_adapter.{number}.{part}.weight"] = (
                torch.randn(hidden, cross, generator=generator) * 0.2
            )
        number += 2
    return state


def build_ip_adapter(out: Path, *, sd: Path, xl: Path) -> Path:
    """A tiny h94/IP-Adapter folder: the image encoder, and an adapter for the tiny SD 1.5
    inpainter in `sd` and one for the tiny SDXL inpainter in `xl` (their `unet/` read)."""
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file

    encoder = tiny_image_encoder()
    encoder.save_pretrained(out / IMAGE_ENCODER)
    for family, folder in (("sd", sd), ("xl", xl)):
        unet = UNet2DConditionModel.from_pretrained(folder / "unet")
        file = out / IP_ADAPTER_FILES[family]
        file.parent.mkdir(parents=True, exist_ok=True)
        save_file(random_ip_adapter(unet, encoder.config.projection_dim), file)
    return out
