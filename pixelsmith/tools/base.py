"""What every tool shares: the context it runs in, progress records, the artifact store.

A tool module holds a pydantic `Input`, an output dataclass, a description the planner
reads (from `prompts/tools/<name>.md`) and `run(inputs, ctx) -> Output` (STYLE.md 1).
Arguments that name images, masks or detections carry artifact ids (`image-1`,
`mask-2`, `detection-1`); the context's store turns ids into pixels.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from pixelsmith.artifacts import ArtifactSink, Provenance, Stored
from pixelsmith.config import Settings
from pixelsmith.errors import InterruptedError_, ToolInputError

if TYPE_CHECKING:
    from pixelsmith.models.model_registry import ModelRegistry


@dataclass(frozen=True)
class Progress:
    """`step` of `total` done in the running tool; `label` says what is counted. Training
    also reports its `phase` ("class images", "training", "inpaint training"; the count
    starts again in each), the step's `loss` and the seconds left in the whole job.
    A first model load before the tool runs has phase "downloading" (bytes `step` of
    `total`) or "loading", and its `label` is the whole sentence to show."""

    tool: str
    step: int
    total: int
    label: str = "step"
    loss: float | None = None
    eta_seconds: float | None = None
    phase: str | None = None


LOAD_PHASES = ("downloading", "loading")


def progress_text(progress: Any) -> str:
    """What to show of a `Progress` (or an agent's `StepProgress`): 'step 3/30', or a
    model load's own sentence."""
    if progress.phase in LOAD_PHASES:
        return progress.label
    return f"{progress.label} {progress.step}/{progress.total}"


class ArtifactStore(Protocol):
    """Resolves artifact ids to data; `MemoryStore` here, the session workspace later."""

    def image(self, artifact_id: str) -> Image.Image: ...
    def mask(self, artifact_id: str) -> np.ndarray: ...
    def detections(self, artifact_id: str) -> Any: ...


class MemoryStore:
    """An in-memory `ArtifactStore` with `<kind>-<n>` ids, used by the CLI and tests."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}
        self._counts: dict[str, int] = {}

    def add(self, kind: str, value: Any) -> str:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        artifact_id = f"{kind}-{self._counts[kind]}"
        self._items[artifact_id] = value
        return artifact_id

    def has(self, artifact_id: str) -> bool:
        return artifact_id in self._items

    def _get(self, kind: str, artifact_id: str) -> Any:
        if not artifact_id.startswith(f"{kind}-") or artifact_id not in self._items:
            known = ", ".join(k for k in self._items if k.startswith(f"{kind}-")) or "none"
            raise ToolInputError(f"unknown {kind} id {artifact_id!r}; known: {known}")
        return self._items[artifact_id]

    def image(self, artifact_id: str) -> Image.Image:
        return self._get("image", artifact_id)

    def mask(self, artifact_id: str) -> np.ndarray:
        return self._get("mask", artifact_id)

    def detections(self, artifact_id: str) -> Any:
        return self._get("detection", artifact_id)


@dataclass
class ToolContext:
    """Everything a tool may use besides its inputs."""

    models: ModelRegistry
    store: ArtifactStore
    on_progress: Callable[[Progress], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def settings(self) -> Settings:
        return self.models.settings

    @property
    def data_dir(self) -> Path:
        """The data folder of the session being served (concepts live there), else settings'."""
        return getattr(self.store, "data_dir", None) or self.settings.data_dir

    @property
    def concepts(self) -> Any:
        """The concepts the session being served may see and use (`concepts.viewer`)."""
        from pixelsmith.concepts import ConceptStore, viewer

        record = getattr(self.store, "record", None)
        return ConceptStore(self.data_dir, owner=viewer(self.settings, getattr(record, "owner", "")))

    def report(self, progress: Progress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)

    def check_cancelled(self) -> None:
        """Raise if the user asked to stop; long loops call this between steps."""
        if self.cancel.is_set():
            raise InterruptedError_("stopped by the user; nothing was changed")


def description(name: str) -> str:
    """The planner-facing description of a tool, from `prompts/tools/<name>.md`."""
    return resources.files("pixelsmith.prompts").joinpath("tools", f"{name}.md").read_text().strip()


def inference_mode(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`torch.inference_mode()` around `fn`, with torch imported on the first call: a tool
    module imports without torch (its input model serves `--help` and the planners)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import torch

        with torch.inference_mode():
            return fn(*args, **kwargs)

    return wrapper


LABEL_LIMIT = 2000  # characters of one label (a chat message's limit): not a session of megabytes


class FindInput(BaseModel):
    """The inputs of the tools that find named objects (detect, segment_text): the image,
    the labels ("cat, dog" or a list) and the score a find needs."""

    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id to search, e.g. image-1.")
    labels: list[Annotated[str, StringConstraints(max_length=LABEL_LIMIT)]] = Field(
        min_length=1,
        max_length=16,
        description="What to find, e.g. ['cat', 'dog'] (each at most 2000 characters).",
    )
    threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Minimum score; default from settings."
    )

    @field_validator("labels", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            value = [str(v).strip() for v in value if str(v).strip()]
        return value


def inside(boxes: Any, width: int, height: int) -> tuple[Any, Any]:
    """(N, 4) x0, y0, x1, y1 boxes (a tensor) clipped to a `width` x `height` image, and which
    of them keep at least a pixel each way there."""
    boxes = boxes.clone()
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
    return boxes, (boxes[:, 2] - boxes[:, 0] >= 1) & (boxes[:, 3] - boxes[:, 1] >= 1)


@dataclass
class EditedImage:
    """A photo operation's one new image (crop, rotate, an adjustment, ...): it becomes the
    current image. `transform`: what the operation did to the geometry of its input, done
    to the photo's transparency too (`keepsakes.TRANSFORM`; identity for tone changes)."""

    image: Image.Image
    note: str
    transform: Callable[[Image.Image], Image.Image] | None = None

    def summary(self) -> str:
        return f"1 image {self.image.width}x{self.image.height}: {self.note}"

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        from pixelsmith.keepsakes import TRANSFORM

        if self.transform is not None:
            self.image.info[TRANSFORM] = self.transform
        image_id = sink.add_image(self.image, note=self.note, **made.fields())
        sink.set_current(image_id)
        return Stored([image_id], "images")


def same(alpha: Image.Image) -> Image.Image:
    """The transform of an operation that keeps every pixel where it was (a tone change)."""
    return alpha
