"""detect: find objects named in text (OWLv2 / OWL-ViT), boxes in image pixels."""

from __future__ import annotations

import re

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pixelsmith.artifacts import Detection, Detections
from pixelsmith.tools.base import ToolContext, description, inference_mode
from pixelsmith.tools.registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id to search, e.g. image-1.")
    labels: list[str] = Field(min_length=1, max_length=16, description="What to find, e.g. ['cat', 'dog'].")
    threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Minimum score; default from settings."
    )
    nms_iou: float = Field(default=0.3, ge=0.0, le=1.0, description="Overlap for suppression.")
    max_detections: int = Field(default=20, ge=1, le=100)

    @field_validator("labels", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            value = [str(v).strip() for v in value if str(v).strip()]
        return value


Output = Detections

TEMPLATE = "a photo of a {}"
# The detector works at ~1k px (OWLv2: 960): a larger photo is shrunk first (its aspect kept, so
# boxes map back to the original exactly as they would), which spares the processor's padding
# and resizing at full size (a 6200 x 6200 photo: 20 s and 5 GB).
MAX_SIDE = 1920
# Where a description's head noun phrase ends: "a fluffy cat | sitting on an old chair".
CLAUSE = re.compile(
    r"\s+(?:sitting|standing|lying|walking|running|sleeping|flying|swimming|holding|wearing|eating"
    r"|playing|looking|riding|on|in|at|by|with|near|under|over|behind|beside|next|that|which|who"
    r"|while|from)\b.*$"
)


def shrunk(image: Image.Image, side: int) -> Image.Image:
    """`image` with its longer side at most `side` pixels (the same image when it is)."""
    if max(image.size) <= side:
        return image
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.BILINEAR, reducing_gap=2.0)


def query(label: str, tokenizer, limit: int) -> str:
    """The text the detector reads for `label`: "a photo of a <label>" when it fits `limit`
    token positions; else the label alone; else its head noun phrase (cut before its first
    clause: "a fluffy cat sitting on an old chair" → "a fluffy cat"). What still overruns is
    truncated by the tokenizer, so a label of any length detects instead of crashing."""
    head = CLAUSE.sub("", label) or label
    for text in (TEMPLATE.format(label), label, head):
        if len(tokenizer(text)["input_ids"]) <= limit:
            return text
    return head


@inference_mode
def run(inputs: Input, ctx: ToolContext) -> Output:
    image = ctx.store.image(inputs.image)
    detector = ctx.models.get("detector")
    threshold = ctx.settings.detector.threshold if inputs.threshold is None else inputs.threshold
    # 1. Encode the image and every label in one forward pass; each query fits the text
    #    model's positions (16 in OWL-ViT and OWLv2).
    limit = detector.model.config.text_config.max_position_embeddings
    queries = [[query(label, detector.processor.tokenizer, limit) for label in inputs.labels]]
    batch = detector.processor(
        text=queries, images=shrunk(image, MAX_SIDE), return_tensors="pt", truncation=True, max_length=limit
    )
    batch = {
        k: v.to(detector.device, detector.dtype if v.is_floating_point() else v.dtype)
        for k, v in batch.items()
    }
    outputs = detector.model(**batch)
    # 2. Boxes back to original pixels (OWLv2 pads to a square; the processor knows).
    result = detector.processor.post_process_grounded_object_detection(
        outputs, threshold=threshold, target_sizes=[(image.height, image.width)]
    )[0]
    boxes, scores = result["boxes"].float().cpu(), result["scores"].float().cpu()
    # 3. Clip to the image, drop empty boxes, suppress overlaps across labels.
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, image.width)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, image.height)
    keep = (boxes[:, 2] - boxes[:, 0] >= 1) & (boxes[:, 3] - boxes[:, 1] >= 1)
    boxes, scores, label_ids = boxes[keep], scores[keep], result["labels"].cpu()[keep]
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
