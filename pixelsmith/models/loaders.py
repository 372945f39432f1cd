"""Loading each role's model: one function per (role, backend), registered by name.

Building, loading and running stay apart (STYLE.md 2): builders live in
`pixelsmith.testing.tiny`, loaders here, running in the tools. Every loader reads
safetensors only and never runs remote code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch

from pixelsmith.config import ModelSpec, PreviewSettings, Settings, looks_like_path
from pixelsmith.errors import ModelMissingError, UserError
from pixelsmith.models.detectors import GroundingDetector, OwlDetector
from pixelsmith.models.hub import go_offline_unless_reachable, missing_message

log = logging.getLogger(__name__)


class LoadContext(Protocol):
    """What a loader needs of the registry that calls it (`ModelRegistry` is one)."""

    settings: Settings
    device: torch.device
    dtype: torch.dtype

    def is_loaded(self, role: str) -> bool: ...
    def get(self, role: str) -> Any: ...


Loader = Callable[[ModelSpec, LoadContext], Any]
LOADERS: dict[tuple[str, str], Loader] = {}


def register_loader(role: str, backend: str) -> Callable[[Loader], Loader]:
    """Register `fn(spec, registry) -> model` as the loader of `role` with `backend`."""

    def decorate(fn: Loader) -> Loader:
        LOADERS[(role, backend)] = fn
        return fn

    return decorate


@dataclass
class Ranker:
    """A CLIP model and processor scoring images against text."""

    model: Any
    processor: Any
    device: torch.device
    dtype: torch.dtype


def from_pretrained(role: str, spec: ModelSpec, fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a `from_pretrained` and turn "not found / not downloaded / gated" into one sentence."""
    from huggingface_hub.errors import GatedRepoError, HFValidationError

    source = str(Path(spec.model).expanduser()) if spec.is_local else spec.model
    if not spec.is_local:
        go_offline_unless_reachable()  # a second, not minutes of retries, to know there is no network
    try:
        return fn(source, revision=spec.revision, **kwargs)
    except (OSError, HFValidationError) as err:
        gated = isinstance(err.__cause__, GatedRepoError) or "gated repo" in str(err)
        raise ModelMissingError(missing_message(role, spec, gated=gated)) from err


def check_kind(role: str, spec: ModelSpec, kinds: tuple[str, ...]) -> Any:
    """The checkpoint's config, when its `model_type` is one `spec.backend` runs; else one
    sentence naming both (a Grounding DINO checkpoint set with backend owlv2, say)."""
    from transformers import AutoConfig

    from pixelsmith.config import BACKEND_MODELS

    config = from_pretrained(role, spec, AutoConfig.from_pretrained)
    if config.model_type not in kinds:
        example = BACKEND_MODELS.get((role, spec.backend), "")
        raise UserError(
            f"the {role} checkpoint {spec.model} is of type {config.model_type}, which the "
            f"{spec.backend} backend does not run; set {role}.backend to match it, or {role}.model "
            f"to a {spec.backend} checkpoint" + (f" such as {example}" if example else "")
        )
    return config


@register_loader("detector", "owlv2")
@register_loader("detector", "owlvit")
def load_owl(spec: ModelSpec, registry: LoadContext) -> OwlDetector:
    from transformers import (
        Owlv2ForObjectDetection,
        Owlv2Processor,
        OwlViTForObjectDetection,
        OwlViTProcessor,
    )

    v2 = spec.backend == "owlv2"
    check_kind("detector", spec, ("owlv2",) if v2 else ("owlvit",))
    model_class = Owlv2ForObjectDetection if v2 else OwlViTForObjectDetection
    processor = from_pretrained("detector", spec, (Owlv2Processor if v2 else OwlViTProcessor).from_pretrained)
    model = from_pretrained(
        "detector", spec, model_class.from_pretrained, dtype=registry.dtype, use_safetensors=True
    )
    model.to(registry.device).eval()
    return OwlDetector(model, processor, spec.backend, registry.device, registry.dtype)


@register_loader("detector", "grounding-dino")
def load_grounding_dino(spec: ModelSpec, registry: LoadContext) -> GroundingDetector:
    """Grounding DINO (`IDEA-Research/grounding-dino-tiny`, `-base`) or MM-Grounding-DINO
    (`openmmlab-community/mm_grounding_dino_*`): the zero-shot detection auto classes pick the
    model class from the checkpoint's config."""
    from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor

    check_kind("detector", spec, ("grounding-dino", "mm-grounding-dino"))
    processor = from_pretrained("detector", spec, AutoProcessor.from_pretrained)
    model = from_pretrained(
        "detector",
        spec,
        AutoModelForZeroShotObjectDetection.from_pretrained,
        dtype=registry.dtype,
        use_safetensors=True,
    )
    model.to(registry.device).eval()
    return GroundingDetector(model, processor, spec.backend, registry.device, registry.dtype)


@register_loader("segmenter", "sam")
def load_sam(spec: ModelSpec, registry: LoadContext):
    from transformers import SamHQModel, SamModel, SamProcessor

    from pixelsmith.models.sam import SamPredictor

    config = check_kind("segmenter", spec, ("sam", "sam_hq"))
    model_class = SamHQModel if config.model_type == "sam_hq" else SamModel
    processor = from_pretrained("segmenter", spec, SamProcessor.from_pretrained)
    model = from_pretrained(
        "segmenter", spec, model_class.from_pretrained, dtype=registry.dtype, use_safetensors=True
    )
    model.to(registry.device).eval()
    return SamPredictor(model, processor, device=registry.device, dtype=registry.dtype)


@register_loader("segmenter", "sam2")
def load_sam2(spec: ModelSpec, registry: LoadContext):
    """SAM 2.1 (`facebook/sam2.1-hiera-tiny`, `-small`, `-base-plus`, `-large`)."""
    from transformers import Sam2Model, Sam2Processor

    from pixelsmith.models.sam2 import Sam2Predictor

    check_kind("segmenter", spec, ("sam2",))
    processor = from_pretrained("segmenter", spec, Sam2Processor.from_pretrained)
    model = from_pretrained(
        "segmenter", spec, Sam2Model.from_pretrained, dtype=registry.dtype, use_safetensors=True
    )
    model.to(registry.device).eval()
    return Sam2Predictor(model, processor, device=registry.device, dtype=registry.dtype)


@register_loader("segmenter", "sam3")
def load_sam3(spec: ModelSpec, registry: LoadContext):
    """SAM 3 (`facebook/sam3`, gated): the text detector and the point tracker, both from its
    one checkpoint, holding one copy of the image backbone they share."""
    from transformers import Sam3Model, Sam3Processor, Sam3TrackerModel, Sam3TrackerProcessor

    from pixelsmith.models.sam3 import Sam3Segmenter

    check_kind("segmenter", spec, ("sam3_video",))
    models = [
        from_pretrained("segmenter", spec, cls.from_pretrained, dtype=registry.dtype, use_safetensors=True)
        for cls in (Sam3Model, Sam3TrackerModel)
    ]
    detector, tracker = (m.to(registry.device).eval() for m in models)
    _share_backbone(detector, tracker)
    return Sam3Segmenter(
        tracker,
        from_pretrained("segmenter", spec, Sam3TrackerProcessor.from_pretrained),
        detector,
        from_pretrained("segmenter", spec, Sam3Processor.from_pretrained),
        device=registry.device,
        dtype=registry.dtype,
    )


def _share_backbone(detector: Any, tracker: Any) -> None:
    """One backbone for both halves when their weights are the same (one checkpoint's are)."""
    ours, theirs = detector.vision_encoder.backbone, tracker.vision_encoder.backbone
    a, b = ours.state_dict(), theirs.state_dict()
    if a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a):
        tracker.vision_encoder.backbone = ours


@register_loader("segmenter", "ultralytics")
def load_ultralytics(spec: ModelSpec, registry: LoadContext):
    from pixelsmith.models.ultralytics_backend import load_segmenter

    return load_segmenter(spec, device=registry.device, data_dir=registry.settings.data_dir)


def _sd_kwargs(registry: LoadContext, spec: ModelSpec, share_from: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = dict(
        dtype=registry.dtype,
        use_safetensors=True,
        safety_checker=None,
        requires_safety_checker=False,
    )
    if share_from and registry.is_loaded(share_from):
        kwargs.update(_shared_parts(spec, registry.get(share_from)))
    return kwargs


def _shared_parts(spec: ModelSpec, other: Any) -> dict[str, Any]:
    """The parts of the loaded pipeline `other` that `spec`'s checkpoint can use instead of
    its own: the VAE, and the text encoder with its tokenizer, each only where the configs
    agree (an SD 2 inpainter next to an SD 1.5 generator shares nothing)."""
    from diffusers import AutoencoderKL
    from transformers import CLIPTextConfig

    source = str(Path(spec.model).expanduser()) if spec.is_local else spec.model
    try:
        vae = AutoencoderKL.load_config(source, subfolder="vae", revision=spec.revision)
        text = CLIPTextConfig.from_pretrained(source, subfolder="text_encoder", revision=spec.revision)
    except (OSError, ValueError):  # not there: from_pretrained says so in one sentence
        return {}
    parts: dict[str, Any] = {}
    vae_keys = ("latent_channels", "block_out_channels", "scaling_factor", "shift_factor")
    if all(_same(vae.get(k), other.vae.config.get(k)) for k in vae_keys):
        parts["vae"] = other.vae
    text_keys = ("hidden_size", "num_hidden_layers", "vocab_size", "max_position_embeddings", "hidden_act")
    if all(_same(getattr(text, k), getattr(other.text_encoder.config, k, None)) for k in text_keys):
        parts.update(text_encoder=other.text_encoder, tokenizer=other.tokenizer)
    if len(parts) < 3:
        log.info("%s shares %s with the loaded pipeline", spec.model, ", ".join(parts) or "nothing")
    return parts


def _same(a: Any, b: Any) -> bool:
    return list(a) == list(b) if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) else a == b


def _finish_pipeline(pipeline: Any, registry: LoadContext) -> Any:
    settings, cuda = registry.settings, registry.device.type == "cuda"
    if settings.cpu_offload and cuda:
        pipeline.enable_model_cpu_offload(device=registry.device)  # one part on the GPU at a time
    else:
        pipeline.to(registry.device)
    if settings.channels_last == "on" or (settings.channels_last == "auto" and cuda):
        # Convolutions run NHWC on tensor cores without a layout change per layer.
        pipeline.unet.to(memory_format=torch.channels_last)
        pipeline.vae.to(memory_format=torch.channels_last)
    if settings.compile_unet and cuda:
        pipeline.unet = torch.compile(pipeline.unet, mode="max-autotune-no-cudagraphs")
    pipeline.set_progress_bar_config(disable=True)  # progress goes through the tool context
    return pipeline


@register_loader("inpainter", "diffusers")
def load_inpainter(spec: ModelSpec, registry: LoadContext):
    from diffusers import StableDiffusionInpaintPipeline

    share = "generator" if registry.settings.generator.share_with_inpainter else None
    pipeline = from_pretrained(
        "inpainter",
        spec,
        StableDiffusionInpaintPipeline.from_pretrained,
        **_sd_kwargs(registry, spec, share),
    )
    return _finish_pipeline(pipeline, registry)


@register_loader("generator", "diffusers")
def load_generator(spec: ModelSpec, registry: LoadContext):
    from diffusers import StableDiffusionPipeline

    share = "inpainter" if registry.settings.generator.share_with_inpainter else None
    pipeline = from_pretrained(
        "generator", spec, StableDiffusionPipeline.from_pretrained, **_sd_kwargs(registry, spec, share)
    )
    return _finish_pipeline(pipeline, registry)


def model_file(role: str, spec: ModelSpec) -> Path:
    """The one file a role's model is (`spec.file`): the file itself, in a folder, or in a hub
    repo (through the cache)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HFValidationError

    name = getattr(spec, "file", "")
    local = Path(spec.model).expanduser()
    if local.is_file():
        return local
    if local.is_dir():
        if not (local / name).is_file():
            raise ModelMissingError(f"the {role} folder {local} has no {name}; set {role}.file to its file")
        return local / name
    if looks_like_path(spec.model):
        raise ModelMissingError(missing_message(role, spec))
    go_offline_unless_reachable()
    try:
        return Path(hf_hub_download(spec.model, name, revision=spec.revision))
    except (OSError, HFValidationError) as err:
        raise ModelMissingError(missing_message(role, spec)) from err


@register_loader("eraser", "lama-onnx")
def load_eraser(spec: ModelSpec, registry: LoadContext):
    """LaMa's ONNX graph (`eraser.file`)."""
    from pixelsmith.models.eraser import open_eraser

    scale = float(getattr(spec, "output_scale", 255.0))
    return open_eraser(model_file("eraser", spec), cuda=registry.device.type == "cuda", output_scale=scale)


@register_loader("upscaler", "spandrel")
def load_upscaler(spec: ModelSpec, registry: LoadContext):
    """A super-resolution network's safetensors state dict (`upscaler.file`), through spandrel."""
    from pixelsmith.models.upscaler import open_upscaler

    return open_upscaler(model_file("upscaler", spec), device=registry.device, dtype=registry.dtype)


@register_loader("editor", "diffusers")
def load_editor(spec: ModelSpec, registry: LoadContext):
    """InstructPix2Pix: SD 1.5 with an 8-channel UNet (the photo's latents beside the noise);
    its VAE and text encoder are the generator's where their configs agree."""
    from diffusers import StableDiffusionInstructPix2PixPipeline

    if getattr(spec, "quantize", "none") != "none":
        raise UserError(
            "editor.quantize is for the flow editors (flux-kontext, qwen-image-edit, flux2-klein); "
            "InstructPix2Pix is 2 GB in fp16 already: set editor.quantize to none"
        )
    pipeline = from_pretrained(
        "editor",
        spec,
        StableDiffusionInstructPix2PixPipeline.from_pretrained,
        **_sd_kwargs(registry, spec, "generator"),
    )
    return _finish_pipeline(pipeline, registry)


def load_lcm_lora(preview: PreviewSettings, *, xl: bool = False) -> dict[str, torch.Tensor]:
    """The LCM-LoRA's weights for preview mode (`lcm_lora_xl` for an SDXL role): a
    .safetensors file, a folder holding `weight_name`, or a hub repo through the Hugging Face
    cache (safetensors only)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HFValidationError
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    name = preview.lcm_lora_xl if xl else preview.lcm_lora
    local = Path(name).expanduser()
    try:
        if local.is_file():
            return load_file(local)
        if local.is_dir():
            return load_file(local / preview.weight_name)
        if looks_like_path(name):
            raise FileNotFoundError(name)
        file = hf_hub_download(name, preview.weight_name, revision=preview.revision)
        return load_file(file)
    except (OSError, HFValidationError, SafetensorError) as err:  # missing, or not safetensors
        raise ModelMissingError(
            f"the preview LCM-LoRA {name!r} ({preview.weight_name}) cannot be loaded "
            f"({type(err).__name__}); run `pixelsmith models pull preview` on a machine with internet "
            f"access, or set preview.{'lcm_lora_xl' if xl else 'lcm_lora'} to a local .safetensors file"
        ) from None


@register_loader("ranker", "clip")
def load_clip(spec: ModelSpec, registry: LoadContext) -> Ranker:
    from transformers import CLIPModel, CLIPProcessor

    processor = from_pretrained("ranker", spec, CLIPProcessor.from_pretrained)
    model = from_pretrained(
        "ranker", spec, CLIPModel.from_pretrained, dtype=registry.dtype, use_safetensors=True
    )
    model.to(registry.device).eval()
    return Ranker(model, processor, registry.device, registry.dtype)
