"""remove: erase an object and fill the hole with plausible background.

Kept apart from `inpaint` so a dedicated eraser (LaMa, MAT) can replace it later.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.diffusion import MAX_SEED, DiffusionParams, ImagesOutput
from pixelsmith.tools.inpaint import inpaint_image
from pixelsmith.tools.registry import Tool

FILL_PROMPT = "empty background, seamless natural continuation of the surroundings, high quality"
AVOID = "object, person, animal, text, watermark, frame, blurry, distorted"


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    mask: str = Field(description="Mask id of the object to erase.")
    object: str | None = Field(default=None, max_length=200, description="What is erased, e.g. 'cat'.")
    grow: int = Field(default=12, ge=0, le=128, description="Pixels the mask grows by first.")
    num_inference_steps: int = Field(default=30, ge=1, le=150)
    guidance_scale: float = Field(default=7.5, ge=0.0, le=30.0)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    preview: bool = Field(default=False, description="A fast rough draft in a few steps (LCM-LoRA).")


Output = ImagesOutput


def run(inputs: Input, ctx: ToolContext) -> Output:
    negative = f"{inputs.object}, {AVOID}" if inputs.object else AVOID
    params = DiffusionParams(
        prompt=FILL_PROMPT,
        negative_prompt=negative,
        seed=inputs.seed,
        guidance_scale=inputs.guidance_scale,
        num_inference_steps=inputs.num_inference_steps,
        preview=inputs.preview,
    )
    image, mask = ctx.store.image(inputs.image), ctx.store.mask(inputs.mask)
    return inpaint_image(ctx, image, mask, params, blend=inputs.grow, tool="remove")


TOOL = Tool(
    "remove",
    Input,
    Output,
    description("remove"),
    run,
    roles=("inpainter",),
    makes="image",
    edits_image=True,
    title="Remove",
)
