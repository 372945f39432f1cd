"""train_concept: teach pixelsmith a personal subject from a few photos (DreamBooth-LoRA).

A long job: it reports every training step (with the loss), honours the stop button,
checkpoints as it goes, and leaves the shared models exactly as they were. With
`resume` it continues a stopped training of `name` from its last checkpoint, with the
photos and settings it was started with (the ones given again must match them).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixelsmith.artifacts import ArtifactSink, Provenance, Stored
from pixelsmith.tools.base import Progress, ToolContext, description
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, description="What to call it, e.g. 'rex'.")
    class_word: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="What it is, e.g. 'dog' (not needed to resume).",
    )
    images: list[str] = Field(
        default_factory=list, max_length=50, description="Image ids of its photos (3-20; none to resume)."
    )
    steps: int | None = Field(
        default=None, ge=1, le=5000, description="Training steps (default: the config's, 400)."
    )
    rank: int = Field(default=4, ge=1, le=128, description="LoRA rank.")
    lr: float = Field(default=1e-4, gt=0.0, le=0.1, description="Learning rate.")
    resolution: int | None = Field(
        default=None, ge=64, le=1024, description="Training size in pixels (default: the config's, 512)."
    )
    prior_preservation: bool = Field(default=True, description="Keep the class word general.")
    inpaint: bool = Field(default=True, description="Also train a LoRA for edits (inpainting).")
    seed: int = Field(
        default=0, ge=0, le=2**32 - 1, description="Training seed (a resumed run keeps its own)."
    )
    resume: bool = Field(default=False, description="Continue the stopped training of `name`.")

    @model_validator(mode="after")
    def _new_needs_photos_and_class(self) -> Input:
        if self.resume:
            return self
        if len(self.images) < 3:
            raise ValueError(f"teaching a new concept needs 3-20 photos (image ids), got {len(self.images)}")
        if not self.class_word:
            raise ValueError("teaching a new concept needs class_word: what it is, e.g. 'dog'")
        return self

    def settings_given(self) -> dict[str, object]:
        """The training settings as `TrainSettings` fields: for a new concept all of them
        (steps and resolution where given; else the config's `[training]` applies); for a
        resumed one only those given explicitly (each must match how it was started), never
        the seed: it goes on with its own."""
        fields = {
            "steps": "steps",
            "rank": "rank",
            "lr": "lr",
            "resolution": "resolution",
            "prior_preservation": "prior_preservation",
            "inpaint": "inpaint_adapter",
            "seed": "seed",
        }
        given = (set(fields) - {"seed"}) & self.model_fields_set if self.resume else set(fields)
        values = {fields[name]: getattr(self, name) for name in sorted(given)}
        return {k: v for k, v in values.items() if v is not None}


@dataclass
class Output:
    """The trained concept: its name, the phrase that stands for it, the final loss."""

    name: str
    phrase: str
    steps: int
    loss: float | None
    folder: str

    def summary(self) -> str:
        loss = "" if self.loss is None else f", final loss {self.loss:.4f}"
        return f"concept {self.name} ready ('{self.phrase}', {self.steps} steps{loss}); say 'my {self.name}'"

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        return Stored([], "concept")  # the concept lives in the concept store, not the session


def _edit_roles(args: dict) -> tuple[str, ...]:
    """A training that also learns the concept for edits (the default) uses the inpainter."""
    return ("inpainter",) if args.get("inpaint", True) else ()


def run(inputs: Input, ctx: ToolContext) -> Output:
    from pixelsmith.concepts import TrainSettings
    from pixelsmith.concepts.teach import train_concept

    given = inputs.settings_given()
    if inputs.resume:
        settings = TrainSettings.parse(**given) if given else None
    else:
        settings = TrainSettings.parse(**(ctx.models.settings.training.model_dump() | given))
    store = ctx.concepts
    with tempfile.TemporaryDirectory(prefix="pixelsmith-photos-") as folder:
        paths = []
        for image_id in inputs.images:  # the trainer reads files; the store holds pixels
            path = Path(folder) / f"{image_id}.png"
            ctx.store.image(image_id).save(path)
            paths.append(path)
        concept = train_concept(
            ctx.models,
            store,
            inputs.name,
            images=paths,
            class_word=inputs.class_word,
            settings=settings,
            resume=inputs.resume,
            cancel=ctx.cancel,
            on_progress=lambda p: ctx.report(
                Progress("train_concept", p.step, p.total, f"{p.phase} step", p.loss, p.eta_seconds, p.phase)
            ),
        )
    loss = concept.loss_curve[-1] if concept.loss_curve else None
    return Output(concept.name, concept.phrase, concept.step, loss, str(concept.folder))


TOOL = Tool(
    "train_concept",
    Input,
    Output,
    description("train_concept"),
    run,
    roles=("generator",),
    extra_roles=_edit_roles,
    lane="long",
    title="Learn",
)
