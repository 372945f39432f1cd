"""segment_text: find everything a phrase names and cut each one out, in one call (SAM 3).

Its detection is stored like `detect`'s (the chat draws the boxes; nothing found ends the
plan), and each box carries its instance's mask, which `segment` then picks from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from pydantic import Field

from pixelsmith.artifacts import LABEL_CHARS, ArtifactSink, Detection, Detections, Provenance, Stored
from pixelsmith.errors import ToolInputError, shorten
from pixelsmith.masks import to_uint8
from pixelsmith.tools.base import FindInput, ToolContext, description, inference_mode, inside
from pixelsmith.tools.tool_registry import Tool


class Input(FindInput):
    max_instances: int = Field(default=20, ge=1, le=100, description="At most this many, best first.")


@dataclass
class Outlines:
    """The instances found, best first, and each one's mask ((H, W) uint8 0/255, same order)."""

    found: Detections
    masks: list[np.ndarray]

    def summary(self) -> str:
        return self.found.summary()

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        """Each mask, then the detection whose boxes name them (`segment` picks from it)."""
        ids = [
            sink.add_mask(m, note=f"{shorten(d.label, LABEL_CHARS)} {d.score:.2f}", **made.fields())
            for d, m in zip(self.found.detections, self.masks)
        ]
        boxes = [replace(d, mask=i) for d, i in zip(self.found.detections, ids)]
        labels = ", ".join(shorten(x, LABEL_CHARS) for x in self.found.labels)
        note = f"{len(boxes)} found for {labels}, each with its mask"
        found = Detections(boxes, self.found.image_size, list(self.found.labels))
        return Stored([sink.add_detections(found, note=note, **made.fields())], "detection", parts=ids)


Output = Outlines


@inference_mode
def run(inputs: Input, ctx: ToolContext) -> Output:
    spec = ctx.settings.segmenter
    if not spec.reads_text:
        raise ToolInputError(
            f"segment_text needs a segmenter that reads text (segmenter.backend = 'sam3'); the "
            f"{spec.backend} segmenter does not: use detect, then segment"
        )
    image = ctx.store.image(inputs.image)
    threshold = spec.text_threshold if inputs.threshold is None else inputs.threshold
    found = ctx.models.get("segmenter").find(image, list(inputs.labels), threshold)
    boxes, keep = inside(found.boxes, image.width, image.height)
    keep &= found.masks.flatten(1).any(1)  # an instance with no box or no pixel is dropped
    kept = keep.nonzero().flatten().tolist()[: inputs.max_instances]  # best first
    detections = [
        Detection(
            box=tuple(round(float(v), 1) for v in boxes[i]),  # type: ignore[arg-type]
            label=inputs.labels[int(found.label_ids[i])],
            score=round(float(found.scores[i]), 4),
        )
        for i in kept
    ]
    masks = [to_uint8(found.masks[i].numpy()) for i in kept]
    return Outlines(Detections(detections, (image.width, image.height), list(inputs.labels)), masks)


TOOL = Tool(
    "segment_text",
    Input,
    Output,
    description("segment_text"),
    run,
    roles=("segmenter",),
    makes="detection",
    title="Find and cut out",
)
