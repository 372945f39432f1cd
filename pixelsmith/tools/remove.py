"""remove: erase an object and fill the hole with plausible background.

Two backends. `lama` (the default): the eraser role, LaMa through ONNX Runtime, which
continues the surroundings and does not invent new objects; the masked region is cropped
with context, filled at the graph's size (512) and pasted back, every pixel outside the
grown mask byte-identical. `diffusion`: Stable Diffusion inpainting with a "background"
prompt (seeded, slower, sometimes paints something new).
"""

from __future__ import annotations

from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith import masks as M
from pixelsmith.errors import ToolInputError
from pixelsmith.images import check_mask
from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.diffusion import MAX_SEED, DiffusionParams, ImagesOutput
from pixelsmith.tools.inpaint import inpaint_image
from pixelsmith.tools.tool_registry import Tool

FILL_PROMPT = "empty background, seamless natural continuation of the surroundings, high quality"
AVOID = "object, person, animal, text, watermark, frame, blurry, distorted"


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    mask: str = Field(description="Mask id of the object to erase.")
    object: str | None = Field(default=None, max_length=200, description="What is erased, e.g. 'cat'.")
    backend: Literal["lama", "diffusion"] = Field(
        default="lama", description="lama: the eraser model (no new objects); diffusion: SD inpainting."
    )
    grow: int = Field(default=12, ge=0, le=128, description="Pixels the mask grows by first.")
    num_inference_steps: int = Field(default=30, ge=1, le=150, description="diffusion only.")
    guidance_scale: float = Field(default=7.5, ge=0.0, le=30.0, description="diffusion only.")
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="diffusion only.")
    preview: bool = Field(default=False, description="diffusion only: a fast rough draft (LCM-LoRA).")


Output = ImagesOutput


def run(inputs: Input, ctx: ToolContext) -> Output:
    image, mask = ctx.store.image(inputs.image), ctx.store.mask(inputs.mask)
    if inputs.backend == "lama":
        return erase(ctx, image, mask, grow=inputs.grow)
    negative = f"{inputs.object}, {AVOID}" if inputs.object else AVOID
    params = DiffusionParams(
        prompt=FILL_PROMPT,
        negative_prompt=negative,
        seed=inputs.seed,
        guidance_scale=inputs.guidance_scale,
        num_inference_steps=inputs.num_inference_steps,
        preview=inputs.preview,
    )
    return inpaint_image(ctx, image, mask, params, blend=inputs.grow, tool="remove")


def erase(ctx: ToolContext, image: Image.Image, mask, *, grow: int) -> ImagesOutput:
    """Fill the grown mask with the eraser model; outside it the input's own bytes."""
    image, mask = image.convert("RGB"), check_mask(mask, image)
    inside = M.binary(mask)
    if not inside.any():
        raise ToolInputError("remove: the mask is empty; segment the object or grow the mask")
    grown = M.grow(mask, grow)
    if M.binary(grown).all():
        raise ToolInputError("remove: the mask covers the whole image; there is nothing left to fill from")
    eraser = ctx.models.get("eraser")
    box = M.crop_box(grown)
    crop, hole = image.crop(box), grown[box[1] : box[3], box[0] : box[2]]
    filled = eraser.fill(crop, hole)
    ctx.check_cancelled()
    return ImagesOutput([M.paste(image, filled, hole, box)], [None], [None])


def _roles(args: dict) -> tuple[str, ...]:
    return ("inpainter",) if args.get("backend") == "diffusion" else ("eraser",)


TOOL = Tool(
    "remove",
    Input,
    Output,
    description("remove"),
    run,
    roles=(),
    extra_roles=_roles,
    makes="image",
    edits_image=True,
    title="Remove",
)
