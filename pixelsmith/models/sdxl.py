"""The `sdxl` backend of the inpainter and generator roles: Stable Diffusion XL through
diffusers (`StableDiffusionXLInpaintPipeline`, `StableDiffusionXLPipeline`).

SDXL reads the prompt with two text encoders (CLIP ViT-L and OpenCLIP bigG, the second
also giving a pooled embedding) and is conditioned on the image's size and crop; it works
at 1024 px. The tools call it exactly as they call SD 1.5, so switching a role is one
config line. Where the generator and inpainter are both SDXL, the second one loaded takes
the first one's VAE and both text encoders (their configs agree), as SD 1.5's do.

`vae` on the role's spec swaps the VAE, e.g. `madebyollin/sdxl-vae-fp16-fix`: SDXL's own
VAE overflows to black or NaN images in fp16, the fix does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pixelsmith.config import ModelSpec
from pixelsmith.errors import ModelMissingError
from pixelsmith.families import is_xl
from pixelsmith.models.loaders import (
    LoadContext,
    _finish_pipeline,
    _same,
    from_pretrained,
    register_loader,
)

TEXT_KEYS = ("hidden_size", "num_hidden_layers", "vocab_size", "max_position_embeddings", "projection_dim")
VAE_KEYS = ("latent_channels", "block_out_channels", "scaling_factor", "force_upcast")


def shared_xl_parts(spec: ModelSpec, other: Any) -> dict[str, Any]:
    """The loaded SDXL pipeline `other`'s VAE and text encoders (with their tokenizers) that
    `spec`'s checkpoint can use instead of its own, each only where the configs agree."""
    from diffusers import AutoencoderKL
    from transformers import CLIPTextConfig

    if not is_xl(other):
        return {}
    source = str(Path(spec.model).expanduser()) if spec.is_local else spec.model
    parts: dict[str, Any] = {}
    try:
        vae = AutoencoderKL.load_config(source, subfolder="vae", revision=spec.revision)
        if all(_same(vae.get(k), other.vae.config.get(k)) for k in VAE_KEYS) and not getattr(
            spec, "vae", None
        ):
            parts["vae"] = other.vae
        for encoder, tokenizer in (("text_encoder", "tokenizer"), ("text_encoder_2", "tokenizer_2")):
            config = CLIPTextConfig.from_pretrained(source, subfolder=encoder, revision=spec.revision)
            theirs = getattr(other, encoder).config
            if all(_same(getattr(config, k, None), getattr(theirs, k, None)) for k in TEXT_KEYS):
                parts.update({encoder: getattr(other, encoder), tokenizer: getattr(other, tokenizer)})
    except (OSError, ValueError):  # not there: from_pretrained says so in one sentence
        return {}
    return parts


def _vae(role: str, spec: ModelSpec, registry: LoadContext) -> dict[str, Any]:
    """The VAE named by the spec's `vae` (a hub id or folder), else nothing (the checkpoint's)."""
    name = getattr(spec, "vae", None)
    if not name:
        return {}
    from diffusers import AutoencoderKL

    local = Path(name).expanduser()
    try:
        vae = AutoencoderKL.from_pretrained(
            str(local) if local.exists() else name, dtype=registry.dtype, use_safetensors=True
        )
    except (OSError, ValueError) as err:
        raise ModelMissingError(
            f"the {role} VAE {name!r} cannot be loaded ({type(err).__name__}); run `pixelsmith models "
            f"pull {role}` on a machine with internet access, or set {role}.vae to a local folder"
        ) from err
    return {"vae": vae}


def _kwargs(role: str, spec: ModelSpec, registry: LoadContext, share_from: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = dict(dtype=registry.dtype, use_safetensors=True)
    if registry.settings.generator.share_with_inpainter and registry.is_loaded(share_from):
        kwargs.update(shared_xl_parts(spec, registry.get(share_from)))
    kwargs.update(_vae(role, spec, registry))
    return kwargs


@register_loader("inpainter", "sdxl")
def load_xl_inpainter(spec: ModelSpec, registry: LoadContext):
    """`diffusers/stable-diffusion-xl-1.0-inpainting-0.1` (a 9-channel SDXL UNet)."""
    from diffusers import StableDiffusionXLInpaintPipeline

    loader = StableDiffusionXLInpaintPipeline.from_pretrained
    pipeline = from_pretrained("inpainter", spec, loader, **_kwargs("inpainter", spec, registry, "generator"))
    return _finish_pipeline(pipeline, registry)


@register_loader("generator", "sdxl")
def load_xl_generator(spec: ModelSpec, registry: LoadContext):
    """`stabilityai/stable-diffusion-xl-base-1.0` (the base model; no refiner)."""
    from diffusers import StableDiffusionXLPipeline

    loader = StableDiffusionXLPipeline.from_pretrained
    pipeline = from_pretrained("generator", spec, loader, **_kwargs("generator", spec, registry, "inpainter"))
    return _finish_pipeline(pipeline, registry)
