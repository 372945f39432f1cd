"""inpaint: repaint the masked part of an image from a prompt (Stable Diffusion).

Any size and aspect ratio: the masked region is cropped with context, worked at the
model's native size, and pasted back through a feathered mask, so every pixel outside
the grown mask is byte-identical to the input.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from pydantic import ConfigDict, Field

from pixelsmith import masks as M
from pixelsmith.errors import ToolInputError
from pixelsmith.images import check_mask
from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.diffusion import (
    DiffusionParams,
    ImagesOutput,
    candidate_seeds,
    device_errors,
    generators,
    native_size,
    prepared,
    rank,
    resolve_seed,
    step_callback,
)
from pixelsmith.tools.tool_registry import Tool


class Input(DiffusionParams):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id to edit, e.g. image-1.")
    mask: str = Field(description="Mask id: white = repaint, e.g. mask-1.")
    strength: float = Field(default=1.0, gt=0.0, le=1.0, description="1 = replace fully.")
    blend: int = Field(default=8, ge=0, le=128, description="Pixels the mask grows by for a soft seam.")


Output = ImagesOutput


def inpaint_image(
    ctx: ToolContext,
    image: Image.Image,
    mask: np.ndarray,
    params: DiffusionParams,
    *,
    strength: float = 1.0,
    blend: int = 8,
    tool: str = "inpaint",
    part: tuple[int, int] = (0, 1),
) -> ImagesOutput:
    """Inpaint `image` where `mask` is set; candidates come back best first. `part` (index,
    count) places this call's progress on one bar with the tool's other calls."""
    import torch

    mask = check_mask(mask, image)
    if not M.binary(mask).any():
        raise ToolInputError(f"{tool}: the mask is empty; segment the object or grow the mask")
    pipeline = ctx.models.get("inpainter")
    # 1. Grow the mask for a seam, and ramp the paste-back alpha across that band.
    grown = M.grow(mask, blend)
    alpha = M.feather(grown, blend) if blend else M.to_uint8(M.binary(mask))
    # 2. Crop the grown region with context and bring it to the model's native size.
    box = M.crop_box(grown)
    crop = image.crop(box)
    work_w, work_h = M.work_size(crop.width, crop.height, native_size(pipeline))
    crop_in = crop.resize((work_w, work_h), Image.LANCZOS)
    mask_in = Image.fromarray(grown[box[1] : box[3], box[0] : box[2]]).resize((work_w, work_h), Image.NEAREST)
    # 3. All candidates in one batch, one generator each. The image is repeated per
    # candidate (not num_images_per_prompt) so that its VAE sample is drawn from that
    # candidate's generator: candidate i is then the same when re-made alone with seed + i.
    seed = resolve_seed(params.seed)
    n = params.num_candidates
    with (
        device_errors(tool),
        torch.inference_mode(),
        prepared(ctx, pipeline, params, "inpainter", strength=strength) as run,
    ):
        result = run.pipeline(
            prompt=[run.prompt] * n,
            negative_prompt=[params.negative_prompt] * n if params.negative_prompt else None,
            image=[crop_in] * n,
            mask_image=[mask_in] * n,
            width=work_w,
            height=work_h,
            strength=strength,
            guidance_scale=run.guidance_scale,
            num_inference_steps=run.steps,
            num_images_per_prompt=1,
            generator=generators(seed, n),
            callback_on_step_end=step_callback(ctx, tool, run.steps, part),
        )
    ctx.check_cancelled()
    # 4. Back to the crop's size and pasted through the alpha: outside stays exact.
    crop_alpha = alpha[box[1] : box[3], box[0] : box[2]]
    images = [M.paste(image, out.resize(crop.size, Image.LANCZOS), crop_alpha, box) for out in result.images]
    output = ImagesOutput(images, [None] * n, candidate_seeds(seed, n))
    return rank(ctx, output, params.prompt)


def run(inputs: Input, ctx: ToolContext) -> Output:
    image = ctx.store.image(inputs.image)
    mask = ctx.store.mask(inputs.mask)
    return inpaint_image(ctx, image, mask, inputs, strength=inputs.strength, blend=inputs.blend)


TOOL = Tool(
    "inpaint",
    Input,
    Output,
    description("inpaint"),
    run,
    roles=("inpainter", "ranker"),
    makes="image",
    edits_image=True,
    title="Repaint",
)
