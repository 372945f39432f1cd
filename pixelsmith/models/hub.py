"""Where each role's weights are and how to fetch them (`pixelsmith models ...`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pixelsmith.config import ROLES, ModelSpec, Settings, looks_like_path
from pixelsmith.errors import UserError

# Only what the loaders read: configs, tokenizers and safetensors weights (no .bin,
# no fp16 duplicates, no single-file checkpoints at the repo root, no safety checker).
TRANSFORMERS_FILES = ["*.json", "*.txt", "*.model", "model.safetensors", "model-*.safetensors"]
DIFFUSERS_FILES = [
    "model_index.json",
    "*/config.json",
    "*/*.txt",
    "*/*.json",
    "unet/diffusion_pytorch_model.safetensors",
    "vae/diffusion_pytorch_model.safetensors",
    "text_encoder/model.safetensors",
]


@dataclass
class ModelStatus:
    role: str
    model: str
    backend: str
    where: str  # "local folder", "cached", "not downloaded", "missing folder"

    @property
    def ready(self) -> bool:
        return self.where in ("local folder", "cached")


# The model roles, and "preview": the LCM-LoRA of preview mode (one safetensors file).
NAMES = (*ROLES, "preview")


def _spec(settings: Settings, name: str) -> ModelSpec:
    if name == "preview":
        p = settings.preview
        return ModelSpec(model=p.lcm_lora, backend="lcm-lora", revision=p.revision)
    if name not in ROLES:
        raise UserError(f"unknown role {name!r}; choose one of {', '.join(NAMES)}")
    return settings.spec(name)  # type: ignore[arg-type]


def _patterns(spec: ModelSpec) -> list[str]:
    if spec.backend == "lcm-lora":
        return ["*.safetensors"]
    return DIFFUSERS_FILES if spec.backend == "diffusers" else TRANSFORMERS_FILES


def status(settings: Settings, role: str) -> ModelStatus:
    """Whether a role's model can load without the network."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    spec = _spec(settings, role)
    if spec.is_local:
        where = "local folder"
    elif looks_like_path(spec.model):
        where = "missing folder"
    else:
        try:
            snapshot_download(
                spec.model, revision=spec.revision, local_files_only=True, allow_patterns=["*.json"]
            )
            where = "cached"
        except (LocalEntryNotFoundError, HFValidationError, OSError):
            where = "not downloaded"
    return ModelStatus(role, spec.model, spec.backend, where)


def pull(settings: Settings, role: str) -> Path:
    """Download a role's model into the Hugging Face cache, with progress bars."""
    from huggingface_hub import snapshot_download

    spec = _spec(settings, role)
    if spec.is_local:
        return Path(spec.model)
    if spec.backend == "ultralytics":
        raise UserError(
            f"{spec.model}: ultralytics checkpoints are files, not hub repos; download "
            "mobile_sam.pt or FastSAM-s.pt from the ultralytics assets release and set "
            "segmenter.model to its path"
        )
    try:
        return Path(snapshot_download(spec.model, revision=spec.revision, allow_patterns=_patterns(spec)))
    except Exception as err:  # network, auth, offline: all end the same way for the user
        raise UserError(f"could not download {spec.model} for the {role}: {err}") from None
