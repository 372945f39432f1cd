"""detect: find objects named in text (OWLv2, OWL-ViT, Grounding DINO), boxes in image pixels."""

from __future__ import annotations

from pydantic import Field

from pixelsmith.artifacts import Detection, Detections
from pixelsmith.tools.base import FindInput, ToolContext, description, inference_mode, inside
from pixelsmith.tools.tool_registry import Tool


class Input(FindInput):
    nms_iou: float = Field(default=0.3, ge=0.0, le=1.0, description="Overlap for suppression.")
    max_detections: int = Field(default=20, ge=1, le=100)


Output = Detections


@inference_mode
def run(inputs: Input, ctx: ToolContext) -> Output:
    image = ctx.store.image(inputs.image)
    detector = ctx.models.get("detector")
    threshold = ctx.settings.detector.threshold if inputs.threshold is None else inputs.threshold
    # 1. The backend finds every label in one forward pass, boxes in the image's pixels.
    found = detector.detect(image, list(inputs.labels), threshold)
    # 2. Clip to the image, drop empty boxes, suppress overlaps across labels.
    boxes, keep = inside(found.boxes, image.width, image.height)
    boxes, scores, label_ids = boxes[keep], found.scores[keep], found.label_ids[keep]
    from torchvision.ops import nms

    order = nms(boxes, scores, inputs.nms_iou)[: inputs.max_detections]
    detections = [
        Detection(
            box=tuple(round(float(v), 1) for v in boxes[i]),  # type: ignore[arg-type]
            label=inputs.labels[int(label_ids[i])],
            score=round(float(scores[i]), 4),
        )
        for i in order
    ]
    return Output(detections, (image.width, image.height), list(inputs.labels))


TOOL = Tool(
    "detect", Input, Output, description("detect"), run, roles=("detector",), makes="detection", title="Find"
)
