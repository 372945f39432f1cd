"""outpaint: a bigger canvas around the photo, the new band painted by the inpainter.

The canvas grows by pixels per side, or to an aspect ratio ("16:9": the short way is
extended, half on each side). The photo's pixels stay byte-identical. The new band starts
as the photo's edge pixels stretched outwards (so the model sees the scene continue), is
painted at the model's native size (in tiles along a long edge, each seeing the last),
and is feathered into those edge pixels over `blend` pixels, never into the photo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from PIL import Image
from pydantic import ConfigDict, Field, field_validator, model_validator

from pixelsmith import masks as M
from pixelsmith.errors import ToolInputError
from pixelsmith.keepsakes import PLACED
from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.diffusion import DiffusionParams, ImagesOutput, candidate_seeds, rank, resolve_seed
from pixelsmith.tools.inpaint import inpaint_image
from pixelsmith.tools.tool_registry import Tool

FILL_PROMPT = "a seamless natural continuation of the scene, same lighting, high quality"
MAX_SIDE = 4096  # pixels added to one side, at most
TILE_ASPECT = 2.0  # a band longer than this many times its width is painted in tiles
RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)\s*$")


class Input(DiffusionParams):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(
        default=FILL_PROMPT, min_length=1, max_length=1000, description="What the new band shows."
    )
    image: str = Field(description="Image id to extend, e.g. image-1.")
    left: int = Field(default=0, ge=0, le=MAX_SIDE, description="Pixels added on the left.")
    right: int = Field(default=0, ge=0, le=MAX_SIDE, description="Pixels added on the right.")
    top: int = Field(default=0, ge=0, le=MAX_SIDE, description="Pixels added on top.")
    bottom: int = Field(default=0, ge=0, le=MAX_SIDE, description="Pixels added at the bottom.")
    aspect: str | None = Field(
        default=None,
        max_length=20,
        description="Extend to this width:height, e.g. '16:9' (instead of sides).",
    )
    blend: int = Field(default=16, ge=0, le=256, description="Pixels over which the new band fades in.")

    @field_validator("aspect")
    @classmethod
    def _ratio(cls, value: str | None) -> str | None:
        if value is not None:
            parsed = RATIO.match(value)
            if not parsed or float(parsed[1]) <= 0 or float(parsed[2]) <= 0:
                raise ValueError(f"aspect must look like 16:9 or 4:3, got {value!r}")
        return value

    @model_validator(mode="after")
    def _something(self) -> Input:
        sides = self.left or self.right or self.top or self.bottom
        if self.aspect and sides:
            raise ValueError("give an aspect ratio or pixels per side, not both")
        if not (self.aspect or sides):
            raise ValueError(
                "nothing to extend: give pixels per side (left, right, top, bottom) or an aspect"
            )
        return self


Output = ImagesOutput


@dataclass(frozen=True)
class Canvas:
    """The grown canvas: its size and where the photo sits on it."""

    width: int
    height: int
    x: int  # the photo's left edge on the canvas
    y: int

    def band(self, photo: tuple[int, int]) -> np.ndarray:
        """(H, W) uint8: 255 on the new band, 0 on the photo."""
        mask = np.full((self.height, self.width), 255, np.uint8)
        mask[self.y : self.y + photo[1], self.x : self.x + photo[0]] = 0
        return mask


def canvas_for(inputs: Input, width: int, height: int, max_pixels: int) -> Canvas:
    """Where the photo goes on the new canvas; a canvas past `max_pixels` or a ratio the
    photo already has is one sentence."""
    left, right, top, bottom = inputs.left, inputs.right, inputs.top, inputs.bottom
    if inputs.aspect:
        ratio_w, ratio_h = (float(v) for v in RATIO.match(inputs.aspect).groups())  # type: ignore[union-attr]
        target = ratio_w / ratio_h
        if abs(width / height - target) < 0.005:
            raise ToolInputError(f"outpaint: the image ({width}x{height}) is already {inputs.aspect}")
        if width / height < target:  # too narrow: wider, half on each side
            extra = round(height * target) - width
            left, right = extra // 2, extra - extra // 2
        else:  # too wide: taller
            extra = round(width / target) - height
            top, bottom = extra // 2, extra - extra // 2
    canvas = Canvas(width + left + right, height + top + bottom, left, top)
    if canvas.width * canvas.height > max_pixels:
        raise ToolInputError(
            f"outpaint: {canvas.width}x{canvas.height} would be over the limit of {max_pixels} pixels "
            "(limits.max_pixels); extend less"
        )
    return canvas


def stretched(photo: Image.Image, canvas: Canvas) -> Image.Image:
    """The canvas with the photo in place and its edge pixels carried outwards."""
    pixels = np.asarray(photo.convert("RGB"))
    after = (canvas.height - canvas.y - photo.height, canvas.width - canvas.x - photo.width)
    padded = np.pad(pixels, ((canvas.y, after[0]), (canvas.x, after[1]), (0, 0)), mode="edge")
    return Image.fromarray(padded)


def tiles(band: np.ndarray, native: int) -> list[np.ndarray]:
    """The band cut into pieces the model can paint at about its native size: one piece,
    or strips across a long edge, each about twice as long as the band is deep."""
    box = M.bbox(band)
    if box is None:
        return []
    x0, y0, x1, y1 = box
    long_w = (x1 - x0) >= (y1 - y0)
    length, depth = ((x1 - x0), (y1 - y0)) if long_w else ((y1 - y0), (x1 - x0))
    step = max(native, round(TILE_ASPECT * max(depth, 1)))
    if length <= step * 1.25:
        return [band]
    pieces = []
    for start in range(0, length, step):
        piece = np.zeros_like(band)
        if long_w:
            piece[:, x0 + start : x0 + start + step] = band[:, x0 + start : x0 + start + step]
        else:
            piece[y0 + start : y0 + start + step, :] = band[y0 + start : y0 + start + step, :]
        if piece.any():
            pieces.append(piece)
    return pieces


def run(inputs: Input, ctx: ToolContext) -> Output:
    from pixelsmith.tools.diffusion import native_size

    photo = ctx.store.image(inputs.image).convert("RGB")
    canvas = canvas_for(inputs, photo.width, photo.height, ctx.settings.limits.max_pixels)
    start, band = stretched(photo, canvas), canvas.band(photo.size)
    native = native_size(ctx.models.get("inpainter"))
    seed, n = resolve_seed(inputs.seed), inputs.num_candidates
    images, pieces = [], _sides(band, canvas, photo.size, native)
    runs = n * len(pieces)  # one progress bar over every tile of every candidate
    for c, candidate in enumerate(candidate_seeds(seed, n)):  # tiles run in turn: one candidate at a time
        painted = start
        for p, piece in enumerate(pieces):
            params = inputs.model_copy(update={"seed": candidate, "num_candidates": 1})
            part = (c * len(pieces) + p, runs)
            painted = inpaint_image(ctx, painted, piece, params, blend=0, tool="outpaint", part=part).images[
                0
            ]
        alpha = M.feather(band, inputs.blend)  # 0 at the photo's edge, full `blend` px out
        images.append(M.paste(start, painted, alpha, (0, 0, canvas.width, canvas.height)))
        images[-1].info[PLACED] = (canvas.x, canvas.y)  # where the photo sits (its transparency follows)
    return rank(ctx, ImagesOutput(images, [None] * n, candidate_seeds(seed, n)), inputs.prompt)


def _sides(band: np.ndarray, canvas: Canvas, photo: tuple[int, int], native: int) -> list[np.ndarray]:
    """The band's parts to paint in turn: each side's strip (corners with the first side
    that covers them), each cut into tiles along a long edge."""
    strips = []
    left, top = canvas.x, canvas.y
    right, bottom = canvas.width - left - photo[0], canvas.height - top - photo[1]
    taken = np.zeros_like(band)
    for present, cut in (
        (top, (slice(0, top), slice(None))),
        (bottom, (slice(canvas.height - bottom, None), slice(None))),
        (left, (slice(None), slice(0, left))),
        (right, (slice(None), slice(canvas.width - right, None))),
    ):
        if present:
            strip = np.zeros_like(band)
            strip[cut] = band[cut]
            strip[taken > 0] = 0
            taken = np.maximum(taken, strip)
            strips += tiles(strip, native)
    return strips


TOOL = Tool(
    "outpaint",
    Input,
    Output,
    description("outpaint"),
    run,
    roles=("inpainter", "ranker"),
    makes="image",
    edits_image=True,
    title="Extend",
)
