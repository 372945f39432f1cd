"""A tool from another package, as a plug-in author would write it: `blur` softens the
image inside a mask. It knows nothing of pixelsmith's tables; its facts are on the Tool."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith.artifacts import ArtifactSink, Provenance, Stored
from pixelsmith.tools import Tool, ToolContext


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    mask: str = Field(description="Mask id: white = blur.")
    strength: float = Field(default=0.5, gt=0.0, le=1.0, description="1 = the strongest blur.")


@dataclass
class Output:
    image: Image.Image
    radius: float

    def summary(self) -> str:
        return f"blurred with radius {self.radius:.1f} px"

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        image_id = sink.add_image(self.image, note=self.summary(), **made.fields())
        sink.set_current(image_id)
        return Stored([image_id], "images")


def run(inputs: Input, ctx: ToolContext) -> Output:
    image, mask = ctx.store.image(inputs.image), ctx.store.mask(inputs.mask)
    radius = 1.0 + 9.0 * inputs.strength
    blurred = image.filter(ImageFilter.GaussianBlur(radius))
    inside = np.asarray(mask)[..., None] > 127
    pixels = np.where(inside, np.asarray(blurred), np.asarray(image))
    return Output(Image.fromarray(pixels.astype(np.uint8)), radius)


TOOL = Tool(
    "blur",
    Input,
    Output,
    "Blur the image inside a mask (a plug-in tool).",
    run,
    makes="image",
    edits_image=True,
    title="Soften",
)
