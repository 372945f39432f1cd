"""Which Stable Diffusion family a loaded pipeline is: SD 1.x/2.x or SDXL. A concept's LoRA
fits only its own family; the SDXL backend shares parts only with SDXL pipelines. Duck-typed
(SDXL pipelines have a second text encoder), so this base module imports no torch."""

from __future__ import annotations

from typing import Any

FAMILIES = {"sd": "Stable Diffusion 1.x/2.x", "sdxl": "SDXL"}


def is_xl(pipeline: Any) -> bool:
    """Whether `pipeline` is an SDXL pipeline (two text encoders, size conditioning)."""
    return getattr(pipeline, "text_encoder_2", None) is not None and hasattr(pipeline, "unet")  # not FLUX


def family_of(pipeline: Any) -> str:
    """The model family a concept's LoRA must match: "sdxl" or "sd"."""
    return "sdxl" if is_xl(pipeline) else "sd"
