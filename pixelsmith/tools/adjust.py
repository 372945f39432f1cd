"""adjust: tone changes with no model, exact and instant: brightness, contrast, saturation,
warmth, sharpness, gamma, black and white, sepia, a negative, auto-levels, a vignette and blur; on the
whole photo
or inside a mask (the mask's soft edge blends), or outside it (`invert`: "blur the
background" is the subject's mask, inverted).

Each is the plain Pillow/NumPy operation (`ImageEnhance`, `ImageOps`, `ImageFilter`, a
lookup table, a colour matrix or a radial falloff), applied in the order of the fields; pixels outside the
mask are byte-identical.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixelsmith import masks as M
from pixelsmith.images import check_mask
from pixelsmith.tools.base import EditedImage, ToolContext, description, same
from pixelsmith.tools.tool_registry import Tool

SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    brightness: float = Field(default=1.0, ge=0.0, le=5.0, description="1 = as is; 1.2 = 20% brighter.")
    contrast: float = Field(default=1.0, ge=0.0, le=5.0, description="1 = as is; 1.2 = 20% more.")
    saturation: float = Field(default=1.0, ge=0.0, le=5.0, description="1 = as is; 0 = grey; 1.3 = vivid.")
    warmth: float = Field(default=0.0, ge=-1.0, le=1.0, description="0 = as is; >0 warmer, <0 cooler.")
    sharpness: float = Field(default=1.0, ge=0.0, le=5.0, description="1 = as is; 2 = sharper; 0 = soft.")
    gamma: float = Field(default=1.0, ge=0.1, le=5.0, description="1 = as is; >1 lifts the shadows.")
    black_and_white: bool = Field(default=False, description="Grey tones only.")
    sepia: bool = Field(default=False, description="Warm brown tones of an old photo.")
    negative: bool = Field(default=False, description="The colours inverted, like a film negative.")
    auto_levels: bool = Field(default=False, description="Stretch the tones to the full range.")
    vignette: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Darker corners: 0 = none; 0.4 = soft; 1 = black corners."
    )
    blur: float = Field(default=0.0, ge=0.0, le=100.0, description="Gaussian blur radius, px.")
    mask: str | None = Field(default=None, description="Only inside this mask (mask id).")
    invert: bool = Field(default=False, description="With a mask: only outside it.")
    feather: float = Field(default=8.0, ge=0.0, le=100.0, description="With a mask: its soft edge, px.")

    @model_validator(mode="after")
    def _something(self) -> Input:
        if not self.changes():
            raise ValueError(
                "nothing to change: give brightness, contrast, saturation, warmth, sharpness, gamma, "
                "black_and_white, sepia, negative, auto_levels, vignette or blur"
            )
        if self.invert and self.mask is None:
            raise ValueError("invert goes with a mask: give the mask to keep")
        return self

    def changes(self) -> list[str]:
        """The operations asked for, in the order they are applied."""
        asked = [("auto levels", self.auto_levels), ("brightness", self.brightness != 1.0),
                 ("contrast", self.contrast != 1.0), ("gamma", self.gamma != 1.0),
                 ("saturation", self.saturation != 1.0), ("warmth", self.warmth != 0.0),
                 ("black and white", self.black_and_white), ("sepia", self.sepia),
                 ("negative", self.negative), ("vignette", self.vignette > 0),
                 ("sharpness", self.sharpness != 1.0), ("blur", self.blur > 0)]  # fmt: skip
        return [name for name, wanted in asked if wanted]


def toned(image: Image.Image, inputs: Input) -> Image.Image:
    """The whole image with every change of `inputs`, each the plain Pillow/NumPy call."""
    out = image.convert("RGB")
    if inputs.auto_levels:
        out = ImageOps.autocontrast(out)
    for name, factor in (("brightness", inputs.brightness), ("contrast", inputs.contrast)):
        if factor != 1.0:
            out = getattr(ImageEnhance, name.capitalize())(out).enhance(factor)
    if inputs.gamma != 1.0:
        table = [round(255 * (v / 255) ** (1 / inputs.gamma)) for v in range(256)]
        out = out.point(table * 3)
    if inputs.saturation != 1.0:
        out = ImageEnhance.Color(out).enhance(inputs.saturation)
    if inputs.warmth:
        scale = np.array([1 + 0.3 * inputs.warmth, 1.0, 1 - 0.3 * inputs.warmth])
        out = _scaled(out, scale)
    if inputs.black_and_white:
        out = out.convert("L").convert("RGB")
    if inputs.sepia:
        pixels = np.asarray(out, np.float64) @ SEPIA.T
        out = Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))
    if inputs.negative:
        out = ImageOps.invert(out)
    if inputs.vignette:
        out = _scaled(out, falloff(out.size, inputs.vignette)[..., None])
    if inputs.sharpness != 1.0:
        out = ImageEnhance.Sharpness(out).enhance(inputs.sharpness)
    if inputs.blur:
        out = out.filter(ImageFilter.GaussianBlur(inputs.blur))
    return out


def _scaled(image: Image.Image, factor: np.ndarray) -> Image.Image:
    """Every pixel of `image` times `factor` (per channel, or per pixel), rounded and clipped."""
    return Image.fromarray(np.clip(np.rint(np.asarray(image, np.float64) * factor), 0, 255).astype(np.uint8))


def falloff(size: tuple[int, int], strength: float) -> np.ndarray:
    """A vignette's factor per pixel, (height, width): 1 in the middle half of the photo (an
    ellipse of its shape), falling smoothly to 1 - `strength` in the corners."""
    width, height = size
    x = (np.arange(width) + 0.5) / width * 2 - 1  # -1 at the left edge, 1 at the right
    y = (np.arange(height) + 0.5) / height * 2 - 1
    radius = np.hypot(x[None, :], y[:, None]) / np.sqrt(2)  # 0 in the middle, 1 in a corner
    ramp = np.clip((radius - 0.5) / 0.5, 0.0, 1.0)
    return 1.0 - strength * ramp * ramp * (3 - 2 * ramp)  # smoothstep: no visible ring


def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image).convert("RGB")
    out = toned(image, inputs)
    where = "the whole image"
    if inputs.mask is not None:
        mask = check_mask(ctx.store.mask(inputs.mask), image)
        mask = M.invert(mask) if inputs.invert else mask
        alpha = M.feather(mask, inputs.feather) if inputs.feather else mask
        out = M.paste(image, out, alpha, (0, 0, image.width, image.height))
        where = f"{'outside' if inputs.invert else 'inside'} {inputs.mask}"
    return EditedImage(out, f"{', '.join(inputs.changes())} on {where}", transform=same)


TOOL = Tool(
    "adjust", Input, EditedImage, description("adjust"), run, makes="image", edits_image=True, title="Adjust"
)
