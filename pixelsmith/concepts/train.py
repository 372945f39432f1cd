"""DreamBooth-LoRA: teach the generator a personal subject from a few photos.

The diffusers recipe (examples/dreambooth/train_dreambooth_lora.py) cut to what a chat
app needs. A LoRA (peft, rank r on to_q/to_k/to_v/to_out.0) is trained on a deep copy
of the generator's UNet with the noise-prediction MSE (epsilon or v-prediction, from the
scheduler config) on "a photo of <token> <class>"; with prior preservation, on class
images the base model made for "a photo of <class>" as well. The text encoder and the
VAE are frozen and shared read-only; each image is VAE-encoded once per run.

The registry's pipeline is never modified: the LoRA lives on the copy, which costs one
more UNet in memory (about 1.7 GB in fp16 for SD 1.5) and can never leak into another
session's generate or inpaint, even if training dies half-way.

Photos are checked by `registry.load_photos` (3-200 readable photos, 3:1 to 1:3, at
least 32 px, at most 8x apart in size) before anything is written. On CUDA: mixed
precision (bf16, else fp16 with a grad scaler), gradient checkpointing and 8-bit AdamW
when bitsandbytes imports; elsewhere fp32 AdamW.
"""

from __future__ import annotations

import copy
import gc
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from pixelsmith.concepts.apply import pipeline_lock
from pixelsmith.concepts.registry import (
    ADAPTER_FILES,
    Concept,
    ConceptStore,
    TrainSettings,
    centre_square,
    check_class_word,
    check_name,
    load_photos,
)
from pixelsmith.errors import InterruptedError_, UserError
from pixelsmith.images import load_image

TARGET_MODULES = ["to_k", "to_q", "to_v", "to_out.0"]
KEEP_CHECKPOINTS = 2


@dataclass(frozen=True)
class TrainProgress:
    """`step` of `total` done in `phase`; `loss` and `eta_seconds` while training."""

    phase: Literal["class images", "training"]
    step: int
    total: int
    loss: float | None = None
    eta_seconds: float | None = None


OnProgress = Callable[[TrainProgress], None]


# -- data ------------------------------------------------------------------------------


@dataclass
class TrainData:
    """What each step draws from, computed once: latent mean/std (N, 4, h, w), already
    multiplied by the VAE scaling factor, and prompt embeddings (1, 77, D), all fp32 CPU."""

    instance_mean: torch.Tensor
    instance_std: torch.Tensor
    instance_embedding: torch.Tensor
    class_mean: torch.Tensor | None = None
    class_std: torch.Tensor | None = None
    class_embedding: torch.Tensor | None = None


@torch.no_grad()
def encode_images(
    pipeline: Any, images: Sequence[Image.Image], *, chunk: int = 4
) -> tuple[torch.Tensor, torch.Tensor]:
    """VAE latent distributions of RGB images (all the same size): (mean, std) × scale."""
    vae, means, stds = pipeline.vae, [], []
    for i in range(0, len(images), chunk):
        array = np.stack([np.asarray(im, dtype=np.float32) for im in images[i : i + chunk]])
        pixels = torch.from_numpy(array).permute(0, 3, 1, 2) / 127.5 - 1.0  # (B, 3, H, W) in [-1, 1]
        dist = vae.encode(pixels.to(vae.device, vae.dtype)).latent_dist
        means.append(dist.mean.float().cpu())
        stds.append(dist.std.float().cpu())
    factor = vae.config.scaling_factor
    return torch.cat(means) * factor, torch.cat(stds) * factor


@torch.no_grad()
def embed_prompt(pipeline: Any, prompt: str) -> torch.Tensor:
    """The frozen text encoder's hidden states for `prompt`: (1, 77, D) fp32 on the CPU."""
    tokenizer = pipeline.tokenizer
    ids = tokenizer(
        prompt,
        padding="max_length",
        max_length=tokenizer.model_max_length,
        truncation=True,
        return_tensors="pt",
    ).input_ids
    return pipeline.text_encoder(ids.to(pipeline.text_encoder.device))[0].float().cpu()


@dataclass
class Batch:
    """One step's inputs: latents, noise (B, 4, h, w), timesteps (B,), embeddings (B, 77, D)
    and per-sample loss weights (B,) that sum the instance and prior terms."""

    latents: torch.Tensor
    noise: torch.Tensor
    timesteps: torch.Tensor
    embeddings: torch.Tensor
    weights: torch.Tensor

    def to(self, device: torch.device) -> Batch:
        return Batch(*(t.to(device) for t in vars(self).values()))


# -- the trainer -----------------------------------------------------------------------


class LoraTrainer:
    """A LoRA on a private copy of `pipeline.unet`, its optimizer and its random stream."""

    def __init__(self, pipeline: Any, settings: TrainSettings) -> None:
        from diffusers import DDPMScheduler
        from diffusers.training_utils import cast_training_params
        from peft import LoraConfig

        self.settings, self.device = settings, pipeline.unet.device
        cuda = self.device.type == "cuda"
        with pipeline_lock(pipeline):
            unet = copy.deepcopy(pipeline.unet)
        unet.requires_grad_(False)
        if not cuda:
            unet.to(torch.float32)  # half precision is slow and lossy on the CPU
        config = LoraConfig(
            r=settings.rank,
            lora_alpha=settings.rank,
            init_lora_weights="gaussian",
            target_modules=TARGET_MODULES,
        )
        with torch.random.fork_rng(devices=[]):  # the LoRA init is seeded, the caller's RNG untouched
            torch.manual_seed(settings.seed)
            unet.add_adapter(config)
        cast_training_params(unet, dtype=torch.float32)  # LoRA weights train in fp32
        if cuda:
            unet.enable_gradient_checkpointing()
        self.unet = unet.train()
        self.params = [p for p in unet.parameters() if p.requires_grad]
        self.optimizer = _optimizer(self.params, settings.lr, cuda=cuda)
        self.autocast = (
            (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if cuda else None
        )
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.autocast == torch.float16)
        self.noise_scheduler = DDPMScheduler.from_config(pipeline.scheduler.config)
        self.prediction = self.noise_scheduler.config.prediction_type
        if self.prediction not in ("epsilon", "v_prediction"):
            raise UserError(f"cannot train a concept for prediction type {self.prediction!r}")
        self.generator = torch.Generator("cpu").manual_seed(settings.seed)

    def draw(self, data: TrainData) -> Batch:
        """A random batch: instance images (and as many class images) with noise and timesteps."""
        g, n = self.generator, self.settings.batch_size
        index = torch.randint(len(data.instance_mean), (n,), generator=g)
        means, stds = [data.instance_mean[index]], [data.instance_std[index]]
        embeddings, weights = [data.instance_embedding.expand(n, -1, -1)], [torch.full((n,), 1.0 / n)]
        if data.class_mean is not None:
            index = torch.randint(len(data.class_mean), (n,), generator=g)
            means.append(data.class_mean[index])
            stds.append(data.class_std[index])
            embeddings.append(data.class_embedding.expand(n, -1, -1))
            weights.append(torch.full((n,), self.settings.prior_loss_weight / n))
        mean, std = torch.cat(means), torch.cat(stds)
        latents = mean + std * torch.randn(mean.shape, generator=g)
        noise = torch.randn(latents.shape, generator=g)
        steps = self.noise_scheduler.config.num_train_timesteps
        timesteps = torch.randint(0, steps, (len(latents),), generator=g)
        return Batch(latents, noise, timesteps, torch.cat(embeddings), torch.cat(weights))

    def step(self, batch: Batch) -> float:
        """One optimizer step on `batch`; returns the loss before the update."""
        b = batch.to(self.device)
        noisy = self.noise_scheduler.add_noise(b.latents, b.noise, b.timesteps)
        target = (
            b.noise
            if self.prediction == "epsilon"
            else self.noise_scheduler.get_velocity(b.latents, b.noise, b.timesteps)
        )
        with torch.autocast(self.device.type, dtype=self.autocast, enabled=self.autocast is not None):
            pred = self.unet(noisy, b.timesteps, b.embeddings.to(self.unet.dtype)).sample
        per_sample = F.mse_loss(pred.float(), target.float(), reduction="none").mean(dim=(1, 2, 3))
        loss = (per_sample * b.weights).sum()
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    def lora_state(self) -> dict[str, torch.Tensor]:
        """The LoRA weights in peft's key format."""
        from peft.utils import get_peft_model_state_dict

        return {k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(self.unet).items()}

    def save_checkpoint(self, root: Path, step: int, losses: list[float]) -> Path:
        """Write checkpoints/step-N/ atomically (a temp folder renamed into place)."""
        from safetensors.torch import save_file

        final, tmp = root / f"step-{step}", root / f".step-{step}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        save_file(self.lora_state(), tmp / "lora.safetensors")
        state = {"optimizer": self.optimizer.state_dict(), "scaler": self.scaler.state_dict()}
        torch.save({**state, "rng": self.generator.get_state()}, tmp / "training_state.pt")
        (tmp / "state.json").write_text(json.dumps({"step": step, "loss_curve": losses}))
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        for old in checkpoints(root)[:-KEEP_CHECKPOINTS]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def load_checkpoint(self, folder: Path) -> tuple[int, list[float]]:
        """Restore LoRA, optimizer, scaler and random stream; returns (step, loss curve)."""
        from peft.utils import set_peft_model_state_dict
        from safetensors.torch import load_file

        set_peft_model_state_dict(self.unet, load_file(folder / "lora.safetensors"))
        state = torch.load(folder / "training_state.pt", map_location="cpu", weights_only=True)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        self.generator.set_state(state["rng"])
        record = json.loads((folder / "state.json").read_text())
        return int(record["step"]), [float(x) for x in record["loss_curve"]]

    def save_adapter(self, folder: Path, weight_name: str) -> Path:
        """The LoRA in diffusers' format, loadable with `pipeline.load_lora_weights`."""
        from diffusers import StableDiffusionPipeline
        from diffusers.utils import convert_state_dict_to_diffusers

        StableDiffusionPipeline.save_lora_weights(
            folder,
            unet_lora_layers=convert_state_dict_to_diffusers(self.lora_state()),
            weight_name=weight_name,
            unet_lora_adapter_metadata=self.unet.peft_config["default"].to_dict(),
        )
        return folder / weight_name

    @torch.no_grad()
    def sample(self, pipeline: Any, prompt: str, *, seed: int, steps: int, size: int) -> Image.Image:
        """An image made with the LoRA on (the trained copy), seeded; the shared pipeline is untouched."""
        scheduler = type(pipeline.scheduler).from_config(pipeline.scheduler.config)
        components = {**pipeline.components, "unet": self.unet, "scheduler": scheduler}
        sampler = type(pipeline)(**components, requires_safety_checker=False)
        sampler.set_progress_bar_config(disable=True)
        self.unet.eval()
        try:
            with torch.autocast(self.device.type, dtype=self.autocast, enabled=self.autocast is not None):
                generator = torch.Generator("cpu").manual_seed(seed)
                result = sampler(
                    prompt, num_inference_steps=steps, width=size, height=size, generator=generator
                )
        finally:
            self.unet.train()
        return result.images[0]


def _optimizer(params: list[torch.nn.Parameter], lr: float, *, cuda: bool) -> torch.optim.Optimizer:
    if cuda:
        try:
            import bitsandbytes as bnb

            return bnb.optim.AdamW8bit(params, lr=lr, weight_decay=1e-2)
        except ImportError:
            pass
    return torch.optim.AdamW(params, lr=lr, weight_decay=1e-2)


def checkpoints(root: Path) -> list[Path]:
    """Complete checkpoints under `root`, oldest first."""
    found = [p for p in root.glob("step-*") if (p / "state.json").is_file()] if root.is_dir() else []
    return sorted(found, key=lambda p: int(p.name.split("-")[1]))


# -- the whole job ---------------------------------------------------------------------


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
    """Train concept `name` on the generator of `models` (a `ModelRegistry`); returns it ready.

    Every input is checked before anything is written or trained. `resume=True` continues
    a concept whose training stopped (from its last checkpoint, with its stored photos and
    settings; settings given explicitly must match them) or starts a new one. Setting
    `cancel` stops after the current step with a checkpoint and `InterruptedError_`.
    """
    report = on_progress or (lambda progress: None)
    cancel = cancel or threading.Event()
    # 1. Check everything, then create the concept (or pick up the one to resume).
    concept = _resumable(store, name, class_word, settings) if resume else None
    if concept is None:
        name, class_word = check_name(name), check_class_word(class_word)
        if store.exists(name):
            raise UserError(_clash_message(store.get(name)))
        settings = settings or TrainSettings()
        photos = load_photos(images, max_pixels=models.settings.limits.max_pixels)
        models.get("generator")  # a missing model fails here, before the folder exists
        base = {"generator": models.settings.generator.model}
        concept = store.create(name, class_word=class_word, settings=settings, base_models=base, token=token)
        concept.images = _save_photos(concept, photos)
        store.save(concept)
    elif concept.base_models.get("generator") != models.settings.generator.model:
        raise UserError(
            f"concept {name!r} was started on generator {concept.base_models.get('generator')!r}, "
            f"not {models.settings.generator.model!r}; switch back to resume it, or delete it"
        )
    pipeline = models.get("generator")
    s = concept.settings
    started = time.perf_counter()
    # 2. Latents and prompt embeddings, once; class images made by the base model if missing.
    data = TrainData(
        *encode_images(pipeline, _read_all(concept.folder / "images", concept.images)),
        embed_prompt(pipeline, concept.instance_prompt),
    )
    if s.prior_preservation:
        made = class_images(pipeline, concept, cancel=cancel, report=report)
        data.class_mean, data.class_std = encode_images(pipeline, made)
        data.class_embedding = embed_prompt(pipeline, concept.class_prompt)
    # 3. The loop, from the last checkpoint when there is one.
    trainer = LoraTrainer(pipeline, s)
    root = concept.folder / "checkpoints"
    done, losses = trainer.load_checkpoint(checkpoints(root)[-1]) if checkpoints(root) else (0, [])
    first, loop_start = done, time.perf_counter()
    for step in range(done + 1, s.steps + 1):
        if cancel.is_set():
            _stop(trainer, store, concept, step - 1, losses, started)
        losses.append(trainer.step(trainer.draw(data)))
        if step % s.checkpoint_every == 0 or step == s.steps:
            if step < s.steps:
                trainer.save_checkpoint(root, step, losses)
            _record(trainer, pipeline, store, concept, step, losses, started)
            started = time.perf_counter()
        eta = (time.perf_counter() - loop_start) / (step - first) * (s.steps - step)
        report(TrainProgress("training", step, s.steps, losses[-1], eta))
    # 4. The adapter in diffusers' format; the concept is ready.
    concept.adapters = {"generator": trainer.save_adapter(concept.folder, ADAPTER_FILES["generator"]).name}
    concept.status = "ready"
    store.save(concept)
    del trainer
    _free_memory()
    return concept


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
            f"{concept.settings.steps}); resume it with --resume, or delete it"
        )
    return f"a concept named {concept.name!r} already exists; pick another name or delete it"


def _save_photos(concept: Concept, photos: list[Image.Image]) -> list[str]:
    folder = concept.folder / "images"
    folder.mkdir(exist_ok=True)
    names = [f"{i:02d}.png" for i in range(len(photos))]
    for file, photo in zip(names, photos):
        centre_square(photo, concept.settings.resolution).save(folder / file)
    return names


def _read_all(folder: Path, names: Iterable[str]) -> list[Image.Image]:
    return [load_image(folder / name) for name in names]


def class_images(
    pipeline: Any, concept: Concept, *, cancel: threading.Event, report: OnProgress
) -> list[Image.Image]:
    """The prior-preservation images, made by the base model and cached in class_images/."""
    s, folder = concept.settings, concept.folder / "class_images"
    folder.mkdir(exist_ok=True)
    have = len(list(folder.glob("*.png")))
    for start in range(have, s.class_images, 4):
        if cancel.is_set():
            raise InterruptedError_(f"training of {concept.name!r} stopped while making class images")
        count = min(4, s.class_images - start)
        seeds = [s.seed + 1 + start + i for i in range(count)]
        with pipeline_lock(pipeline), torch.inference_mode():
            made = pipeline(
                concept.class_prompt,
                num_inference_steps=s.class_steps,
                width=s.resolution,
                height=s.resolution,
                num_images_per_prompt=count,
                generator=[torch.Generator("cpu").manual_seed(seed) for seed in seeds],
            ).images
        for i, image in enumerate(made):
            image.save(folder / f"{start + i:03d}.png")
        report(TrainProgress("class images", start + count, s.class_images))
    return _read_all(folder, sorted(p.name for p in folder.glob("*.png"))[: s.class_images])


def _record(
    trainer: LoraTrainer,
    pipeline: Any,
    store: ConceptStore,
    concept: Concept,
    step: int,
    losses: list[float],
    started: float,
) -> None:
    """At a checkpoint: a sample image with the LoRA on and the record brought up to date."""
    s = concept.settings
    image = trainer.sample(
        pipeline, concept.instance_prompt, seed=s.seed, steps=s.sample_steps, size=s.resolution
    )
    (concept.folder / "samples").mkdir(exist_ok=True)
    file = f"step-{step}.png"
    image.save(concept.folder / "samples" / file)
    concept.samples = [*[f for f in concept.samples if f != file], file]
    concept.step, concept.loss_curve = step, list(losses)
    concept.train_seconds = round(concept.train_seconds + time.perf_counter() - started, 3)
    store.save(concept)


def _stop(
    trainer: LoraTrainer,
    store: ConceptStore,
    concept: Concept,
    step: int,
    losses: list[float],
    started: float,
) -> None:
    if step > 0 and step % concept.settings.checkpoint_every:
        trainer.save_checkpoint(concept.folder / "checkpoints", step, losses)
    concept.step, concept.loss_curve = step, list(losses)
    concept.train_seconds = round(concept.train_seconds + time.perf_counter() - started, 3)
    store.save(concept)
    raise InterruptedError_(
        f"training of {concept.name!r} stopped at step {step} of {concept.settings.steps}; "
        f"continue with `pixelsmith concept train {concept.name} --resume`"
    )


def _free_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
