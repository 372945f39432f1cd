"""rotate: turn the photo clockwise by any angle; 90, 180 and 270 degrees are lossless (a
transpose of the pixels), any other angle widens the canvas to hold the whole turned photo
(its new corners white, or transparent where the photo has transparency); `straighten`
instead keeps the largest upright rectangle of the photo's shape inside the turned photo,
as an editor levels a tilted horizon: no corners, a little of the edges lost."""

from __future__ import annotations

import math

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith.tools.base import EditedImage, ToolContext, description
from pixelsmith.tools.tool_registry import Tool

LOSSLESS = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    degrees: float = Field(ge=-360.0, le=360.0, description="Clockwise; negative turns counter-clockwise.")
    straighten: bool = Field(
        default=False,
        description="Level a tilted photo: crop to the largest upright rectangle of its shape inside "
        "the turned photo (no blank corners). For a small angle; quarter turns lose nothing anyway.",
    )


def turned(image: Image.Image, degrees: float, *, fill: int | tuple[int, ...]) -> Image.Image:
    """`image` turned `degrees` clockwise: a transpose for quarter turns, else bicubic on an
    expanded canvas filled with `fill`."""
    quarter = round(degrees) % 360
    if degrees == round(degrees) and quarter in LOSSLESS:
        return image.transpose(LOSSLESS[quarter])
    if quarter == 0 and degrees == round(degrees):
        return image.copy()
    return image.rotate(-degrees, resample=Image.BICUBIC, expand=True, fillcolor=fill)


def kept_box(size: tuple[int, int], degrees: float) -> tuple[int, int, int, int]:
    """The box, in the widened canvas of a photo of `size` turned `degrees`, of the largest
    upright rectangle of the photo's shape that holds only the photo. Its half sizes (a, b)
    are the photo's (w, h) scaled by s; a corner stays inside the turned photo while
    a·cos + b·sin <= w and a·sin + b·cos <= h, so s is the smaller of the two bounds."""
    w, h = size
    turn = math.radians(abs(degrees) % 180)
    cos, sin = abs(math.cos(turn)), abs(math.sin(turn))
    scale = min(w / (w * cos + h * sin), h / (w * sin + h * cos))
    canvas_w, canvas_h = w * cos + h * sin, w * sin + h * cos
    keep_w, keep_h = max(1, math.floor(w * scale)), max(1, math.floor(h * scale))
    left, top = round((canvas_w - keep_w) / 2), round((canvas_h - keep_h) / 2)
    return left, top, left + keep_w, top + keep_h


def level(
    image: Image.Image, degrees: float, *, fill: int | tuple[int, ...], straighten: bool
) -> Image.Image:
    """`image` turned; with `straighten`, cropped to what holds only the photo (`kept_box`)."""
    out = turned(image, degrees, fill=fill)
    if not straighten or out.size in (image.size, image.size[::-1]):  # a quarter turn has no corners
        return out
    box = kept_box(image.size, degrees)
    return out.crop((box[0], box[1], min(box[2], out.width), min(box[3], out.height)))


def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image).convert("RGB")
    out = level(image, inputs.degrees, fill=(255, 255, 255), straighten=inputs.straighten)
    way = "clockwise" if inputs.degrees >= 0 else "counter-clockwise"
    note = f"{'levelled: ' if inputs.straighten else ''}turned {abs(inputs.degrees):g} degrees {way}"
    return EditedImage(out, note, lambda a: level(a, inputs.degrees, fill=0, straighten=inputs.straighten))


TOOL = Tool(
    "rotate", Input, EditedImage, description("rotate"), run, makes="image", edits_image=True, title="Rotate"
)
