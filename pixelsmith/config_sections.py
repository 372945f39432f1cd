"""Sections of the settings that stand on their own: the chat UI as a service, Ray Serve's
scaling per role, preview mode, limits and training defaults (`pixelsmith.config.Settings`
holds them)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class UISettings(BaseModel):
    """The chat UI as a service others reach (`pixelsmith ui --host` beyond this machine)."""

    shared: bool = Field(
        default=False,
        description="Reached by other people: each browser sees only its own sessions. Set by "
        "`pixelsmith ui` when it listens beyond localhost.",
    )
    share_concepts: bool = Field(
        default=False,
        description="When shared: every browser sees every concept (else each its own, and the "
        "command line's).",
    )
    allow_model_changes: bool | None = Field(
        default=None,
        description="The sidebar's Models box (one model per role for the whole server); None: "
        "only when not shared.",
    )

    def models_box(self) -> bool:
        return (not self.shared) if self.allow_model_changes is None else self.allow_model_changes


class Scaling(BaseModel):
    """How one role's Ray Serve deployment runs (`executor = "ray"`, `pixelsmith serve`)."""

    replicas: int = Field(default=1, ge=1, le=64, description="Replicas; the minimum when autoscaling.")
    max_replicas: int | None = Field(default=None, ge=1, le=256, description="Autoscale up to this many.")
    gpu_fraction: float | None = Field(
        default=None, ge=0.0, le=1.0, description="GPU share per replica; None: a per-role default on GPUs."
    )
    num_cpus: float = Field(default=1.0, ge=0.0, le=256.0, description="CPUs reserved per replica.")

    @model_validator(mode="after")
    def _check_max(self) -> Scaling:
        if self.max_replicas is not None and self.max_replicas < self.replicas:
            raise ValueError(f"max_replicas must be >= replicas ({self.replicas}), got {self.max_replicas}")
        return self


class ServeSettings(BaseModel):
    """One Ray Serve deployment per model role, e.g. `[serve.inpainter] replicas = 2`."""

    detector: Scaling = Scaling()
    segmenter: Scaling = Scaling()
    inpainter: Scaling = Scaling()
    generator: Scaling = Scaling()
    ranker: Scaling = Scaling()
    editor: Scaling = Scaling()
    eraser: Scaling = Scaling()
    upscaler: Scaling = Scaling()


class PreviewSettings(BaseModel):
    """The few-step draft mode (`preview` on inpaint/generate/remove): an LCM-LoRA for the SD
    base, fused into a copy of the role's UNet once, with the LCM scheduler."""

    lcm_lora: str = Field(
        default="latent-consistency/lcm-lora-sdv1-5",
        description="Hub id, local folder or .safetensors file of an LCM-LoRA matching the SD base.",
    )
    weight_name: str = Field(
        default="pytorch_lora_weights.safetensors", description="File in the repo/folder."
    )
    lcm_lora_xl: str = Field(
        default="latent-consistency/lcm-lora-sdxl", description="The LCM-LoRA used for an SDXL role."
    )
    revision: str | None = None
    steps: int = Field(default=4, ge=1, le=16, description="Denoising steps of a preview.")
    guidance_scale: float = Field(default=1.0, ge=0.0, le=3.0, description="LCM wants 1-2.")


class ReferenceSettings(BaseModel):
    """The IP-Adapter through which SD 1.5 and SDXL inpainting take a reference photo ("replace
    the cat with the dog from this photo"): adapter weights for the inpainter's family and the
    CLIP image encoder they were trained with, loaded into the inpainter on first use."""

    model: str = Field(default="h94/IP-Adapter", description="Hub id or local folder of the IP-Adapter.")
    revision: str | None = None
    weights: str = Field(
        default="models/ip-adapter_sd15.safetensors", description="The adapter for SD 1.5, in the folder."
    )
    weights_xl: str = Field(
        default="sdxl_models/ip-adapter_sdxl_vit-h.safetensors",
        description="The adapter for an SDXL inpainter (the ViT-H one: it shares the image encoder).",
    )
    image_encoder: str = Field(default="models/image_encoder", description="The CLIP image encoder's folder.")
    scale: float = Field(
        default=0.6, ge=0.0, le=1.0, description="How much the reference steers the result (1: it alone)."
    )

    def files(self, *, xl: bool) -> tuple[str, str]:
        """(subfolder, file name) of the adapter weights for SDXL (`xl`) or SD 1.5."""
        folder, _, name = (self.weights_xl if xl else self.weights).rpartition("/")
        return folder, name

    def patterns(self, *, xl: bool) -> list[str]:
        """The hub file patterns of what is read: the family's adapter and the image encoder."""
        return [(self.weights_xl if xl else self.weights).lstrip("/"), f"{self.image_encoder}/*"]


class Limits(BaseModel):
    max_upload_bytes: int = Field(default=50_000_000, gt=0, description="An uploaded file, at most (50 MB).")
    max_pixels: int = Field(default=40_000_000, gt=0, description="Width x height, at most.")
    max_message_chars: int = Field(default=2000, gt=0, le=100_000, description="A chat message, at most.")


class TrainingDefaults(BaseModel):
    """How a new concept trains where the request does not say (`concept train`, the teach
    form, "teach pixelsmith my dog rex"): the defaults suit SD 1.5 at 512 px on one GPU."""

    steps: int = Field(default=400, ge=1, le=20_000, description="Optimizer steps.")
    resolution: int = Field(default=512, ge=64, le=2048, description="Training size, px, multiple of 8.")
    class_images: int = Field(default=50, ge=1, le=1000, description="Class images (prior preservation).")
    class_steps: int = Field(default=25, ge=1, le=150, description="Denoising steps per class image.")
    sample_steps: int = Field(default=25, ge=1, le=150, description="Denoising steps per sample.")
    checkpoint_every: int = Field(default=100, ge=1, le=20_000, description="Steps between checkpoints.")
