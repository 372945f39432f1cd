"""One settings object (STYLE.md 10).

Precedence, highest first: keyword arguments, `PIXELSMITH_*` environment variables
(nested with `__`, e.g. `PIXELSMITH_DETECTOR__MODEL`), the TOML file named by `--config`
or `PIXELSMITH_CONFIG`, then the defaults below (the real public checkpoints).
"""

from __future__ import annotations

import os
import typing
from contextvars import ContextVar
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pixelsmith.config_sections import (  # noqa: F401  (Scaling, Limits: re-exported)
    Limits,
    PreviewSettings,
    ReferenceSettings,
    Scaling,
    ServeSettings,
    TrainingDefaults,
    UISettings,
)

_CONFIG_FILE: ContextVar[Path | None] = ContextVar("pixelsmith_config_file", default=None)

ROLES = (
    "detector",
    "segmenter",
    "inpainter",
    "generator",
    "ranker",
    "editor",
    "eraser",
    "upscaler",
    "planner",
)
Role = Literal[
    "detector", "segmenter", "inpainter", "generator", "ranker", "editor", "eraser", "upscaler", "planner"
]
# The settings field of a role where it is not the role's name (`planner` is the planner choice)
ROLE_FIELDS = {"planner": "planner_model"}


TEXT_SEGMENTERS = ("sam3",)  # segmenter backends that also find what a phrase names

# The public checkpoint each backend starts from: switching a role's backend (the sidebar,
# `pixelsmith models backends`) takes its model from here unless one is given.
BACKEND_MODELS: dict[tuple[str, str], str] = {
    ("detector", "owlv2"): "google/owlv2-base-patch16-ensemble",
    ("detector", "owlvit"): "google/owlvit-base-patch32",
    ("detector", "grounding-dino"): "IDEA-Research/grounding-dino-tiny",
    ("segmenter", "sam"): "facebook/sam-vit-base",
    ("segmenter", "sam2"): "facebook/sam2.1-hiera-small",
    ("segmenter", "sam3"): "facebook/sam3",
    ("inpainter", "diffusers"): "stable-diffusion-v1-5/stable-diffusion-inpainting",
    ("inpainter", "sdxl"): "diffusers/stable-diffusion-xl-1.0-inpainting-0.1",
    ("generator", "diffusers"): "stable-diffusion-v1-5/stable-diffusion-v1-5",
    ("generator", "sdxl"): "stabilityai/stable-diffusion-xl-base-1.0",
    ("ranker", "clip"): "openai/clip-vit-base-patch32",
    ("editor", "diffusers"): "timbrooks/instruct-pix2pix",
    ("editor", "flux-kontext"): "black-forest-labs/FLUX.1-Kontext-dev",
    ("editor", "qwen-image-edit"): "Qwen/Qwen-Image-Edit-2509",
    ("editor", "flux2-klein"): "black-forest-labs/FLUX.2-klein-4B",
    ("eraser", "lama-onnx"): "Carve/LaMa-ONNX",
    ("upscaler", "spandrel"): "Comfy-Org/Real-ESRGAN_repackaged",
    ("planner", "transformers"): "Qwen/Qwen3-1.7B",
}


def backends(role: str) -> list[str]:
    """The backends a role can be switched to, its default first."""
    spec = Settings.model_fields[ROLE_FIELDS.get(role, role)].annotation
    field = spec.model_fields["backend"]  # type: ignore[union-attr]
    return [field.default, *(b for b in typing.get_args(field.annotation) if b != field.default)]


class ModelSpec(BaseModel):
    """Where one role's model comes from and which backend runs it."""

    model: str = Field(description="Hugging Face hub id or a local folder/file.")
    backend: str = Field(description="Which loader runs it, e.g. owlv2, sam, diffusers.")
    revision: str | None = Field(default=None, description="Hub revision (branch, tag, sha).")

    @property
    def is_local(self) -> bool:
        return Path(self.model).expanduser().exists()


class DetectorSpec(ModelSpec):
    model: str = "google/owlv2-base-patch16-ensemble"
    backend: Literal["owlv2", "owlvit", "grounding-dino"] = Field(
        default="owlv2", description="owlv2, owlvit, or grounding-dino (also MM-Grounding-DINO)."
    )
    threshold: float = Field(default=0.1, ge=0.0, le=1.0, description="Default score threshold.")


class SegmenterSpec(ModelSpec):
    model: str = "facebook/sam-vit-base"
    backend: Literal["sam", "sam2", "sam3", "ultralytics"] = Field(
        default="sam",
        description="sam (also SAM-HQ, SlimSAM), sam2 (SAM 2.1), sam3 (SAM 3: also finds objects "
        "named in text), ultralytics (MobileSAM, FastSAM).",
    )
    points_per_side: int = Field(default=16, ge=2, le=64, description="Grid for 'everything'.")
    everything_min_score: float = Field(default=0.8, ge=0.0, le=1.0)
    text_threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="sam3: the score an instance of a named object needs."
    )

    @property
    def reads_text(self) -> bool:
        """Whether this segmenter finds objects named in text itself (then the planners use
        `segment_text` in place of detect → segment)."""
        return self.backend in TEXT_SEGMENTERS


class DiffusionSpec(ModelSpec):
    """A Stable Diffusion role: `diffusers` runs SD 1.x/2.x checkpoints, `sdxl` SDXL ones."""

    backend: Literal["diffusers", "sdxl"] = Field(default="diffusers", description="diffusers or sdxl.")
    vae: str | None = Field(
        default=None,
        description="Another VAE (hub id or folder) in place of the checkpoint's, e.g. "
        "madebyollin/sdxl-vae-fp16-fix, whose fp16 output does not overflow as SDXL's own does.",
    )


class InpainterSpec(DiffusionSpec):
    model: str = "stable-diffusion-v1-5/stable-diffusion-inpainting"


class GeneratorSpec(DiffusionSpec):
    model: str = "stable-diffusion-v1-5/stable-diffusion-v1-5"
    share_with_inpainter: bool = Field(
        default=True,
        description="Reuse the inpainter's text encoder, tokenizer and VAE (same for SD 1.x).",
    )


class RankerSpec(ModelSpec):
    model: str = "openai/clip-vit-base-patch32"
    backend: Literal["clip"] = "clip"
    enabled: bool = Field(default=True, description="Rank inpaint/generate candidates by CLIP.")


class EditorSpec(ModelSpec):
    """Instruction edits ("make it winter"), loaded on first use: InstructPix2Pix (`diffusers`,
    the light default), FLUX.1 Kontext [dev] (`flux-kontext`, gated, non-commercial licence),
    Qwen-Image-Edit-2509 (`qwen-image-edit`, Apache-2.0) or FLUX.2 [klein] 4B (`flux2-klein`,
    Apache-2.0)."""

    model: str = "timbrooks/instruct-pix2pix"
    backend: Literal["diffusers", "flux-kontext", "qwen-image-edit", "flux2-klein"] = Field(
        default="diffusers",
        description="diffusers (InstructPix2Pix), flux-kontext (FLUX.1 Kontext [dev]: non-commercial "
        "licence), qwen-image-edit (Qwen-Image-Edit-2509), flux2-klein (FLUX.2 [klein] 4B).",
    )
    dtype: Literal["auto", "fp32", "fp16", "bf16"] = Field(
        default="auto",
        description="auto: bf16 for the flow editors on a GPU that has it, else the process's dtype.",
    )
    quantize: Literal["none", "int8"] = Field(
        default="none",
        description="int8: a flow editor's transformer and text encoder weights in int8 (torchao, "
        "weight-only; pip install torchao), half of bf16's memory.",
    )
    max_pixels: int | None = Field(
        default=None,
        ge=64 * 64,
        le=4096 * 4096,
        description="The working size's area; None: the model's own (1024×1024 for the flow editors). "
        "Less is faster and lighter, and less faithful.",
    )


class EraserSpec(ModelSpec):
    """Object removal without inventing new objects: LaMa as an ONNX graph (ONNX Runtime).
    Its published contract: inputs `image` [1,3,512,512] RGB in 0..1 and `mask` [1,1,512,512]
    with 1 = erase; output [1,3,512,512] in 0..`output_scale`."""

    model: str = "Carve/LaMa-ONNX"
    backend: Literal["lama-onnx"] = "lama-onnx"
    file: str = Field(default="lama_fp32.onnx", description="The .onnx file in the repo or folder.")
    output_scale: float = Field(default=255.0, gt=0.0, description="What the output's full white is.")


class UpscalerSpec(ModelSpec):
    """A super-resolution network in a safetensors file that spandrel loads (Real-ESRGAN, SwinIR, HAT)."""

    model: str = "Comfy-Org/Real-ESRGAN_repackaged"
    backend: Literal["spandrel"] = "spandrel"
    file: str = Field(default="RealESRGAN_x4plus.safetensors", description="The .safetensors file.")


class PlannerModelSpec(ModelSpec):
    """The built-in local planner (`--planner local`): a small instruction model with tool
    calling in its chat template, run in-process; its tool calls are constrained by a grammar
    made from the tools' JSON schemas (xgrammar), so each one parses and validates."""

    model: str = "Qwen/Qwen3-1.7B"
    backend: Literal["transformers"] = "transformers"
    tool_format: Literal["qwen_3"] = Field(
        default="qwen_3", description="The chat template's tool-call syntax, as xgrammar names it."
    )
    max_new_tokens: int = Field(default=384, ge=16, le=4096, description="Tokens one reply may take.")
    max_string_chars: int = Field(
        default=300, ge=8, le=2000, description="A free-text argument (a prompt), at most, in the grammar."
    )
    max_list_items: int = Field(default=8, ge=1, le=64, description="A list argument's items, at most.")
    temperature: float = Field(
        default=0.0,
        ge=0.0,
        le=2.0,
        description="0: always the likeliest token (plans repeat); more: sampled.",
    )
    dtype: Literal["auto", "fp32", "fp16", "bf16"] = Field(
        default="auto",
        description="auto: bf16 on a GPU and on a CPU with bf16 arithmetic (AVX-512 BF16, AMX), fp32 on "
        "other CPUs (there bf16 reads a prompt 6x slower); fp16 on a GPU without bf16; or as named.",
    )
    quantize: Literal["none", "int8"] = Field(
        default="none",
        description="int8 (CPU only): the linear layers' weights and activations in int8 (PyTorch's dynamic "
        "quantisation), 1.4-2.8x bf16's tokens a second on 2 cores; quality with real weights unmeasured.",
    )
    cache_head: bool = Field(
        default=True,
        description="Keep the encoded system prompt and tools (their KV cache) on disk under "
        "data_dir, so a restart does not encode them again (about 1 GB for Qwen3-1.7B).",
    )


class Settings(BaseSettings):
    """Everything pixelsmith can be configured with."""

    model_config = SettingsConfigDict(env_prefix="PIXELSMITH_", env_nested_delimiter="__", extra="ignore")

    detector: DetectorSpec = DetectorSpec()
    segmenter: SegmenterSpec = SegmenterSpec()
    inpainter: InpainterSpec = InpainterSpec()
    generator: GeneratorSpec = GeneratorSpec()
    ranker: RankerSpec = RankerSpec()
    editor: EditorSpec = EditorSpec()
    eraser: EraserSpec = EraserSpec()
    upscaler: UpscalerSpec = UpscalerSpec()
    planner_model: PlannerModelSpec = PlannerModelSpec()
    device: str = Field(default="auto", description="auto, cpu, cuda, cuda:1, mps.")
    dtype: Literal["auto", "fp32", "fp16", "bf16"] = "auto"
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("pixelsmith")))
    limits: Limits = Limits()
    ui: UISettings = UISettings()
    cpu_offload: bool = Field(
        default=False, description="Small GPUs: keep diffusion parts on the CPU until each is needed."
    )
    channels_last: Literal["auto", "on", "off"] = Field(
        default="auto", description="UNet/VAE in channels-last memory format; auto: on CUDA only."
    )
    compile_unet: bool = Field(
        default=False, description="torch.compile the UNets on CUDA (slow first call; a LoRA recompiles)."
    )
    preview: PreviewSettings = PreviewSettings()
    reference: ReferenceSettings = ReferenceSettings()
    training: TrainingDefaults = TrainingDefaults()
    memory_budget_gb: float | None = Field(
        default=None, gt=0, description="Evict least-recently-used models above this total."
    )
    llm_model: str | None = Field(default=None, description="e.g. gpt-4o-mini, qwen2.5:7b.")
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible /v1 URL.")
    llm_api_key: str | None = Field(default=None, description="Else $OPENAI_API_KEY.")
    llm_timeout: float = Field(
        default=60.0, gt=0, le=600, description="Seconds an LLM request may take, to its last byte (per try)."
    )
    llm_max_retries: int = Field(default=2, ge=0, le=10, description="With backoff.")
    llm_vision: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Show the LLM pictures (the photo, numbered boxes and masks, results); auto: by the "
        "model's name (gpt-4o, gpt-4.1, gpt-5, o3/o4, *-vl, *vision*, llava, gemma3, minicpm-v, claude, "
        "gemini, pixtral, ...).",
    )
    llm_check: bool = Field(
        default=True, description="A model that sees is asked once whether each edit is right, and may retry."
    )
    llm_max_pictures: int = Field(default=6, ge=1, le=50, description="Pictures per LLM request, at most.")
    llm_max_picture_bytes: int = Field(
        default=4_000_000,
        ge=100_000,
        le=50_000_000,
        description="Picture bytes per LLM request.",
    )
    planner: Literal["auto", "llm", "local", "offline"] = "auto"
    review: bool = Field(
        default=True,
        description="In the UI and `pixelsmith chat`: pause before a step uses new masks, so you can "
        "pick, click or paint the mask first (every planner).",
    )
    executor: str = Field(
        default="local",
        description="local, ray (this machine's Ray cluster, else a new one) or ray://HOST:PORT.",
    )
    serve: ServeSettings = ServeSettings()

    @field_validator("device")
    @classmethod
    def _check_device(cls, value: str) -> str:
        if value.split(":")[0] not in {"auto", "cpu", "cuda", "mps"}:
            raise ValueError(f"device must be auto, cpu, cuda[:N] or mps, got {value!r}")
        return value

    @field_validator("executor")
    @classmethod
    def _check_executor(cls, value: str) -> str:
        if value not in ("local", "ray") and not value.startswith("ray://"):
            raise ValueError(f"executor must be local, ray or ray://HOST:PORT, got {value!r}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings]
        config_file = config_path()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    def spec(self, role: Role) -> ModelSpec:
        """The model spec of one role."""
        return getattr(self, ROLE_FIELDS.get(role, role))


def config_path() -> Path | None:
    """The TOML file in force: `load_settings(config_file=...)`, else $PIXELSMITH_CONFIG."""
    explicit = _CONFIG_FILE.get()
    if explicit is not None:
        return explicit
    env = os.environ.get("PIXELSMITH_CONFIG")
    return Path(env).expanduser() if env else None


def load_settings(config_file: str | Path | None = None, **overrides: object) -> Settings:
    """Settings from defaults, `config_file` (or $PIXELSMITH_CONFIG), env and overrides; a
    missing or malformed file is a `UserError` naming the file."""
    from pydantic import ValidationError

    from pixelsmith.errors import UserError

    if unknown := sorted(set(overrides) - set(Settings.model_fields)):
        known = ", ".join(Settings.model_fields)
        raise UserError(f"unknown setting {unknown[0]!r}; the settings are {known}")
    token = _CONFIG_FILE.set(Path(config_file).expanduser() if config_file else None)
    path = config_path()
    try:
        if path is not None and not path.is_file():
            raise UserError(f"config file {path} does not exist; check --config / PIXELSMITH_CONFIG")
        return Settings(**overrides)
    except ValidationError as err:
        from pixelsmith.errors import shorten

        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        problem = first["msg"].removeprefix("Value error, ")  # our validators name the value already
        if first["type"] != "value_error":
            problem += f", got {shorten(repr(first.get('input')))}"
        source = _source_of(first["loc"], overrides, path)
        raise UserError(f"bad setting {where}: {problem} (from {source})") from None
    except ValueError as err:  # malformed TOML
        raise UserError(f"cannot read config file {path}: {err}") from None
    finally:
        _CONFIG_FILE.reset(token)


def _source_of(loc: tuple, overrides: dict, path: Path | None) -> str:
    """Where a bad setting came from, in the order they override each other."""
    if loc and loc[0] in overrides:
        return "the command line"
    variable = "PIXELSMITH_" + "__".join(str(part) for part in loc).upper()
    if any(key.upper() == variable for key in os.environ):
        return f"the environment variable {variable}"
    return str(path) if path is not None else "the environment"


def looks_like_path(model: str) -> bool:
    """Hub ids are `name` or `owner/name`; anything else is meant as a local path."""
    return model.startswith(("/", "./", "../", "~")) or model.count("/") > 1
