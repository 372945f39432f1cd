"""resize: a new size for the photo, by width, height, both, or a scale (Lanczos). Beyond
twice the size, resampling only spreads the pixels: the note says so and names the
upscaler, which adds detail."""

from __future__ import annotations

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixelsmith.errors import ToolInputError
from pixelsmith.tools.base import EditedImage, ToolContext, description
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    width: int | None = Field(default=None, ge=1, le=40_000, description="New width, px (height follows).")
    height: int | None = Field(default=None, ge=1, le=40_000, description="New height, px (width follows).")
    scale: float | None = Field(default=None, gt=0.0, le=8.0, description="0.5 = half the size, 2 = double.")

    @model_validator(mode="after")
    def _one_way(self) -> Input:
        if self.scale is not None and (self.width or self.height):
            raise ValueError("give a scale, or a width and/or a height, not both")
        if self.scale is None and not (self.width or self.height):
            raise ValueError("say the new size: width, height or scale")
        return self


def new_size(inputs: Input, width: int, height: int) -> tuple[int, int]:
    if inputs.scale is not None:
        return max(1, round(width * inputs.scale)), max(1, round(height * inputs.scale))
    if inputs.width and inputs.height:
        return inputs.width, inputs.height
    if inputs.width:
        return inputs.width, max(1, round(height * inputs.width / width))
    return max(1, round(width * inputs.height / height)), inputs.height


def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image)
    size = new_size(inputs, *image.size)
    limit = ctx.settings.limits.max_pixels
    if size[0] * size[1] > limit:
        raise ToolInputError(
            f"resize: {size[0]}x{size[1]} is over limits.max_pixels ({limit:,}); choose a smaller size"
        )
    note = f"resized from {image.width}x{image.height} to {size[0]}x{size[1]}"
    if size[0] > 2 * image.width:
        note += " (beyond 2x resampling adds no detail: say 'upscale it' for the upscaler)"
    return EditedImage(image.resize(size, Image.LANCZOS), note, lambda a: a.resize(size, Image.LANCZOS))


TOOL = Tool(
    "resize", Input, EditedImage, description("resize"), run, makes="image", edits_image=True, title="Resize"
)
