"""segment: cut out objects with SAM from points, boxes or a detection's boxes (or, for a
detection that `segment_text` made, pick among the masks it found)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pixelsmith.artifacts import ArtifactSink, Detection, Provenance, Stored
from pixelsmith.errors import ToolInputError
from pixelsmith.masks import to_uint8
from pixelsmith.models.protocols import Segmenter
from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.tool_registry import Tool


class Point(BaseModel):
    """A click in image pixels; positive = part of the object, negative = not."""

    model_config = ConfigDict(extra="forbid")
    # bounded, so a grammar (the local planner's) writes a coordinate, not 10^400: no photo
    # pixelsmith opens (40 megapixels at most) is wider or taller than this
    x: float = Field(ge=0, le=100_000, allow_inf_nan=False)
    y: float = Field(ge=0, le=100_000, allow_inf_nan=False)
    positive: bool = True

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: object) -> object:
        if isinstance(value, (list, tuple)) and len(value) in (2, 3):
            return {"x": value[0], "y": value[1], "positive": bool(value[2]) if len(value) == 3 else True}
        return value


Which = Literal["best", "all", "left", "right", "top", "bottom", "middle", "largest", "smallest"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id, e.g. image-1.")
    detection: str | None = Field(default=None, description="Detection id whose boxes to cut out.")
    box_index: int | None = Field(
        default=None, ge=1, description="Use only this box (1 = best) of the detection."
    )
    which: Which = Field(
        default="best",
        description="Which of the detection's boxes: best score, all, or by position/size.",
    )
    points: list[Point] | None = Field(default=None, max_length=64, description="Clicks (x, y).")
    boxes: list[list[float]] | None = Field(
        default=None, max_length=32, description="Boxes [x0, y0, x1, y1] in pixels."
    )
    multimask: bool = Field(default=True, description="Up to 3 candidates for a single prompt.")
    mode: Literal["prompt", "everything"] = Field(
        default="prompt", description="'everything' returns all object masks, no prompt needed."
    )

    @field_validator("boxes")
    @classmethod
    def _check_boxes(cls, boxes: list[list[float]] | None) -> list[list[float]] | None:
        for box in boxes or []:
            if (
                len(box) != 4
                or not all(math.isfinite(v) for v in box)
                or box[2] <= box[0]
                or box[3] <= box[1]
            ):
                raise ValueError(
                    f"a box must be 4 finite numbers [x0, y0, x1, y1] with x1 > x0 and y1 > y0, got {box}"
                )
        return boxes

    @model_validator(mode="after")
    def _check_prompt(self) -> Input:
        has_prompt = bool(self.detection or self.points or self.boxes)
        if self.mode == "prompt" and not has_prompt:
            raise ValueError("give a detection, points or boxes (or mode='everything')")
        if self.mode == "everything" and has_prompt:
            raise ValueError("mode='everything' takes no detection, points or boxes")
        return self


@dataclass
class Output:
    """Candidate masks, best first: (H, W) uint8 0/255 at the image's size, with scores.
    With `joined` objects, the first mask is all of them together and each follows."""

    masks: list[np.ndarray]
    scores: list[float]
    image_size: tuple[int, int]  # (W, H)
    joined: int = 0

    def notes(self) -> list[str]:
        """Each mask's note: its score, and what the first one joins."""
        notes = [f"score {_two(s)}" for s in self.scores]
        if self.joined and notes:
            notes[0] = f"all {self.joined} together, {notes[0]}"
        return notes

    def summary(self) -> str:
        if not self.masks:
            return "no mask found"
        parts = [
            f"#{i + 1} {note}, {int((m > 127).sum())} px"
            for i, (m, note) in enumerate(zip(self.masks, self.notes()))
        ]
        return f"{len(self.masks)} mask(s): " + "; ".join(parts)

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        """Every candidate, best first; they become the session's last masks ("use mask 2")."""
        ids = [sink.add_mask(m, note=note, **made.fields()) for m, note in zip(self.masks, self.notes())]
        sink.set_candidates(ids)
        sink.set_last_masks(ids)
        return Stored(ids, "masks")


def _given_boxes(inputs: Input, width: int, height: int) -> list[list[float]]:
    """The boxes given in pixels, clipped to the image; a box wholly outside it is refused."""
    clipped = []
    for box in inputs.boxes or []:
        x0, y0, x1, y1 = max(box[0], 0.0), max(box[1], 0.0), min(box[2], width), min(box[3], height)
        if x1 <= x0 or y1 <= y0:
            raise ToolInputError(f"box {[round(v, 1) for v in box]} is outside the {width}x{height} image")
        clipped.append([x0, y0, x1, y1])
    return clipped


def _two(score: float) -> str:
    """A score to two places, never "-0.00"."""
    return f"{round(score, 2) + 0.0:.2f}"


def _prompt_boxes(inputs: Input, ctx: ToolContext, width: int, height: int) -> np.ndarray | None:
    boxes = _given_boxes(inputs, width, height)
    if inputs.detection:
        boxes += [list(d.box) for d in _chosen(inputs.detection, inputs, ctx)[0]]
    return np.array(boxes, dtype=np.float64) if boxes else None


def _chosen(detection: str, inputs: Input, ctx: ToolContext) -> tuple[list[Detection], list[Detection]]:
    """The `detection`'s boxes that `box_index` or `which` choose, and all of its boxes."""
    found = ctx.store.detections(detection).detections
    if not found:
        raise ToolInputError(
            f"{detection} found nothing, so there is nothing to segment; "
            "detect with other words or a lower threshold, or click on the object"
        )
    if inputs.box_index is None:
        return pick(found, inputs.which), found
    if inputs.box_index > len(found):
        raise ToolInputError(
            f"box_index {inputs.box_index} is out of range: {detection} has {len(found)} box(es)"
        )
    return [found[inputs.box_index - 1]], found


def _outlined(detection: str, inputs: Input, ctx: ToolContext, size: tuple[int, int]) -> Output | None:
    """The chosen boxes' own masks when the detection carries them (SAM 3's `segment_text`),
    with no model call: one chosen, then the other instances found, best first; several,
    all of them together first. None for a detection of boxes alone."""
    chosen, found = _chosen(detection, inputs, ctx)
    if not all(d.mask for d in found):
        return None
    others = [d for d in found if d not in chosen] if len(chosen) == 1 else []
    masks = [ctx.store.mask(d.mask) for d in [*chosen, *others]]  # type: ignore[arg-type]
    if any(m.shape != (size[1], size[0]) for m in masks):
        raise ToolInputError(
            f"{detection} was found in an image of another size than {inputs.image} "
            f"({size[0]}x{size[1]}); segment the image it was found in"
        )
    scores = [d.score for d in [*chosen, *others]]
    if len(chosen) > 1:
        return together(masks, scores, size)
    return Output([to_uint8(m) for m in masks], scores, size)


def pick(found: list[Detection], which: str) -> list[Detection]:
    """The detections that `which` names: 'all', or one chosen by score, place or size."""
    if which == "all":
        return found
    if which == "middle":
        return [min(found, key=lambda d: abs(d.centre[0] - _mean_x(found)))]
    keys = {
        "best": lambda d: -d.score,
        "left": lambda d: d.centre[0],
        "right": lambda d: -d.centre[0],
        "top": lambda d: d.centre[1],
        "bottom": lambda d: -d.centre[1],
        "largest": lambda d: -d.area,
        "smallest": lambda d: d.area,
    }
    return [min(found, key=keys[which])]


def _mean_x(found: list[Detection]) -> float:
    return sum(d.centre[0] for d in found) / len(found)


def _check_inside(points: list[Point], width: int, height: int) -> None:
    for p in points:
        if not (0 <= p.x < width and 0 <= p.y < height):
            raise ToolInputError(f"point ({p.x:g}, {p.y:g}) is outside the {width}x{height} image")


def run(inputs: Input, ctx: ToolContext) -> Output:
    image = ctx.store.image(inputs.image)
    segmenter: Segmenter = ctx.models.get("segmenter")
    size = (image.width, image.height)
    if inputs.mode == "everything":
        spec = ctx.settings.segmenter
        found = segmenter.everything(
            image, points_per_side=spec.points_per_side, min_score=spec.everything_min_score
        )
        return Output([to_uint8(m[0]) for m in found.masks], [float(s[0]) for s in found.scores], size)
    points = inputs.points or []
    _check_inside(points, *size)
    if inputs.detection and not points and not inputs.boxes:
        outlined = _outlined(inputs.detection, inputs, ctx, size)
        if outlined is not None:
            return outlined
    boxes = _prompt_boxes(inputs, ctx, *size)
    prediction = segmenter.predict(
        image,
        points=np.array([[p.x, p.y] for p in points]) if points else None,
        labels=np.array([int(p.positive) for p in points]) if points else None,
        boxes=boxes,
        multimask=inputs.multimask,
    )
    if prediction.masks.shape[0] == 1:  # one prompt: its K candidates
        masks, scores = list(prediction.masks[0]), [float(s) for s in prediction.scores[0]]
        return Output([to_uint8(m) for m in masks], [round(s, 4) for s in scores], size)
    # several boxes: all of them together first, then the best candidate of each
    return together(list(prediction.masks[:, 0]), [float(s) for s in prediction.scores[:, 0]], size)


def together(masks: list[np.ndarray], scores: list[float], size: tuple[int, int]) -> Output:
    """Several objects' masks with their union first: a later step takes a segmentation's
    first mask ("remove all the cats" removes every cat), and "use mask 2" picks one of them.
    The union scores as its weakest part."""
    union = np.logical_or.reduce([m > 0 for m in masks])
    masks = [to_uint8(m) for m in [union, *masks]]
    return Output(masks, [round(s, 4) for s in [min(scores), *scores]], size, joined=len(scores))


TOOL = Tool(
    "segment", Input, Output, description("segment"), run, roles=("segmenter",), makes="mask", title="Cut out"
)
