"""Personal concepts on disk: one folder per concept under `<data_dir>/concepts/`.

```
<data_dir>/concepts/<name>/
  concept.json                 the `Concept` record
  images/00.png ...            the instance photos, centre-cropped to the training size
  class_images/000.png ...     prior-preservation images made by the base model (cache)
  generator_lora.safetensors   the generator's LoRA (diffusers format) once trained
  inpainter_lora.safetensors   the inpainting UNet's LoRA (unless inpaint_adapter is off)
  samples/step-<N>.png         an image made with the LoRA at every checkpoint
  samples/inpaint-step-<N>.png the first photo with its centre inpainted, likewise
  checkpoints/step-<N>/        LoRA + optimizer + RNG + loss curve, for --resume
  checkpoints/inpainter/step-<N>/  the same for the inpainting LoRA
```

Photos (`load_photos`): 3 to 200 readable images; each between 3:1 and 1:3 (training
uses the centre square, so a panorama would lose most of the subject) and at least 32 px
on its shorter side; shorter sides at most 8x apart (a thumbnail beside a full-size
photo is almost always a mistake, and the thumbnail would be upscaled to mush).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock, Timeout
from pydantic import BaseModel, Field, ValidationError, field_validator

from pixelsmith.errors import UserError
from pixelsmith.files import new_folder, sweep, write_text

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
CLASS_RE = re.compile(r"[a-z][a-z -]{0,38}[a-z]|[a-z]")
RECORD = "concept.json"
ADAPTER_FILES = {"generator": "generator_lora.safetensors", "inpainter": "inpainter_lora.safetensors"}
_CONSONANTS = "bcdfghjklmnpqrstvwxz"


def check_name(name: str) -> str:
    """A concept name: 1-40 of lowercase letters, digits, '-' and '_', starting alphanumeric."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise UserError(
            f"concept name must be 1-40 lowercase letters, digits, '-' or '_' (starting with a "
            f"letter or digit), got {name!r}"
        )
    return name


def check_class_word(word: str | None) -> str:
    """The class noun ("dog", "teddy bear"): lowercase letters, spaces or '-', 1-40 chars."""
    cleaned = " ".join((word or "").lower().split())
    if not cleaned:
        raise UserError("a class word is required (what the subject is, e.g. --class dog)")
    if not CLASS_RE.fullmatch(cleaned):
        raise UserError(f"class word must be 1-40 letters, spaces or '-', e.g. 'dog', got {word!r}")
    return cleaned


class TrainSettings(BaseModel):
    """How a concept is trained; the defaults suit SD 1.5 at 512 px on one GPU."""

    steps: int = Field(default=400, ge=1, le=20_000, description="Optimizer steps.")
    rank: int = Field(default=4, ge=1, le=128, description="LoRA rank.")
    lr: float = Field(default=1e-4, gt=0.0, le=0.1, description="AdamW learning rate.")
    resolution: int = Field(default=512, ge=64, le=2048, description="Training size, px, multiple of 8.")
    batch_size: int = Field(default=1, ge=1, le=16, description="Instance images per step.")
    prior_preservation: bool = Field(default=True, description="Also fit class images (DreamBooth).")
    class_images: int = Field(default=50, ge=1, le=1000, description="How many class images.")
    prior_loss_weight: float = Field(default=1.0, gt=0.0, le=10.0)
    class_steps: int = Field(default=25, ge=1, le=150, description="Denoising steps per class image.")
    sample_steps: int = Field(default=25, ge=1, le=150, description="Denoising steps per sample.")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    checkpoint_every: int = Field(default=100, ge=1, le=20_000, description="Steps between checkpoints.")
    inpaint_adapter: bool = Field(
        default=True, description="Also train a LoRA on the inpainting UNet (for edits), as many steps."
    )

    @field_validator("resolution")
    @classmethod
    def _multiple_of_8(cls, value: int) -> int:
        if value % 8:
            raise ValueError(f"resolution must be a multiple of 8, got {value}")
        return value

    @classmethod
    def parse(cls, **values: object) -> TrainSettings:
        """Validated settings; a bad value is a one-line `UserError` naming it."""
        try:
            return cls(**values)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "settings"
            got = first.get("input")
            raise UserError(f"bad training setting {where}: {first['msg']}, got {got!r}") from None


class Concept(BaseModel):
    """One personal subject: its identifier token, its LoRA files and how it was trained."""

    name: str
    token: str = Field(description="Rare identifier bound to the subject, e.g. 'sks'.")
    class_word: str
    instance_prompt: str = Field(description="'a photo of <token> <class>'.")
    class_prompt: str = Field(description="'a photo of <class>' (prior preservation).")
    base_models: dict[str, str] = Field(description="Role -> model id the LoRA was trained on.")
    families: dict[str, str] = Field(
        default_factory=dict, description="Role -> family of that model (sd, sdxl); absent: sd."
    )
    settings: TrainSettings
    status: Literal["training", "ready"] = "training"
    step: int = 0
    loss_curve: list[float] = Field(default_factory=list, description="Loss of every step.")
    inpaint_step: int = 0
    inpaint_loss_curve: list[float] = Field(
        default_factory=list, description="Loss of every step of the inpainting LoRA."
    )
    images: list[str] = Field(default_factory=list, description="Files under images/.")
    samples: list[str] = Field(default_factory=list, description="Files under samples/.")
    adapters: dict[str, str] = Field(default_factory=dict, description="Role -> LoRA file name.")
    created: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    train_seconds: float = 0.0
    owner: str = Field(default="", description="The browser that taught it ('': this machine's user).")
    folder: Path = Field(exclude=True, description="Where the concept lives (not stored).")

    @property
    def phrase(self) -> str:
        """What stands for the subject in a prompt: '<token> <class>'."""
        return f"{self.token} {self.class_word}"

    def family(self, role: str) -> str:
        """The family of the model `role`'s LoRA was trained on (the generator's for an
        inpainter without a LoRA of its own): "sd" or "sdxl"."""
        trained = role if role in self.adapters or role in self.families else "generator"
        return self.families.get(trained, "sd")

    def adapter_path(self, role: str) -> Path:
        """The LoRA for `role`; the inpainter falls back to the generator's LoRA (for a
        concept trained with `inpaint_adapter` off)."""
        if self.status != "ready":
            raise UserError(
                f"concept {self.name!r} is not trained yet (step {self.step} of {self.settings.steps})"
            )
        file = self.adapters.get(role) or self.adapters.get("generator")
        if file is None:
            raise UserError(f"concept {self.name!r} has no LoRA; train it again")
        return self.folder / file

    def describe(self, state: str | None = None) -> str:
        """One line for listings; `state` as `ConceptStore.state` tells it (else the record's)."""
        loss = f", last loss {self.loss_curve[-1]:.4f}" if self.loss_curve else ""
        inpaint = (
            f", inpainting LoRA step {self.inpaint_step}/{self.settings.steps}"
            if self.settings.inpaint_adapter
            else ""
        )
        return (
            f"{self.name}: '{self.phrase}' {state or self.status} step {self.step}/{self.settings.steps}"
            f"{loss}{inpaint}, {len(self.images)} images, rank {self.settings.rank}"
        )


def viewer(settings: Any, owner: str) -> str | None:
    """Whose concepts a session of `owner` sees: on a shared UI (`ui.shared`) a browser sees
    the ones it taught and those taught on this machine's command line, unless
    `ui.share_concepts`; elsewhere every concept (None)."""
    return owner if settings.ui.shared and not settings.ui.share_concepts and owner else None


class ConceptStore:
    """The concepts under `data_dir/concepts`, one folder each. With an `owner`, the store
    is that owner's view: it lists and gets its concepts and the owner-less ones, and a
    concept it creates is that owner's."""

    def __init__(self, data_dir: str | Path, *, owner: str | None = None) -> None:
        self.root = Path(data_dir).expanduser() / "concepts"
        self.owner = owner

    def _visible(self, concept: Concept) -> bool:
        return self.owner is None or concept.owner in ("", self.owner)

    def folder(self, name: str) -> Path:
        return self.root / check_name(name)

    def exists(self, name: str) -> bool:
        return (self.folder(name) / RECORD).is_file()

    @contextmanager
    def training(self, name: str) -> Iterator[None]:
        """Held while concept `name` trains; a second run is refused while it is held, by another
        tab, process or Ray task on another node (a file lock next to the concept's folder,
        released by the system when its holder dies)."""
        lock = self._lock(name)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise UserError(
                f"concept {name!r} is being trained right now; wait for it, or stop it first"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def state(self, concept: Concept) -> str:
        """ready, training (a process holds its lock now) or stopped (its record says training
        but nothing trains it: a stop, a kill, a restart); the CLI and the UI both say this."""
        if concept.status == "ready":
            return "ready"
        return "training" if self.training_now(concept.name) else "stopped"

    def training_now(self, name: str) -> bool:
        """Whether some process is training concept `name` at the moment."""
        if not self.root.is_dir():
            return False
        lock = self._lock(name)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return True
        lock.release()
        return False

    def _lock(self, name: str) -> FileLock:
        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(self.root / f".{check_name(name)}.training.lock")

    def list(self) -> list[Concept]:
        """Every readable concept, by name; an unreadable record (corrupt, half-copied) is
        skipped with a warning, so one bad folder hides only itself (`get` still names it)."""
        if not self.root.is_dir():
            return []
        sweep(self.root)  # a concept whose creation was killed half-way
        concepts = []
        for record in sorted(self.root.glob(f"*/{RECORD}")):
            if record.parent.name.startswith("."):  # one being created
                continue
            try:
                concept = self._read(record.parent)
            except UserError as err:
                log.warning("skipping a concept: %s", err)
                continue
            if self._visible(concept):
                concepts.append(concept)
        return concepts

    def names(self) -> list[str]:
        return [c.name for c in self.list()]

    def get(self, name: str) -> Concept:
        """The concept called `name`; unknown names are a `UserError` listing the known ones."""
        concept = self._read(self.folder(name)) if self.exists(name) else None
        if concept is None or not self._visible(concept):  # another browser's: as if not there
            known = ", ".join(self.names()) or "none yet (train one with `pixelsmith concept train`)"
            raise UserError(f"unknown concept {name!r}; known: {known}")
        return concept

    def create(
        self,
        name: str,
        *,
        class_word: str,
        settings: TrainSettings,
        base_models: dict[str, str],
        token: str | None = None,
        fill: Callable[[Concept], None] | None = None,
    ) -> Concept:
        """Make the folder and record of a new concept (status 'training'). The folder is
        built under a hidden name, `fill(concept)` writes into it (the photos), and it appears
        under the concept's name complete with its record, or not at all."""
        name, class_word = check_name(name), check_class_word(class_word)
        if self.exists(name):
            raise UserError(f"a concept named {name!r} already exists; pick another name or delete it")
        used = {c.token for c in self.list()}
        token = self._check_token(token, used) if token else new_token(name, used)
        for stale in self.root.glob(f".{name}.*.tmp"):  # a creation killed part-way
            shutil.rmtree(stale, ignore_errors=True)
        with new_folder(self.folder(name)) as building:
            concept = self._new(name, token, class_word, settings, base_models, building)
            concept.owner = self.owner or ""
            if fill is not None:
                fill(concept)
            self.save(concept)
        concept.folder = self.folder(name)
        return concept

    @staticmethod
    def _new(
        name: str, token: str, class_word: str, settings: TrainSettings, base: dict[str, str], folder: Path
    ) -> Concept:
        return Concept(
            name=name,
            token=token,
            class_word=class_word,
            instance_prompt=f"a photo of {token} {class_word}",
            class_prompt=f"a photo of {class_word}",
            base_models=base,
            settings=settings,
            folder=folder,
        )

    def save(self, concept: Concept) -> None:
        """Write the record atomically (a crash leaves the old or the new, never half)."""
        write_text(concept.folder / RECORD, concept.model_dump_json(indent=2))

    def delete(self, name: str) -> None:
        """Remove a concept and everything it made (not while it trains)."""
        self.get(name)  # unknown -> UserError
        with self.training(name):
            shutil.rmtree(self.folder(name))

    @staticmethod
    def _check_token(token: str, used: set[str]) -> str:
        if not re.fullmatch(r"[a-z]{2,12}", token):
            raise UserError(f"token must be 2-12 lowercase letters, got {token!r}")
        if token in used:
            raise UserError(f"token {token!r} is used by another concept; pick another")
        return token

    def _read(self, folder: Path) -> Concept:
        try:
            data = json.loads((folder / RECORD).read_text())
            return Concept.model_validate({**data, "folder": folder})
        except (OSError, ValueError) as err:
            raise UserError(
                f"concept record {folder / RECORD} is unreadable ({err}); delete the folder"
            ) from None


def new_token(name: str, used: set[str]) -> str:
    """A rare identifier: 'sks' for the first concept, then consonant triples like 'zxq'.

    Derived from the name so the same name gets the same token; never one in `used`.
    """
    if "sks" not in used:
        return "sks"
    digest = hashlib.sha256(name.encode()).digest()
    for i in range(0, len(digest) - 2):
        token = "".join(_CONSONANTS[b % len(_CONSONANTS)] for b in digest[i : i + 3])
        if token not in used:
            return token
    for a in _CONSONANTS:  # 32 names sharing every triple of a digest: take the first free one
        for b in _CONSONANTS:
            if (token := f"{a}{b}q") not in used:
                return token
    raise UserError("no free concept token left; pass one with --token")
