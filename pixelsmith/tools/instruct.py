"""instruct: an edit said as an instruction ("make it winter", "make the sky stormy"),
by InstructPix2Pix (the `editor` role), on the whole image or inside a mask.

Any size and aspect ratio: the image (or the mask's region with context) is brought to
the model's working size, its long side at the native size (512 for the real model: a
4000 px photo is edited at 512 and brought back, so fine detail is the model's, not the
photo's), and brought back. Inside a mask, the result is pasted through the grown,
feathered mask, so every pixel outside it is byte-identical to the input.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith import masks as M
from pixelsmith.errors import ToolInputError
from pixelsmith.images import check_mask
from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.diffusion import (
    MAX_SEED,
    ImagesOutput,
    candidate_seeds,
    concept_applied,
    device_errors,
    generators,
    native_size,
    rank,
    resolve_seed,
    step_callback,
)
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id to edit, e.g. image-1.")
    prompt: str = Field(min_length=1, max_length=1000, description="The instruction, e.g. 'make it winter'.")
    mask: str | None = Field(default=None, description="Mask id: edit only there (else the whole image).")
    negative_prompt: str = Field(default="", max_length=1000, description="What to avoid.")
    guidance_scale: float = Field(default=7.5, ge=0.0, le=30.0, description="How closely to follow the text.")
    image_guidance_scale: float = Field(
        default=1.5, ge=0.0, le=10.0, description="How closely to keep the photo (higher: more of it)."
    )
    num_inference_steps: int = Field(default=20, ge=1, le=150, description="Denoising steps.")
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="Same seed, same pixels.")
    num_candidates: int = Field(default=1, ge=1, le=8, description="Images to make in one batch.")
    blend: int = Field(default=8, ge=0, le=128, description="Pixels the mask grows by for a soft seam.")


Output = ImagesOutput


def run(inputs: Input, ctx: ToolContext) -> Output:
    import torch

    image = ctx.store.image(inputs.image).convert("RGB")
    box, alpha = (0, 0, image.width, image.height), None
    if inputs.mask:
        box, alpha = _region(check_mask(ctx.store.mask(inputs.mask), image), inputs.blend, inputs.mask)
    pipeline = ctx.models.get("editor")
    crop = image.crop(box)
    work = M.work_size(crop.width, crop.height, native_size(pipeline))
    seed, n = resolve_seed(inputs.seed), inputs.num_candidates
    with (
        device_errors("instruct"),
        torch.inference_mode(),
        concept_applied(ctx, pipeline, inputs.prompt, None, "editor"),  # the pipeline's lock
    ):
        result = pipeline(
            prompt=[inputs.prompt] * n,
            negative_prompt=[inputs.negative_prompt] * n if inputs.negative_prompt else None,
            image=[crop.resize(work, Image.LANCZOS)] * n,
            guidance_scale=inputs.guidance_scale,
            image_guidance_scale=inputs.image_guidance_scale,
            num_inference_steps=inputs.num_inference_steps,
            generator=generators(seed, n),
            callback_on_step_end=step_callback(ctx, "instruct", inputs.num_inference_steps),
        )
    ctx.check_cancelled()
    made = [out.resize(crop.size, Image.LANCZOS) for out in result.images]
    if alpha is not None:  # only inside the mask; outside, the input's own bytes
        made = [M.paste(image, out, alpha[box[1] : box[3], box[0] : box[2]], box) for out in made]
    return rank(ctx, ImagesOutput(made, [None] * n, candidate_seeds(seed, n)), inputs.prompt)


def _region(mask: np.ndarray, blend: int, name: str) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The box to edit (the grown mask with context) and the paste-back alpha."""
    inside = M.binary(mask)
    if not inside.any():
        raise ToolInputError(f"instruct: {name} is empty; segment the part to change, or leave out the mask")
    if inside.all():
        raise ToolInputError(f"instruct: {name} covers the whole image; leave out the mask to edit all of it")
    grown = M.grow(mask, blend)
    return M.crop_box(grown), (M.feather(grown, blend) if blend else M.to_uint8(inside))


TOOL = Tool(
    "instruct",
    Input,
    Output,
    description("instruct"),
    run,
    roles=("editor", "ranker"),
    makes="image",
    edits_image=True,
    title="Instruct",
)
