"""Real-size architectures with random weights, built in memory from published configs.

For timing only: the compute of these models is that of the public checkpoints, the
pictures they make are noise. Nothing is saved or downloaded (full SD 1.5 is ~4 GB).

Each builder takes `device` and `dtype` and initialises the weights on that device
(`device="meta"` builds the shapes without memory, to count parameters). `FullRegistry`
serves them to the tools in place of loading checkpoints (`pixelsmith bench --architecture
full --random-weights`), wrapped the way the registry's loaders wrap real ones.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import torch

from pixelsmith.config import Settings
from pixelsmith.errors import UserError
from pixelsmith.models.model_registry import ModelRegistry
from pixelsmith.testing.tiny import _tame_heads, tiny_tokenizer

CLIP_VOCAB = 49408  # the public CLIP BPE vocabulary size; ids 49406/49407 start/end text
OWL_IMAGE, OWL_PATCH = 960, 16  # google/owlv2-base-patch16-ensemble
SD_SAMPLE = 64  # latent side of SD 1.5: 512 px / 8

SAM_VARIANTS: dict[str, dict[str, Any]] = {  # facebook/sam-vit-{base,large,huge}
    "vit-b": dict(
        hidden_size=768, num_hidden_layers=12, num_attention_heads=12, global_attn_indexes=[2, 5, 8, 11]
    ),
    "vit-l": dict(
        hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, global_attn_indexes=[5, 11, 17, 23]
    ),
    "vit-h": dict(
        hidden_size=1280, num_hidden_layers=32, num_attention_heads=16, global_attn_indexes=[7, 15, 23, 31]
    ),
}

# SD 1.5's UNet and VAE (stable-diffusion-v1-5/stable-diffusion-inpainting unet/ and vae/).
SD15_UNET = dict(
    sample_size=SD_SAMPLE,
    out_channels=4,
    block_out_channels=(320, 640, 1280, 1280),
    layers_per_block=2,
    cross_attention_dim=768,
    attention_head_dim=8,
    down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
    up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
)
SD15_VAE = dict(
    block_out_channels=(128, 256, 512, 512),
    layers_per_block=2,
    down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4,
    latent_channels=4,
    sample_size=512,
)
SD15_TEXT = dict(  # CLIP ViT-L/14 text tower
    hidden_size=768,
    intermediate_size=3072,
    num_hidden_layers=12,
    num_attention_heads=12,
    max_position_embeddings=77,
    projection_dim=768,
    vocab_size=CLIP_VOCAB,
    hidden_act="quick_gelu",
    bos_token_id=CLIP_VOCAB - 2,
    eos_token_id=CLIP_VOCAB - 1,
    pad_token_id=1,
)
SD15_SCHEDULER = dict(
    beta_start=0.00085,
    beta_end=0.012,
    beta_schedule="scaled_linear",
    num_train_timesteps=1000,
    skip_prk_steps=True,
    set_alpha_to_one=False,
    steps_offset=1,
)


@contextmanager
def _on(device: str | torch.device, seed: int = 0):
    """Create parameters directly on `device` (no CPU copy first) under a fixed seed."""
    torch.manual_seed(seed)
    with torch.device(device):
        yield


@torch.no_grad()
def _calm_heads(model) -> None:
    """Random full-size box heads saturate (zero-width boxes that detect drops): zero the
    last box layer so boxes sit at OWL's per-patch prior. The compute is unchanged."""
    _tame_heads(model)
    model.box_head.dense2.weight.zero_()


def _is_meta(module: torch.nn.Module) -> bool:
    return next(module.parameters()).device.type == "meta"


def _cast(module: torch.nn.Module, dtype: torch.dtype) -> torch.nn.Module:
    """`module` in `dtype`, in eval mode. The plain `nn.Module.to`: diffusers' override warns
    about modules a checkpoint keeps in fp32, and SD 1.5 keeps none."""
    return module.eval() if _is_meta(module) else torch.nn.Module.to(module, dtype=dtype).eval()


def full_tokenizer(*, max_length: int):
    """A CLIP tokenizer with the real vocabulary size (49408), built in memory.

    The vocabulary's content does not matter for timing; its size (the embedding table)
    and the padded sequence length (16 for OWL, 77 for SD) do. Start and end of text keep
    the real ids 49406 and 49407.
    """
    from transformers import CLIPTokenizer

    small = tiny_tokenizer(max_length=max_length)
    base = [t for t, _ in sorted(small.get_vocab().items(), key=lambda kv: kv[1]) if not t.startswith("<|")]
    fillers = [f"<|unused{i}|>" for i in range(CLIP_VOCAB - 2 - len(base))]
    tokens = base + fillers + ["<|startoftext|>", "<|endoftext|>"]
    merges = [("a", "t</w>"), ("c", "at</w>"), ("d", "o"), ("do", "g</w>")]
    vocab = {token: index for index, token in enumerate(tokens)}
    return CLIPTokenizer(vocab=vocab, merges=merges, pad_token="!", model_max_length=max_length)


def build_owlv2(*, device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32):
    """OWLv2 B/16 (960 px, ViT-B/16 vision, CLIP-B text); returns (model, processor)."""
    from transformers import Owlv2Config, Owlv2ForObjectDetection, Owlv2ImageProcessor, Owlv2Processor

    config = Owlv2Config(  # text_config defaults are CLIP-B's text tower (512 hidden, 12 layers)
        text_config=dict(vocab_size=CLIP_VOCAB, bos_token_id=CLIP_VOCAB - 2, eos_token_id=CLIP_VOCAB - 1),
        vision_config=dict(image_size=OWL_IMAGE, patch_size=OWL_PATCH),
    )
    with _on(device):
        model = Owlv2ForObjectDetection(config)
    if not _is_meta(model):
        _calm_heads(model)
    processor = Owlv2Processor(
        image_processor=Owlv2ImageProcessor(size={"height": OWL_IMAGE, "width": OWL_IMAGE}),
        tokenizer=full_tokenizer(max_length=16),
    )
    return _cast(model, dtype), processor


def build_sam(
    variant: str = "vit-b", *, device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32
):
    """SAM at 1024 px (ViT-B by default; vit-l, vit-h); returns (model, processor)."""
    from transformers import SamConfig, SamImageProcessor, SamModel, SamProcessor

    if variant not in SAM_VARIANTS:
        raise ValueError(f"SAM variant must be one of {', '.join(SAM_VARIANTS)}, got {variant!r}")
    with _on(device):
        model = SamModel(SamConfig(vision_config=SAM_VARIANTS[variant]))
    return _cast(model, dtype), SamProcessor(image_processor=SamImageProcessor())


def build_sd15_parts(*, device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32) -> dict:
    """SD 1.5's VAE, CLIP ViT-L/14 text encoder, tokenizer and PNDM scheduler."""
    from diffusers import AutoencoderKL, PNDMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel

    with _on(device):
        vae = AutoencoderKL(**SD15_VAE)
        text_encoder = CLIPTextModel(CLIPTextConfig(**SD15_TEXT))
    return dict(
        vae=_cast(vae, dtype),
        text_encoder=_cast(text_encoder, dtype),
        tokenizer=full_tokenizer(max_length=77),
        scheduler=PNDMScheduler(**SD15_SCHEDULER),
    )


def build_sd15_unet(
    *,
    inpainting: bool = True,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
    in_channels: int | None = None,
):
    """SD 1.5's UNet: 9 input channels for inpainting (latent, mask, masked latent), 8 for
    InstructPix2Pix (latent, the photo's latent), else 4."""
    from diffusers import UNet2DConditionModel

    with _on(device):
        unet = UNet2DConditionModel(in_channels=in_channels or (9 if inpainting else 4), **SD15_UNET)
    return _cast(unet, dtype)


def build_sd15(
    *,
    inpainting: bool = True,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
    parts: dict | None = None,
):
    """An SD 1.5 inpainting (or text-to-image) pipeline; `parts` shares VAE and text encoder."""
    from diffusers import StableDiffusionInpaintPipeline, StableDiffusionPipeline

    parts = parts or build_sd15_parts(device=device, dtype=dtype)
    pipeline_class = StableDiffusionInpaintPipeline if inpainting else StableDiffusionPipeline
    return pipeline_class(
        **parts,
        unet=build_sd15_unet(inpainting=inpainting, device=device, dtype=dtype),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def build_clip(*, device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32):
    """CLIP ViT-B/32 (the ranker; CLIPConfig's defaults); returns (model, processor)."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    config = CLIPConfig(
        text_config=dict(vocab_size=CLIP_VOCAB, bos_token_id=CLIP_VOCAB - 2, eos_token_id=CLIP_VOCAB - 1)
    )
    with _on(device):
        model = CLIPModel(config)
    processor = CLIPProcessor(image_processor=CLIPImageProcessor(), tokenizer=full_tokenizer(max_length=77))
    return _cast(model, dtype), processor


def parameter_count(module: Any) -> int:
    """Parameters of a module, or of every module of a diffusers pipeline."""
    if isinstance(module, torch.nn.Module):
        return sum(p.numel() for p in module.parameters())
    return sum(parameter_count(c) for c in module.components.values() if isinstance(c, torch.nn.Module))


# h94/IP-Adapter's image encoder (models/image_encoder): OpenCLIP ViT-H/14 at 224 px
VIT_H = dict(
    hidden_size=1280, intermediate_size=5120, num_hidden_layers=32, num_attention_heads=16,
    image_size=224, patch_size=14, projection_dim=1024, hidden_act="gelu",
)  # fmt: skip


class FullRegistry(ModelRegistry):
    """A `ModelRegistry` whose roles are built here at full size (random weights).

    Only where a model comes from differs: building counts as the role's load, so
    `load_counts` and `load_seconds` keep their meaning, and each role is wrapped the way
    its loader wraps a real checkpoint (OwlDetector, SamPredictor, pipeline, Ranker).
    """

    def __init__(self, settings: Settings, *, sam: str = "vit-b") -> None:
        super().__init__(settings)
        self.sam_variant = sam

    def needs_download(self, role: str) -> bool:
        return False  # built here, nothing to fetch

    def refuse_missing(self, role: str) -> None:
        pass  # built here, never missing

    def _editor(self) -> Any:
        """InstructPix2Pix at SD 1.5's size: an 8-channel UNet, the SD parts (shared with a
        loaded SD pipeline, as the loader shares them), Euler ancestral as the real one ships.
        With `editor.backend = "flux2-klein"`, FLUX.2 [klein] 4B in `editor.dtype`; the other
        flow editors do not fit a build machine and are not built here."""
        from diffusers import EulerAncestralDiscreteScheduler, StableDiffusionInstructPix2PixPipeline

        spec = self.settings.editor
        if spec.backend == "flux2-klein":
            from pixelsmith.models.editors import editor_dtype
            from pixelsmith.testing.full_editors import build_full_klein

            return build_full_klein(device=self.device, dtype=editor_dtype(spec, self))
        if spec.backend != "diffusers":
            raise UserError(
                f"the benchmark builds editor.backend 'diffusers' or 'flux2-klein' at full size, not "
                f"{spec.backend!r} (12-20 B parameters); time it with its real checkpoint instead"
            )
        on = dict(device=self.device, dtype=self.dtype)
        other = self._models.get("generator") or self._models.get("inpainter")
        parts = {k: getattr(other, k) for k in ("vae", "text_encoder", "tokenizer")} if other else None
        parts = parts or {k: v for k, v in build_sd15_parts(**on).items() if k != "scheduler"}
        scheduler = EulerAncestralDiscreteScheduler.from_config(SD15_SCHEDULER)
        unet = build_sd15_unet(in_channels=8, **on)
        pipeline = StableDiffusionInstructPix2PixPipeline(
            **parts, unet=unet, scheduler=scheduler, safety_checker=None, feature_extractor=None,
            requires_safety_checker=False,
        )  # fmt: skip
        pipeline.set_progress_bar_config(disable=True)
        return pipeline

    def _read_lcm_lora(self, *, xl: bool = False) -> dict[str, Any]:
        """A random rank-64 LCM-LoRA on the layers lcm-lora-sdv1-5 adapts (its real size)."""
        from pixelsmith.testing.tiny_adapters import random_lcm_lora

        unet = self.get("inpainter").unet
        return {k: v.to(self.dtype) for k, v in random_lcm_lora(unet, rank=64).items()}

    def _load_adapter(self, pipeline: Any) -> Any:
        """h94's IP-Adapter at its real size, random weights: the ViT-H/14 image encoder and an
        adapter for the pipeline's UNet, put in by diffusers' `load_ip_adapter` (a state dict)."""
        from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

        from pixelsmith.models.ip_adapter import adapter_of
        from pixelsmith.testing.tiny_adapters import random_ip_adapter

        with _on(self.device):
            encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(**VIT_H))
        pipeline.register_modules(image_encoder=_cast(encoder, self.dtype).eval())
        state: dict[str, dict] = {"image_proj": {}, "ip_adapter": {}}
        for key, value in random_ip_adapter(pipeline.unet, VIT_H["projection_dim"]).items():
            part, _, name = key.partition(".")
            state[part][name] = value.to(self.device, self.dtype)
        return adapter_of(
            pipeline,
            lambda: pipeline.load_ip_adapter(state, subfolder="", weight_name="", image_encoder_folder=None),
        )

    def _build_eraser(self) -> Any:
        """Big-LaMa with random weights, exported to ONNX in a temporary folder and opened
        the way the eraser's loader opens `lama_fp32.onnx`."""
        import tempfile
        from pathlib import Path

        from pixelsmith.models.eraser import open_eraser
        from pixelsmith.testing.full_lama import build_full_lama

        with tempfile.TemporaryDirectory(prefix="pixelsmith-lama-") as folder:
            path = build_full_lama(Path(folder))
            return open_eraser(path, cuda=self.device.type == "cuda", output_scale=255.0)

    def _build_upscaler(self) -> Any:
        """Real-ESRGAN x4plus at its real size (64 filters, 23 blocks) with random weights,
        saved in its own key names and opened the way the upscaler's loader opens the file."""
        import tempfile
        from pathlib import Path

        from pixelsmith.models.upscaler import open_upscaler
        from pixelsmith.testing.tiny_upscaler import build_upscaler

        with tempfile.TemporaryDirectory(prefix="pixelsmith-esrgan-") as folder:
            path = build_upscaler(Path(folder), filters=64, blocks=23)
            return open_upscaler(path, device=self.device, dtype=self.dtype)

    def _build(self, role: str) -> Any:
        from pixelsmith.models.detectors import OwlDetector
        from pixelsmith.models.loaders import Ranker

        if role == "planner":
            from pixelsmith.models.planner_llm import int8_linears, planner_dtype
            from pixelsmith.testing.full_planner import build_full_planner

            spec = self.settings.planner_model
            dtype = planner_dtype(spec.dtype, self.device, quantize=spec.quantize)
            stored = torch.bfloat16 if spec.quantize == "int8" else dtype  # Qwen3's weights are bf16
            planner = build_full_planner(device=self.device, dtype=stored, model=spec.model)
            if spec.quantize == "int8":  # as the loader does: a layer at a time to fp32, then int8
                planner.model = int8_linears(planner.model)
            return planner
        if role == "eraser":
            return self._build_eraser()
        if role == "upscaler":
            return self._build_upscaler()
        if role == "editor":
            return self._editor()
        from pixelsmith.models.sam import SamPredictor

        on = dict(device=self.device, dtype=self.dtype)
        if role == "detector":
            return OwlDetector(*build_owlv2(**on), "owlv2", self.device, self.dtype)
        if role == "segmenter":
            return SamPredictor(*build_sam(self.sam_variant, **on), **on)
        if role == "ranker":
            return Ranker(*build_clip(**on), self.device, self.dtype)
        other = self._models.get("generator" if role == "inpainter" else "inpainter")
        parts = None
        if other is not None:  # SD 1.5's two pipelines share the VAE and text encoder
            parts = {k: getattr(other, k) for k in ("vae", "text_encoder", "tokenizer")}
            parts["scheduler"] = type(other.scheduler).from_config(other.scheduler.config)
        pipeline = build_sd15(inpainting=role == "inpainter", parts=parts, **on)
        pipeline.set_progress_bar_config(disable=True)  # progress goes through the tool context
        return pipeline
