"""rotate: turn the photo clockwise by any angle; 90, 180 and 270 degrees are lossless (a
transpose of the pixels), any other angle widens the canvas to hold the whole turned photo
(its new corners white, or transparent where the photo has transparency)."""

from __future__ import annotations

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith.tools.base import EditedImage, ToolContext, description
from pixelsmith.tools.tool_registry import Tool

LOSSLESS = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    degrees: float = Field(ge=-360.0, le=360.0, description="Clockwise; negative turns counter-clockwise.")


def turned(image: Image.Image, degrees: float, *, fill: int | tuple[int, ...]) -> Image.Image:
    """`image` turned `degrees` clockwise: a transpose for quarter turns, else bicubic on an
    expanded canvas filled with `fill`."""
    quarter = round(degrees) % 360
    if degrees == round(degrees) and quarter in LOSSLESS:
        return image.transpose(LOSSLESS[quarter])
    if quarter == 0 and degrees == round(degrees):
        return image.copy()
    return image.rotate(-degrees, resample=Image.BICUBIC, expand=True, fillcolor=fill)


def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image).convert("RGB")
    out = turned(image, inputs.degrees, fill=(255, 255, 255))
    way = "clockwise" if inputs.degrees >= 0 else "counter-clockwise"
    return EditedImage(
        out, f"turned {abs(inputs.degrees):g} degrees {way}", lambda a: turned(a, inputs.degrees, fill=0)
    )


TOOL = Tool(
    "rotate", Input, EditedImage, description("rotate"), run, makes="image", edits_image=True, title="Rotate"
)
