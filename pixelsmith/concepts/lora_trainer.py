"""The DreamBooth-LoRA training step: cached data, a LoRA on a private UNet copy, checkpoints.

`LoraTrainer` trains either UNet the registry holds, SD's or SDXL's (which also takes the
pooled text embedding and the image's size, `embed`):
- the generator's (4 latent channels in): noise-prediction loss on the noisy latents;
- the inpainter's (9 channels in: latents, mask, masked-image latents), the way diffusers'
  DreamBooth-inpainting example does it: every photo is seen under random masks (the
  whole image, boxes and ellipses of 30-90 % of a side), so the adapter learns to paint
  the subject into a hole. The masks and the masked photos' latents are made once per run
  (`inpaint_conditioning`, `MASK_VARIANTS` per photo) instead of VAE-encoding every step.
`train.train_concept` runs the whole job around it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from pixelsmith.concepts.apply import sharing, unet_copy
from pixelsmith.concepts.store import TrainSettings
from pixelsmith.errors import UserError
from pixelsmith.files import replace_file

TARGET_MODULES = ["to_k", "to_q", "to_v", "to_out.0"]
KEEP_CHECKPOINTS = 2
MASK_VARIANTS = 4  # masks per photo for the inpainting adapter: the whole image + 3 random shapes


# -- data ------------------------------------------------------------------------------


@dataclass
class TrainData:
    """What each step draws from, computed once: latent mean/std (N, 4, h, w), already
    multiplied by the VAE scaling factor, and prompt embeddings (1, 77, D), all fp32 CPU.
    For the inpainting UNet also the conditioning of every photo under each of its masks
    (N, MASK_VARIANTS, 5, h, w): the latent-size mask and the masked photo's latents."""

    instance_mean: torch.Tensor
    instance_std: torch.Tensor
    instance_embedding: torch.Tensor
    class_mean: torch.Tensor | None = None
    class_std: torch.Tensor | None = None
    class_embedding: torch.Tensor | None = None
    instance_cond: torch.Tensor | None = None
    class_cond: torch.Tensor | None = None
    instance_pooled: torch.Tensor | None = None  # SDXL: the second text encoder's pooled (1, P)
    class_pooled: torch.Tensor | None = None


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


def random_masks(size: int, count: int, seed: int) -> np.ndarray:
    """`count` masks (count, size, size) of 0/1 float32: the whole image first, then
    boxes and ellipses with sides of 30-90 % of `size` at random places (seeded)."""
    rng = np.random.default_rng(seed)
    masks = np.zeros((count, size, size), np.float32)
    masks[0] = 1.0
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    for mask in masks[1:]:
        h, w = (rng.uniform(0.3, 0.9, 2) * size).astype(int)
        top, left = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
        if rng.random() < 0.5:
            mask[top : top + h, left : left + w] = 1.0
        else:
            cy, cx = top + h / 2, left + w / 2
            mask[((yy - cy) / (h / 2)) ** 2 + ((xx - cx) / (w / 2)) ** 2 <= 1.0] = 1.0
    return masks


@torch.no_grad()
def inpaint_conditioning(pipeline: Any, images: Sequence[Image.Image], *, seed: int) -> torch.Tensor:
    """(N, MASK_VARIANTS, 5, h, w) fp32 CPU: per photo and mask, the mask at latent size and
    the latents of the photo with the masked part blanked (as the inpainting pipeline feeds
    its UNet: masked pixels are 0 in [-1, 1], the mask is nearest-resized)."""
    vae, out = pipeline.vae, []
    factor = vae.config.scaling_factor
    for i, image in enumerate(images):
        pixels = torch.from_numpy(np.asarray(image, dtype=np.float32)).permute(2, 0, 1) / 127.5 - 1.0
        masks = torch.from_numpy(random_masks(pixels.shape[-1], MASK_VARIANTS, seed + i))[:, None]
        masked = pixels[None] * (masks < 0.5)
        latents = vae.encode(masked.to(vae.device, vae.dtype)).latent_dist.mean.float().cpu() * factor
        small = F.interpolate(masks, size=latents.shape[-2:])
        out.append(torch.cat([small, latents], dim=1))
    return torch.stack(out)


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


@torch.no_grad()
def embed_prompt_xl(pipeline: Any, prompt: str) -> tuple[torch.Tensor, torch.Tensor]:
    """SDXL's conditioning for `prompt`, as its pipeline computes it (both text encoders'
    penultimate hidden states side by side, and the second one's pooled projection):
    (1, 77, D1 + D2) and (1, P), fp32 on the CPU."""
    embeds, _, pooled, _ = pipeline.encode_prompt(
        prompt,
        device=pipeline.text_encoder_2.device,
        num_images_per_prompt=1,
        do_classifier_free_guidance=False,
    )
    return embeds.float().cpu(), pooled.float().cpu()


def embed(pipeline: Any, prompt: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The prompt conditioning the UNet of `pipeline` trains with: SD's hidden states, or
    SDXL's with its pooled embedding."""
    from pixelsmith.families import is_xl

    return embed_prompt_xl(pipeline, prompt) if is_xl(pipeline) else (embed_prompt(pipeline, prompt), None)


@dataclass
class Batch:
    """One step's inputs: latents, noise (B, 4, h, w), timesteps (B,), embeddings (B, 77, D)
    and per-sample loss weights (B,) that sum the instance and prior terms; for the
    inpainting UNet the mask and masked-image latents (B, 5, h, w)."""

    latents: torch.Tensor
    noise: torch.Tensor
    timesteps: torch.Tensor
    embeddings: torch.Tensor
    weights: torch.Tensor
    cond: torch.Tensor | None = None
    pooled: torch.Tensor | None = None  # SDXL: (B, P)

    def to(self, device: torch.device) -> Batch:
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        return Batch(**{k: None if v is None else v.to(device) for k, v in moved.items()})


# -- the trainer -----------------------------------------------------------------------


class LoraTrainer:
    """A LoRA on a private copy of `pipeline.unet`, its optimizer and its random stream.

    The copy's input width tells the kind: 9 channels is an inpainting UNet, which then
    needs `TrainData.instance_cond` (and `class_cond` with prior preservation)."""

    def __init__(self, pipeline: Any, settings: TrainSettings) -> None:
        from diffusers import DDPMScheduler
        from diffusers.training_utils import cast_training_params
        from peft import LoraConfig

        self.settings, self.device = settings, pipeline.unet.device
        self.inpainting = pipeline.unet.config.in_channels == 9
        self.vae_scale = int(pipeline.vae_scale_factor)
        cuda = self.device.type == "cuda"
        unet = unet_copy(pipeline)
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
        conds = [self._masked(data.instance_cond, index)] if self.inpainting else []
        pooled = [data.instance_pooled.expand(n, -1)] if data.instance_pooled is not None else []
        if data.class_mean is not None:
            index = torch.randint(len(data.class_mean), (n,), generator=g)
            means.append(data.class_mean[index])
            stds.append(data.class_std[index])
            embeddings.append(data.class_embedding.expand(n, -1, -1))
            weights.append(torch.full((n,), self.settings.prior_loss_weight / n))
            conds += [self._masked(data.class_cond, index)] if self.inpainting else []
            pooled += [data.class_pooled.expand(n, -1)] if data.class_pooled is not None else []
        mean, std = torch.cat(means), torch.cat(stds)
        latents = mean + std * torch.randn(mean.shape, generator=g)
        noise = torch.randn(latents.shape, generator=g)
        steps = self.noise_scheduler.config.num_train_timesteps
        timesteps = torch.randint(0, steps, (len(latents),), generator=g)
        cond = torch.cat(conds) if conds else None
        text = torch.cat(pooled) if pooled else None
        return Batch(latents, noise, timesteps, torch.cat(embeddings), torch.cat(weights), cond, text)

    def _masked(self, cond: torch.Tensor | None, index: torch.Tensor) -> torch.Tensor:
        """Each drawn photo under one of its masks, chosen at random."""
        if cond is None:
            raise ValueError("an inpainting UNet trains on TrainData with its mask conditioning")
        variant = torch.randint(cond.shape[1], (len(index),), generator=self.generator)
        return cond[index, variant]

    def step(self, batch: Batch) -> float:
        """One optimizer step on `batch`; returns the loss before the update."""
        b = batch.to(self.device)
        noisy = self.noise_scheduler.add_noise(b.latents, b.noise, b.timesteps)
        target = (
            b.noise
            if self.prediction == "epsilon"
            else self.noise_scheduler.get_velocity(b.latents, b.noise, b.timesteps)
        )
        if b.cond is not None:
            noisy = torch.cat([noisy, b.cond], dim=1)  # the inpainting UNet's 9 channels
        extra = {}
        if b.pooled is not None:  # SDXL: the pooled text and the size/crop numbers, as at inference
            side_h, side_w = (s * self.vae_scale for s in b.latents.shape[-2:])
            ids = torch.tensor(
                [side_h, side_w, 0, 0, side_h, side_w], dtype=self.unet.dtype, device=self.device
            )
            conditioning = {
                "text_embeds": b.pooled.to(self.unet.dtype),
                "time_ids": ids.expand(len(noisy), -1),
            }
            extra["added_cond_kwargs"] = conditioning
        with torch.autocast(self.device.type, dtype=self.autocast, enabled=self.autocast is not None):
            pred = self.unet(noisy, b.timesteps, b.embeddings.to(self.unet.dtype), **extra).sample
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
        for file in tmp.iterdir():  # on disk before the folder's rename makes it the checkpoint
            replace_file(file, file)
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
        import tempfile

        from diffusers import StableDiffusionPipeline
        from diffusers.utils import convert_state_dict_to_diffusers

        with tempfile.TemporaryDirectory(dir=folder, prefix=".adapter-") as tmp:  # then one rename
            StableDiffusionPipeline.save_lora_weights(
                tmp,
                unet_lora_layers=convert_state_dict_to_diffusers(self.lora_state()),
                weight_name=weight_name,
                unet_lora_adapter_metadata=self.unet.peft_config["default"].to_dict(),
            )
            return replace_file(Path(tmp) / weight_name, folder / weight_name)

    @torch.no_grad()
    def sample(
        self, pipeline: Any, prompt: str, *, seed: int, steps: int, size: int, **inputs: Any
    ) -> Image.Image:
        """An image made with the LoRA on (the trained copy), seeded; the shared pipeline is
        untouched. `inputs` go to the pipeline call (an inpainting one needs image and mask_image)."""
        scheduler = type(pipeline.scheduler).from_config(pipeline.scheduler.config)
        sampler = sharing(pipeline, unet=self.unet, scheduler=scheduler)
        self.unet.eval()
        try:
            with torch.autocast(self.device.type, dtype=self.autocast, enabled=self.autocast is not None):
                generator = torch.Generator("cpu").manual_seed(seed)
                result = sampler(
                    prompt, num_inference_steps=steps, width=size, height=size, generator=generator, **inputs
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
