"""The plain way: what a user would write with transformers/diffusers alone, on the same model objects."""

from __future__ import annotations

import copy
from typing import Any

import torch
from PIL import Image

from pixelsmith.bench.options import PROMPT


@torch.inference_mode()
def plain_detect(detector: Any, image: Image.Image, label: str, threshold: float) -> dict:
    """transformers alone: processor, model, post-processing."""
    inputs = detector.processor(text=[[f"a photo of a {label}"]], images=image, return_tensors="pt")
    inputs = inputs.to(detector.device, detector.dtype)
    outputs = detector.model(**inputs)
    target = [(image.height, image.width)]
    return detector.processor.post_process_grounded_object_detection(
        outputs, threshold=threshold, target_sizes=target
    )[0]


@torch.inference_mode()
def plain_sam(predictor: Any, image: Image.Image, *, point=None, box=None) -> torch.Tensor:
    """transformers alone: SamProcessor + a full SamModel forward (the image encoded every call)."""
    prompt = {"input_points": [[[point]]]} if point is not None else {"input_boxes": [[box]]}
    inputs = predictor.processor(images=image, return_tensors="pt", **prompt)
    inputs = inputs.to(predictor.device, predictor.dtype)
    outputs = predictor.model(**inputs)
    return predictor.processor.image_processor.post_process_masks(
        outputs.pred_masks.float().cpu(), inputs["original_sizes"].cpu(), inputs["reshaped_input_sizes"].cpu()
    )[0]


@torch.inference_mode()
def plain_sam_encode(predictor: Any, image: Image.Image) -> torch.Tensor:
    """transformers alone: SamProcessor + the image encoder."""
    inputs = predictor.processor(images=image, return_tensors="pt")
    return predictor.model.get_image_embeddings(inputs["pixel_values"].to(predictor.device, predictor.dtype))


_PLAIN_PARTS: dict[int, dict[str, Any]] = {}


def plain_parts(pipeline: Any) -> dict[str, Any]:
    """`pipeline`'s modules as `from_pretrained(...).to(device)` leaves them: the UNet and VAE
    in the default memory layout and not compiled (copies, made once, where pixelsmith's
    `channels_last` or `compile_unet` changed them), so the plain figure gets none of it."""
    key = id(pipeline)
    if key not in _PLAIN_PARTS:
        parts = {k: getattr(pipeline, k) for k in ("vae", "text_encoder", "tokenizer", "unet")}
        parts["unet"] = getattr(parts["unet"], "_orig_mod", parts["unet"])  # torch.compile's wrapper
        for name in ("unet", "vae"):
            if _channels_last(parts[name]):
                parts[name] = copy.deepcopy(parts[name]).to(memory_format=torch.contiguous_format)
        _PLAIN_PARTS[key] = parts
    return _PLAIN_PARTS[key]


def plain_pipeline(pipeline: Any) -> Any:
    """A new pipeline of `pipeline`'s class on its modules, with the options its checkpoint's
    config sets (FLUX.2 [klein]'s `is_distilled`: without it the pipeline runs classifier-free
    guidance, two passes a step), as `from_pretrained` makes one."""
    from inspect import signature

    options = {
        name: pipeline.config[name]
        for name in signature(type(pipeline)).parameters
        if name in pipeline.config and name not in pipeline.components
    }
    plain = type(pipeline)(**pipeline.components, **options)
    plain.set_progress_bar_config(disable=True)
    return plain


def _channels_last(module: Any) -> bool:
    weight = next((p for p in module.parameters() if p.dim() == 4), None)
    return weight is not None and not weight.is_contiguous()


def plain_inpaint(pipeline: Any, image: Image.Image, mask: Image.Image, steps: int, **size: int) -> int:
    """diffusers alone: a new `StableDiffusionInpaintPipeline` on the plain modules, its
    defaults (PNDM, guidance 7.5); returns the denoising steps that ran."""
    from diffusers import StableDiffusionInpaintPipeline

    components = plain_parts(pipeline)
    plain = StableDiffusionInpaintPipeline(
        **components,
        scheduler=type(pipeline.scheduler).from_config(pipeline.scheduler.config),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    plain.set_progress_bar_config(disable=True)
    ran = []
    with torch.inference_mode():
        plain(
            prompt=PROMPT,
            image=image,
            mask_image=mask,
            num_inference_steps=steps,
            generator=torch.Generator("cpu").manual_seed(0),
            callback_on_step_end=lambda pipe, i, t, tensors: ran.append(i) or tensors,
            **size,
        )
    return len(ran)


def plain_lora_batch(trainer: Any, pipeline: Any, photos: list[Image.Image], prompts: list[str]) -> Any:
    """What diffusers' train_dreambooth_lora.py does before the UNet at every step: encode
    the instance and class photo with the VAE and both prompts with the text encoder."""
    from pixelsmith.concepts.lora_trainer import Batch, embed_prompt, encode_images

    mean, std = encode_images(pipeline, photos)
    latents = mean + std * torch.randn(mean.shape)
    embeddings = torch.cat([embed_prompt(pipeline, p) for p in prompts])
    timesteps = torch.randint(0, trainer.noise_scheduler.config.num_train_timesteps, (len(latents),))
    return Batch(latents, torch.randn(latents.shape), timesteps, embeddings, torch.full((len(latents),), 0.5))
