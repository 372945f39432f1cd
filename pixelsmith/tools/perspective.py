"""perspective: straighten the lines a camera tilted up (or sideways) made converge: tall
buildings that lean in toward the top of the photo become upright ("keystone" correction,
as Lightroom's Upright or Snapseed's Perspective). No model: one projective warp
(`Image.transform` with `PERSPECTIVE`) from a quadrilateral inside the photo to the whole
frame, so there are no blank corners; what lay outside the quadrilateral is cropped away.

`vertical` > 0 widens the top (lines that met above the photo become parallel), < 0 the
bottom; `horizontal` > 0 makes the right edge taller (a wall running away to the right seen
square-on), < 0 the left. At 1 the narrow edge of the quadrilateral is half the frame.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixelsmith.tools.base import EditedImage, ToolContext, description
from pixelsmith.tools.tool_registry import Tool

Point = tuple[float, float]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    vertical: float = Field(
        default=0.0, ge=-1.0, le=1.0, description=">0 widens the top: buildings that lean in stand upright."
    )
    horizontal: float = Field(
        default=0.0, ge=-1.0, le=1.0, description=">0 makes the right edge taller; <0 the left."
    )

    @model_validator(mode="after")
    def _something(self) -> Input:
        if not self.vertical and not self.horizontal:
            raise ValueError("nothing to correct: give vertical (e.g. 0.3) or horizontal, between -1 and 1")
        return self


def source_corners(size: tuple[int, int], vertical: float, horizontal: float) -> list[Point]:
    """Where the frame's corners (top-left, top-right, bottom-right, bottom-left) are taken
    from in the photo: the narrow edge moved in by a quarter of the side per unit."""
    width, height = size
    across, down = abs(vertical) * width / 4, abs(horizontal) * height / 4
    tl, tr, br, bl = [0.0, 0.0], [float(width), 0.0], [float(width), float(height)], [0.0, float(height)]
    if vertical:
        left, right = (tl, tr) if vertical > 0 else (bl, br)
        left[0], right[0] = left[0] + across, right[0] - across
    if horizontal:
        top, bottom = (tr, br) if horizontal > 0 else (tl, bl)
        top[1], bottom[1] = top[1] + down, bottom[1] - down
    return [(x, y) for x, y in (tl, tr, br, bl)]


def coefficients(size: tuple[int, int], corners: list[Point]) -> tuple[float, ...]:
    """Pillow's eight `PERSPECTIVE` coefficients taking the frame's corners to `corners`: each
    output (x, y) is read at ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1))."""
    width, height = size
    frame = [(0, 0), (width, 0), (width, height), (0, height)]
    rows, values = [], []
    for (x, y), (u, v) in zip(frame, corners, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return tuple(float(c) for c in np.linalg.solve(np.array(rows, np.float64), np.array(values, np.float64)))


def warped(image: Image.Image, coeffs: tuple[float, ...]) -> Image.Image:
    return image.transform(image.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)


def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image)
    coeffs = coefficients(image.size, source_corners(image.size, inputs.vertical, inputs.horizontal))
    asked = (("vertical", inputs.vertical), ("horizontal", inputs.horizontal))
    said = [f"{name} {value:+g}" for name, value in asked if value]
    return EditedImage(
        warped(image, coeffs), f"perspective corrected ({', '.join(said)})", lambda a: warped(a, coeffs)
    )


TOOL = Tool(
    "perspective",
    Input,
    EditedImage,
    description("perspective"),
    run,
    makes="image",
    edits_image=True,
    title="Perspective",
)
