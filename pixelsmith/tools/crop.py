"""crop: cut the photo to a box, to an aspect ratio (centred), or around an object (a
detection's best box or a mask, with a margin, to a ratio if asked). No model; the result
is the photo's own pixels."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pixelsmith.errors import ToolInputError
from pixelsmith.masks import bbox
from pixelsmith.tools.base import EditedImage, ToolContext, description
from pixelsmith.tools.tool_registry import Tool

RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)\s*$")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    box: list[float] | None = Field(
        default=None, min_length=4, max_length=4, description="x0, y0, x1, y1 in px."
    )
    aspect: str | None = Field(default=None, description="Width:height, e.g. '1:1', '16:9', '4:5'.")
    around: str | None = Field(default=None, description="A detection or mask id to crop around.")
    margin: float = Field(default=0.15, ge=0.0, le=2.0, description="Around an object: room on each side.")

    @field_validator("aspect")
    @classmethod
    def _ratio(cls, value: str | None) -> str | None:
        if value is not None:
            found = RATIO.match(value)
            if not found or float(found[1]) <= 0 or float(found[2]) <= 0:
                raise ValueError(f"aspect must be width:height such as 16:9, got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_way(self) -> Input:
        if self.box is not None and (self.aspect or self.around):
            raise ValueError("give a box, or an aspect and/or an object to crop around, not both")
        if self.box is None and not (self.aspect or self.around):
            raise ValueError("say where to crop: a box, an aspect such as 1:1, or an object (around)")
        return self

    def ratio(self) -> float | None:
        found = RATIO.match(self.aspect) if self.aspect else None
        return float(found[1]) / float(found[2]) if found else None


def _object_box(inputs: Input, ctx: ToolContext, width: int, height: int) -> tuple[float, ...]:
    """The box of the object to crop around, with the margin on each side."""
    if inputs.around.startswith("mask-"):
        found = bbox(ctx.store.mask(inputs.around))
        if found is None:
            raise ToolInputError(f"crop: {inputs.around} is empty; segment the object again")
        x0, y0, x1, y1 = found
    else:
        boxes = ctx.store.detections(inputs.around).detections
        if not boxes:
            raise ToolInputError(f"crop: {inputs.around} found nothing to crop around")
        x0, y0, x1, y1 = boxes[0].box
    dx, dy = (x1 - x0) * inputs.margin, (y1 - y0) * inputs.margin
    return max(0, x0 - dx), max(0, y0 - dy), min(width, x1 + dx), min(height, y1 + dy)


def _to_ratio(box: tuple[float, ...], ratio: float, width: int, height: int) -> tuple[float, ...]:
    """`box` grown (never cut) to `ratio` about its centre, kept inside the image; the
    largest box of that ratio when the image is too small for it."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    w, h = (max(w, h * ratio), max(h, w / ratio))
    w, h = (w, w / ratio) if w / ratio >= h else (h * ratio, h)
    scale = min(1.0, width / w, height / h)
    w, h = w * scale, h * scale
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = min(max(0.0, cx - w / 2), width - w), min(max(0.0, cy - h / 2), height - h)
    return left, top, left + w, top + h


def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image)
    width, height = image.size
    if inputs.box is not None:
        box = tuple(inputs.box)
    elif inputs.around:
        box = _object_box(inputs, ctx, width, height)
    else:
        box = (0.0, 0.0, float(width), float(height))
    if inputs.ratio() is not None:
        box = _to_ratio(box, inputs.ratio(), width, height)
    x0, y0 = round(box[0]), round(box[1])  # its size rounded on its own: a 1 px side stays 1 px
    x1, y1 = x0 + round(box[2] - box[0]), y0 + round(box[3] - box[1])
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise ToolInputError(
            f"crop: the box ({x0}, {y0}, {x1}, {y1}) is not inside the {width}x{height} image or is "
            "empty; give x0 < x1 <= width and y0 < y1 <= height"
        )
    cut = (x0, y0, x1, y1)
    return EditedImage(
        image.crop(cut), f"cropped to {x1 - x0}x{y1 - y0} at ({x0}, {y0})", lambda a: a.crop(cut)
    )


TOOL = Tool(
    "crop", Input, EditedImage, description("crop"), run, makes="image", edits_image=True, title="Crop"
)
