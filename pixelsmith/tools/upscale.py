"""upscale: a bigger photo with new detail (a super-resolution network: the upscaler role,
Real-ESRGAN x4 by default), not only spread pixels as `resize` does. The network's own
scale (4x) is run in tiles; 2x (or any scale up to the network's) is its result brought
down with Lanczos; `keep_size` brings it back to the photo's size (sharper, the same size)."""

from __future__ import annotations

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith.errors import ToolInputError
from pixelsmith.tools.base import EditedImage, Progress, ToolContext, description, inference_mode
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    scale: float = Field(
        default=2.0, ge=1.0, le=4.0, description="How many times bigger (up to the model's)."
    )
    keep_size: bool = Field(default=False, description="Restore detail at the same size (sharper).")
    tile: int = Field(default=256, ge=32, le=2048, description="Tile size, px (smaller: less memory).")


@inference_mode
def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image).convert("RGB")
    upscaler = ctx.models.get("upscaler")
    if inputs.scale > upscaler.scale:
        raise ToolInputError(f"upscale: {inputs.scale:g}x is more than this model's {upscaler.scale}x")
    size = (
        image.size
        if inputs.keep_size
        else (round(image.width * inputs.scale), round(image.height * inputs.scale))
    )
    limit = ctx.settings.limits.max_pixels
    full = (image.width * upscaler.scale) * (image.height * upscaler.scale)
    if max(full, size[0] * size[1]) > limit:
        raise ToolInputError(
            f"upscale: {image.width}x{image.height} at {upscaler.scale}x is {full:,} pixels, over "
            f"limits.max_pixels ({limit:,}); crop or resize it first"
        )
    made = upscaler.upscale(
        image,
        tile=inputs.tile,
        on_tile=lambda n, total: ctx.report(Progress("upscale", n, total, "tile")),
        cancelled=ctx.cancel.is_set,
    )
    ctx.check_cancelled()
    if made.size != size:
        made = made.resize(size, Image.LANCZOS)
    how = "the same size, sharper" if inputs.keep_size else f"{inputs.scale:g}x"
    note = f"upscaled {how}: {size[0]}x{size[1]}"
    return EditedImage(made, note, lambda a: a.resize(size, Image.LANCZOS))


TOOL = Tool(
    "upscale", Input, EditedImage, description("upscale"), run, roles=("upscaler",), makes="image",
    edits_image=True, title="Upscale",
)  # fmt: skip
