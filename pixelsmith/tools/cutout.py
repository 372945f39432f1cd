"""cutout: the photo with a mask as its alpha channel (a transparent background), the edge
feathered a little so it does not look cut with scissors. Saved as PNG (or WebP) it keeps
the transparency; the chat shows it over a checkerboard."""

from __future__ import annotations

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith import masks as M
from pixelsmith.images import check_mask
from pixelsmith.keepsakes import ALPHA
from pixelsmith.tools.base import EditedImage, ToolContext, description
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    mask: str = Field(description="What to keep (mask id); everything else becomes transparent.")
    feather: float = Field(default=2.0, ge=0.0, le=50.0, description="Soft edge, px.")
    invert: bool = Field(default=False, description="Keep everything but the mask.")


def alpha_of(mask, inputs: Input):
    """The cut-out's alpha: the mask (inverted if asked), its edge feathered inward."""
    kept = M.invert(mask) if inputs.invert else mask
    return M.feather(kept, inputs.feather) if inputs.feather else M.to_uint8(M.binary(kept))


def run(inputs: Input, ctx: ToolContext) -> EditedImage:
    image = ctx.store.image(inputs.image).convert("RGB")
    alpha = alpha_of(check_mask(ctx.store.mask(inputs.mask), image), inputs)
    out = image.copy()
    out.info[ALPHA] = Image.fromarray(alpha, "L")  # the workspace keeps it as the image's alpha
    kept = int((alpha > 0).sum())
    return EditedImage(out, f"cut out along {inputs.mask}: {kept} px kept, the rest transparent")


TOOL = Tool(
    "cutout", Input, EditedImage, description("cutout"), run, makes="image", edits_image=True,
    title="Transparent cut-out",
)  # fmt: skip
