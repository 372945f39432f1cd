"""place: where a new object goes. From the anchor's mask (the dog, the table, the lake) and
the relation ("a hat on the dog", "a vase on the table", "a boat on the lake", "a ball next
to the cat"), a region for the object, sized from the anchor: on top of an object it sits on
the top of the anchor's outline (a hat on the head); on a surface seen from above (a lake,
a floor) it stands inside it; above, under, next to, left or right of, behind or in front
of, around the anchor's box. The region is a mask like a segmentation's: the review shows
it (a click moves it, grow, brush), then `inpaint` paints the object there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith.artifacts import ArtifactSink, Provenance, Stored
from pixelsmith.errors import ToolInputError
from pixelsmith.masks import bbox
from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.tool_registry import Tool

Relation = Literal["on", "above", "under", "in", "next to", "left of", "right of", "behind", "in front of"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    anchor: str = Field(description="The mask of what the object goes on, by or in (from segment).")
    object: str = Field(min_length=1, max_length=200, description="What to add, e.g. 'a red hat'.")
    relation: Relation = Field(default="on", description="Where, from the anchor.")
    size: float = Field(
        default=0.0, ge=0.0, le=3.0, description="Width as a share of the anchor's (0: by the relation)."
    )
    surface: bool = Field(
        default=False, description="The anchor is seen from above (a lake, a floor): 'on' is inside it."
    )


@dataclass
class Output:
    """The region (an (H, W) uint8 mask) the object goes in, and its box."""

    mask: np.ndarray
    box: tuple[int, int, int, int]

    def summary(self) -> str:
        x0, y0, x1, y1 = self.box
        return f"a region of {x1 - x0}x{y1 - y0} at ({x0}, {y0})"

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        """As a segmentation's candidates: the review shows it before the object is painted."""
        made_id = sink.add_mask(self.mask, note=f"where {made.prompt} goes", **made.fields())
        sink.set_candidates([made_id])
        sink.set_last_masks([made_id])
        return Stored([made_id], "masks")


SHARE = {"on": 0.5, "in": 0.35, "above": 0.5, "under": 0.5, "next to": 0.6, "left of": 0.6, "right of": 0.6,
         "behind": 0.6, "in front of": 0.5}  # fmt: skip
HEIGHT = 0.75  # the region's height to its width, unless the words say (a tall or a wide thing)


def _shape(words: str) -> float:
    """The region's height to its width, from the object's words."""
    tall = ("tall", "vase", "bottle", "tree", "lamp", "person", "man", "woman", "candle", "tower", "flower")
    wide = ("boat", "car", "rainbow", "bench", "sofa", "couch", "table", "bridge", "log", "ship")
    lower = words.lower()
    return 1.4 if any(w in lower for w in tall) else 0.55 if any(w in lower for w in wide) else HEIGHT


def _scale(words: str) -> float:
    lower = words.lower()
    return 0.6 if any(w in lower for w in ("small", "tiny", "little")) else 1.4 if any(
        w in lower for w in ("big", "large", "huge", "giant")) else 1.0  # fmt: skip


def region(anchor: np.ndarray, inputs: Input) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) of the region, inside the image."""
    found = bbox(anchor)
    if found is None:
        raise ToolInputError(f"place: {inputs.anchor} is empty; segment what the object goes on again")
    height, width = anchor.shape
    x0, y0, x1, y1 = found
    w, h = x1 - x0, y1 - y0
    rw = max(4.0, w * (inputs.size or SHARE[inputs.relation] * _scale(inputs.object)))
    rh = max(4.0, rw * _shape(inputs.object))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    relation = "in" if inputs.relation == "on" and inputs.surface else inputs.relation
    if relation == "on":  # on the top of its outline: the middle of its top rows (a head)
        top = anchor[y0 : y0 + max(1, round(0.15 * h)), x0:x1] > 127
        cols = np.nonzero(top.any(axis=0))[0]
        cx = x0 + (cols.mean() if cols.size else w / 2)
        cy = y0 - rh / 2 + 0.2 * rh
    elif relation == "above":
        cy = y0 - rh / 2 - 0.05 * h
    elif relation == "under":
        cy = y1 + rh / 2
    elif relation in ("next to", "right of"):
        cx, cy = x1 + rw / 2 + 0.05 * w, y1 - rh / 2
    elif relation == "left of":
        cx, cy = x0 - rw / 2 - 0.05 * w, y1 - rh / 2
    elif relation == "behind":
        cy = y0 + rh * 0.2
    elif relation == "in front of":
        cy = y1 - rh / 2 + 0.1 * h
    left = min(max(0.0, cx - rw / 2), max(0.0, width - rw))
    upper = min(max(0.0, cy - rh / 2), max(0.0, height - rh))
    return round(left), round(upper), round(min(width, left + rw)), round(min(height, upper + rh))


def run(inputs: Input, ctx: ToolContext) -> Output:
    image = ctx.store.image(inputs.image)
    anchor = ctx.store.mask(inputs.anchor)
    if anchor.shape != (image.height, image.width):
        raise ToolInputError(
            f"place: {inputs.anchor} is not a mask of {inputs.image}; segment it on that image"
        )
    box = region(anchor, inputs)
    canvas = Image.new("L", image.size, 0)
    ImageDraw.Draw(canvas).ellipse(box, fill=255)
    return Output(np.asarray(canvas).copy(), box)


TOOL = Tool("place", Input, Output, description("place"), run, makes="mask", title="Place")
