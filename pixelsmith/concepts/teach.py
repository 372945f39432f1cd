"""DreamBooth-LoRA: teach pixelsmith a personal subject from a few photos.

The diffusers recipe (examples/dreambooth/train_dreambooth_lora.py) cut to what a chat
app needs. A LoRA (peft, rank r on to_q/to_k/to_v/to_out.0) is trained on a deep copy
of the generator's UNet with the noise-prediction MSE (epsilon or v-prediction, from the
scheduler config) on "a photo of <token> <class>"; with prior preservation, on class
images the base model made for "a photo of <class>" as well. With
`TrainSettings.inpaint_adapter` (the default) a second LoRA is then trained the same way
on a copy of the inpainting UNet, on the photos under random masks (as diffusers'
DreamBooth-inpainting example does), so "replace the cat with my dog" paints the subject
into a hole with an adapter made for that UNet. The text encoder and the VAE are frozen
and shared read-only; each photo is VAE-encoded once per adapter (for the inpainting one,
with `trainer.MASK_VARIANTS` masked copies), not once per step.

The registry's pipelines are never modified: the LoRA lives on the copy, which costs one
more UNet in memory (about 1.7 GB in fp16 for SD 1.5) and can never leak into another
session's generate or inpaint, even if training dies half-way.

Photos are checked by `photos.load_photos` (3-200 readable photos, 3:1 to 1:3, at
least 32 px, at most 8x apart in size) before anything is written. On CUDA: mixed
precision (bf16, else fp16 with a grad scaler), gradient checkpointing and 8-bit AdamW
when bitsandbytes imports; elsewhere fp32 AdamW.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from PIL import Image

from pixelsmith.concepts.apply import pipeline_lock
from pixelsmith.concepts.lora_trainer import (
    LoraTrainer,
    TrainData,
    checkpoints,
    embed,
    encode_images,
    inpaint_conditioning,
)
from pixelsmith.concepts.photos import centre_square, load_photos
from pixelsmith.concepts.store import (
    ADAPTER_FILES,
    Concept,
    ConceptStore,
    TrainSettings,
    check_class_word,
    check_name,
)
from pixelsmith.errors import InterruptedError_, UserError
from pixelsmith.families import family_of
from pixelsmith.files import save_image
from pixelsmith.images import load_image

Role = Literal["generator", "inpainter"]
PHASES: dict[str, Literal["training", "inpaint training"]] = {
    "generator": "training",
    "inpainter": "inpaint training",
}


@dataclass(frozen=True)
class TrainProgress:
    """`step` of `total` done in `phase`; `loss` and `eta_seconds` (to the end of the whole
    job) while training."""

    phase: Literal["class images", "training", "inpaint training"]
    step: int
    total: int
    loss: float | None = None
    eta_seconds: float | None = None


OnProgress = Callable[[TrainProgress], None]


def train_concept(
    models: Any,
    store: ConceptStore,
    name: str,
    *,
    images: Iterable[str | Path] = (),
    class_word: str | None = None,
    token: str | None = None,
    settings: TrainSettings | None = None,
    resume: bool = False,
    on_progress: OnProgress | None = None,
    cancel: threading.Event | None = None,
) -> Concept:
    """Train concept `name` on the models of `models` (a `ModelRegistry`); returns it ready.

    Every input is checked before anything is written or trained. `resume=True` continues
    a concept whose training stopped (from its last checkpoint, with its stored photos and
    settings; settings given explicitly must match them) or starts a new one. Setting
    `cancel` stops after the current step with a checkpoint and `InterruptedError_`.
    """
    with store.training(name):
        return _train_concept(
            models,
            store,
            name,
            images,
            class_word,
            token,
            settings,
            resume,
            on_progress or (lambda progress: None),
            cancel or threading.Event(),
        )


def _train_concept(
    models: Any,
    store: ConceptStore,
    name: str,
    images: Iterable[str | Path],
    class_word: str | None,
    token: str | None,
    settings: TrainSettings | None,
    resume: bool,
    report: OnProgress,
    cancel: threading.Event,
) -> Concept:
    # 1. Check everything, then create the concept (or pick up the one to resume).
    concept = _resumable(store, name, class_word, settings) if resume else None
    if concept is None:
        images = list(images)
        if resume and not images:
            raise UserError(
                f"there is no stopped training of {name!r} to continue; teach it first with 3-20 photos"
            )
        name, class_word = check_name(name), check_class_word(class_word)
        if store.exists(name):
            raise UserError(_clash_message(store.get(name)))
        settings = settings or TrainSettings()
        photos = load_photos(images, max_pixels=models.settings.limits.max_pixels)
        roles = _roles(settings)
        families = {role: family_of(models.get(role)) for role in roles}  # a missing model fails here
        base = {role: getattr(models.settings, role).model for role in roles}
        concept = store.create(
            name,
            class_word=class_word,
            settings=settings,
            base_models=base,
            token=token,
            fill=lambda new: _save_photos(new, photos),
        )
        concept.families = families
        store.save(concept)
    for role, trained_on in concept.base_models.items():
        if trained_on != getattr(models.settings, role).model:
            raise UserError(
                f"concept {name!r} was started on {role} {trained_on!r}, not "
                f"{getattr(models.settings, role).model!r}; switch back to resume it, or delete it"
            )
    # 2. One LoRA per role, each from its last checkpoint; a finished one is not redone.
    todo = [role for role in _roles(concept.settings) if role not in concept.adapters]
    for i, role in enumerate(todo):
        _train_adapter(models, store, concept, role, later=len(todo) - 1 - i, cancel=cancel, report=report)
    concept.status = "ready"
    store.save(concept)
    return concept


def _roles(settings: TrainSettings) -> list[Role]:
    return ["generator", "inpainter"] if settings.inpaint_adapter else ["generator"]


def _train_adapter(
    models: Any,
    store: ConceptStore,
    concept: Concept,
    role: Role,
    *,
    later: int,
    cancel: threading.Event,
    report: OnProgress,
) -> None:
    """Train `role`'s LoRA to `settings.steps` and write it; `later` adapters follow (for the ETA)."""
    pipeline, s = models.get(role), concept.settings
    started = time.perf_counter()
    # Latents and prompt embeddings, once; class images made by the generator if missing.
    photos = _read_all(concept.folder / "images", concept.images)
    text, pooled = embed(pipeline, concept.instance_prompt)
    data = TrainData(*encode_images(pipeline, photos), text, instance_pooled=pooled)
    inpainting = pipeline.unet.config.in_channels == 9
    if inpainting:
        data.instance_cond = inpaint_conditioning(pipeline, photos, seed=s.seed)
    if s.prior_preservation:
        made = class_images(models, concept, cancel=cancel, report=report)
        data.class_mean, data.class_std = encode_images(pipeline, made)
        data.class_embedding, data.class_pooled = embed(pipeline, concept.class_prompt)
        if inpainting:
            data.class_cond = inpaint_conditioning(pipeline, made, seed=s.seed + len(photos))
    # The loop, from the last checkpoint when there is one.
    trainer = LoraTrainer(pipeline, s)
    root = _checkpoint_root(concept, role)
    done, losses = trainer.load_checkpoint(checkpoints(root)[-1]) if checkpoints(root) else (0, [])
    first, loop_start = done, time.perf_counter()
    for step in range(done + 1, s.steps + 1):
        if cancel.is_set():
            _stop(trainer, store, concept, role, step - 1, losses, started)
        losses.append(trainer.step(trainer.draw(data)))
        if step % s.checkpoint_every == 0 or step == s.steps:
            if step < s.steps:
                trainer.save_checkpoint(root, step, losses)
            _record(trainer, pipeline, store, concept, role, step, losses, started)
            started = time.perf_counter()
        per_step = (time.perf_counter() - loop_start) / (step - first)
        eta = per_step * (s.steps - step + later * s.steps)
        report(TrainProgress(PHASES[role], step, s.steps, losses[-1], eta))
    concept.adapters[role] = trainer.save_adapter(concept.folder, ADAPTER_FILES[role]).name
    store.save(concept)
    del trainer
    _free_memory()


def _checkpoint_root(concept: Concept, role: Role) -> Path:
    root = concept.folder / "checkpoints"
    return root if role == "generator" else root / role


def _set_progress(concept: Concept, role: Role, step: int, losses: list[float], started: float) -> None:
    if role == "generator":
        concept.step, concept.loss_curve = step, list(losses)
    else:
        concept.inpaint_step, concept.inpaint_loss_curve = step, list(losses)
    concept.train_seconds = round(concept.train_seconds + time.perf_counter() - started, 3)


def _resumable(
    store: ConceptStore, name: str, class_word: str | None, settings: TrainSettings | None
) -> Concept | None:
    if not store.exists(check_name(name)):
        return None
    concept = store.get(name)
    if concept.status == "ready":
        raise UserError(
            f"concept {name!r} is already trained ({concept.step} steps); delete it to train again"
        )
    if class_word and check_class_word(class_word) != concept.class_word:
        raise UserError(f"concept {name!r} was started with class {concept.class_word!r}, not {class_word!r}")
    for field in sorted(settings.model_fields_set if settings else ()):
        given, stored = getattr(settings, field), getattr(concept.settings, field)
        if given != stored:
            raise UserError(
                f"concept {name!r} was started with {field}={stored!r}; resume with the same or drop it"
            )
    return concept


def _clash_message(concept: Concept) -> str:
    if concept.status == "training":
        return (
            f"a concept named {concept.name!r} already exists (stopped at step {concept.step} of "
            f"{concept.settings.steps}); continue with {_how_to_resume(concept.name)}, or delete it"
        )
    return f"a concept named {concept.name!r} already exists; pick another name or delete it"


def _save_photos(concept: Concept, photos: list[Image.Image]) -> None:
    """The photos, square at the training size, into the new concept's images/."""
    folder = concept.folder / "images"
    folder.mkdir(exist_ok=True)
    concept.images = [f"{i:02d}.png" for i in range(len(photos))]
    for file, photo in zip(concept.images, photos):
        save_image(centre_square(photo, concept.settings.resolution), folder / file)


def _read_all(folder: Path, names: Iterable[str]) -> list[Image.Image]:
    return [load_image(folder / name) for name in names]


def class_images(
    models: Any, concept: Concept, *, cancel: threading.Event, report: OnProgress
) -> list[Image.Image]:
    """The prior-preservation images, made by the base generator and cached in class_images/."""
    s, folder = concept.settings, concept.folder / "class_images"
    folder.mkdir(exist_ok=True)
    missing = [i for i in range(s.class_images) if not _readable(folder / f"{i:03d}.png")]
    done = s.class_images - len(missing)
    for batch in (missing[k : k + 4] for k in range(0, len(missing), 4)):
        if cancel.is_set():
            raise InterruptedError_(f"training of {concept.name!r} stopped while making class images")
        count = len(batch)
        seeds = [s.seed + 1 + i for i in batch]
        pipeline = models.get("generator")
        with pipeline_lock(pipeline), torch.inference_mode():
            made = pipeline(
                concept.class_prompt,
                num_inference_steps=s.class_steps,
                width=s.resolution,
                height=s.resolution,
                num_images_per_prompt=count,
                generator=[torch.Generator("cpu").manual_seed(seed) for seed in seeds],
            ).images
        for i, image in zip(batch, made):
            save_image(image, folder / f"{i:03d}.png")
        done += count
        report(TrainProgress("class images", done, s.class_images))
    return _read_all(folder, [f"{i:03d}.png" for i in range(s.class_images)])


def _readable(path: Path) -> bool:
    """A cached class image that opens (one torn by a kill is made again)."""
    try:
        with Image.open(path) as image:
            image.load()
        return True
    except (OSError, SyntaxError, ValueError):
        path.unlink(missing_ok=True)
        return False


def sample_inputs(concept: Concept, role: Role) -> dict[str, Image.Image]:
    """What a checkpoint sample of `role` starts from: nothing for the generator; for the
    inpainter the first photo with a centred hole of half its side."""
    if role == "generator":
        return {}
    photo = load_image(concept.folder / "images" / concept.images[0])
    w, h = photo.size
    mask = Image.new("L", photo.size, 0)
    mask.paste(255, (w // 4, h // 4, w - w // 4, h - h // 4))
    return {"image": photo, "mask_image": mask}


def _record(
    trainer: LoraTrainer,
    pipeline: Any,
    store: ConceptStore,
    concept: Concept,
    role: Role,
    step: int,
    losses: list[float],
    started: float,
) -> None:
    """At a checkpoint: a sample image with the LoRA on and the record brought up to date."""
    s = concept.settings
    image = trainer.sample(
        pipeline,
        concept.instance_prompt,
        seed=s.seed,
        steps=s.sample_steps,
        size=s.resolution,
        **sample_inputs(concept, role),
    )
    (concept.folder / "samples").mkdir(exist_ok=True)
    file = f"step-{step}.png" if role == "generator" else f"inpaint-step-{step}.png"
    save_image(image, concept.folder / "samples" / file)
    concept.samples = [*[f for f in concept.samples if f != file], file]
    _set_progress(concept, role, step, losses, started)
    store.save(concept)


def _stop(
    trainer: LoraTrainer,
    store: ConceptStore,
    concept: Concept,
    role: Role,
    step: int,
    losses: list[float],
    started: float,
) -> None:
    if step > 0 and step % concept.settings.checkpoint_every:
        trainer.save_checkpoint(_checkpoint_root(concept, role), step, losses)
    _set_progress(concept, role, step, losses, started)
    store.save(concept)
    what = "" if role == "generator" else "the inpainting LoRA of "
    raise InterruptedError_(
        f"training of {what}{concept.name!r} stopped at step {step} of {concept.settings.steps}; "
        f"continue with {_how_to_resume(concept.name)}"
    )


def _how_to_resume(name: str) -> str:
    return f"'continue training {name}' (or `pixelsmith concept train {name} --resume`)"


def _free_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
