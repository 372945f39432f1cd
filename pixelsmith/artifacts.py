"""Artifacts without torch: the kinds a session holds, detection records, and the two
protocols a tool's output meets the session through (reading ids, storing results).

Kinds: `image` (RGB), `mask` ((H, W) uint8 0/255) and `detection` (boxes with labels).
A tool's output type says how it is stored (`store(sink, meta) -> Stored`), so that the
agent stores the output of any tool, a plug-in's too, without knowing its type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
from PIL import Image

from pixelsmith.errors import shorten

KINDS = ("image", "mask", "detection")
LABEL_CHARS = 80  # a label in a one-line summary, at most
Kind = Literal["image", "mask", "detection"]
# What a step's output is, for the chat (how to draw it) and the planner's "$N" references.
OutputKind = Literal["detection", "masks", "mask", "images", "scores", "concept", "action"]


@dataclass
class Detection:
    """One box: (x0, y0, x1, y1) in original-image pixels, inside the image; `mask` is the
    id of the object's own mask when the finder cut it out too (SAM 3's `segment_text`)."""

    box: tuple[float, float, float, float]
    label: str
    score: float
    mask: str | None = None

    @property
    def area(self) -> float:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


@dataclass
class Detections:
    """Detections sorted by score, best first; an empty list means nothing was found."""

    detections: list[Detection]
    image_size: tuple[int, int]  # (W, H)
    labels: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line per call: a label of any length is cut (the record keeps it whole)."""
        if not self.detections:
            return f"nothing found for {', '.join(shorten(x, LABEL_CHARS) for x in self.labels)}"
        return "; ".join(
            f"#{i + 1} {shorten(d.label, LABEL_CHARS)} {d.score:.2f} at ({d.box[0]:.0f},{d.box[1]:.0f},"
            f"{d.box[2]:.0f},{d.box[3]:.0f})"
            for i, d in enumerate(self.detections)
        )

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        note = f"{len(self.detections)} found for {', '.join(shorten(x, LABEL_CHARS) for x in self.labels)}"
        return Stored([sink.add_detections(self, note=note, **made.fields())], "detection")


@dataclass(frozen=True)
class Provenance:
    """Where a step's artifacts come from: the tool and step index that made them, the
    artifacts they were made from, whether the tool edits the current image, and the text
    an image was made from (its note)."""

    tool: str
    step: int | None
    parents: list[str] = field(default_factory=list)
    edit: bool = False
    prompt: str = ""

    def fields(self) -> dict[str, Any]:
        """The artifact record's fields."""
        return {"tool": self.tool, "step": self.step, "parents": list(self.parents), "edit": self.edit}


@dataclass(frozen=True)
class Stored:
    """What storing one output made: artifact ids (best first) and the kind of output;
    `parts` are artifacts stored first for those to name (a detection's instance masks)."""

    ids: list[str]
    kind: OutputKind
    parts: list[str] = field(default_factory=list)


class ArtifactStore(Protocol):
    """Resolves artifact ids to data (a session's `Workspace`, or `MemoryStore`)."""

    def image(self, artifact_id: str) -> Image.Image: ...
    def mask(self, artifact_id: str) -> np.ndarray: ...
    def detections(self, artifact_id: str) -> Detections: ...


class ArtifactSink(Protocol):
    """Where a tool's output is stored: a session's `Workspace`. `meta` is a
    `Provenance`'s fields."""

    def add_image(self, image: Image.Image, **meta: Any) -> str: ...
    def add_mask(self, mask: np.ndarray, **meta: Any) -> str: ...
    def add_detections(self, found: Detections, **meta: Any) -> str: ...
    def set_candidates(self, ids: list[str]) -> None: ...
    def set_last_masks(self, ids: list[str]) -> None: ...
    def set_current(self, image_id: str) -> None: ...
