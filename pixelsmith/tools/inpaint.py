"""inpaint: repaint the masked part of an image from a prompt (Stable Diffusion).

Any size and aspect ratio: the masked region is cropped with context, worked at the
model's native size, and pasted back through a feathered mask, so every pixel outside
the grown mask is byte-identical to the input. A reference photo ("replace the cat with the
dog from this photo") steers what is painted through the IP-Adapter (`reference` settings).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    references: list[str] = Field(
        default_factory=list,
        max_length=1,
        description="Image id of a reference photo the user gave: what to paint looks like it "
        "('replace the cat with the dog from this photo').",
    )


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
    reference: Image.Image | None = None,
) -> ImagesOutput:
    """Inpaint `image` where `mask` is set, looking like `reference` when one is given;
    candidates come back best first. `part` (index, count) places this call's progress on one
    bar with the tool's other calls."""
    import torch

    mask = check_mask(mask, image)
    if not M.binary(mask).any():
        raise ToolInputError(f"{tool}: the mask is empty; segment the object or grow the mask")
    if reference is not None and params.preview:
        raise ToolInputError(
            f"{tool}: a preview cannot use a reference photo; leave out preview, or the reference"
        )
    pipeline = ctx.models.get("inpainter")
    adapter = ctx.models.ip_adapter("inpainter")[1] if reference is not None else None
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
        reference_on(ctx, run.pipeline, adapter, reference) as steer,
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
            **steer,
        )
    ctx.check_cancelled()
    # 4. Back to the crop's size and pasted through the alpha: outside stays exact.
    crop_alpha = alpha[box[1] : box[3], box[0] : box[2]]
    images = [M.paste(image, out.resize(crop.size, Image.LANCZOS), crop_alpha, box) for out in result.images]
    output = ImagesOutput(images, [None] * n, candidate_seeds(seed, n))
    return rank(ctx, output, params.prompt)


@contextmanager
def reference_on(
    ctx: ToolContext, pipeline: Any, adapter: Any, reference: Image.Image | None
) -> Iterator[dict]:
    """The pipeline call's reference arguments, with the IP-Adapter switched on for the block
    (under the pipeline's lock, which `prepared` holds); none without a reference."""
    if reference is None:
        yield {}
        return
    from pixelsmith.models.ip_adapter import switched_on

    with switched_on(pipeline, adapter, scale=ctx.settings.reference.scale):
        yield {"ip_adapter_image": reference.convert("RGB")}


def run(inputs: Input, ctx: ToolContext) -> Output:
    image = ctx.store.image(inputs.image)
    mask = ctx.store.mask(inputs.mask)
    reference = ctx.store.image(inputs.references[0]) if inputs.references else None
    return inpaint_image(
        ctx, image, mask, inputs, strength=inputs.strength, blend=inputs.blend, reference=reference
    )


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
