"""flip: mirror the photo left to right (horizontal) or top to bottom (vertical); lossless."""

from __future__ import annotations

from typing import Literal

from PIL import Image, ImageOps
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith.tools.base import EditedImage, ToolContext, description
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    direction: Literal["horizontal", "vertical"] = Field(
        default="horizontal", description="horizontal: left to right (a mirror); vertical: upside down."
    )


def flipped(image: Image.Image, direction: str) -> Image.Image:
    return ImageOps.mirror(image) if direction == "horizontal" else ImageOps.flip(image)


def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image)
    return EditedImage(
        flipped(image, inputs.direction),
        f"flipped {inputs.direction}ly",
        lambda a: flipped(a, inputs.direction),
    )


TOOL = Tool(
    "flip", Input, EditedImage, description("flip"), run, makes="image", edits_image=True, title="Flip"
)
