"""Where each role's weights are and how to fetch them (`pixelsmith models ...`)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from pixelsmith.config import ROLE_FIELDS, ROLES, ModelSpec, Settings, looks_like_path
from pixelsmith.errors import UserError

log = logging.getLogger(__name__)
REACH_TIMEOUT_S = 1.5  # a name lookup and a connect to the hub, at most
_reach: dict[str, bool] = {}
_reach_lock = threading.Lock()


def offline() -> bool:
    """Whether HF_HUB_OFFLINE is set (by the user, or by `go_offline_unless_reachable`)."""
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() not in ("0", "", "false", "no")


def go_offline_unless_reachable(timeout: float = REACH_TIMEOUT_S) -> bool:
    """Whether the Hugging Face hub can be reached, found once per process (about a second
    at worst). When it cannot, this process goes offline (HF_HUB_OFFLINE): a model not in
    the cache is then said in one sentence at once, instead of after minutes of retries."""
    if offline():
        return False
    with _reach_lock:
        if "hub" not in _reach:
            _reach["hub"] = _reachable(timeout)
            if not _reach["hub"]:
                import huggingface_hub.constants

                os.environ["HF_HUB_OFFLINE"] = "1"
                huggingface_hub.constants.HF_HUB_OFFLINE = True
                log.warning("the Hugging Face hub is not reachable: only cached models load")
        return _reach["hub"]


def found_unreachable() -> bool:
    """Whether this process found the hub unreachable (and went offline for it)."""
    return _reach.get("hub") is False


def _reachable(timeout: float) -> bool:
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host, port = endpoint.hostname or "huggingface.co", endpoint.port or 443
    pool = ThreadPoolExecutor(max_workers=1)  # a name lookup has no timeout of its own
    try:
        pool.submit(lambda: socket.create_connection((host, port), timeout=timeout).close()).result(timeout)
        return True
    except Exception:  # no name, no route, refused, too slow, a test's network guard: not reachable
        return False
    finally:
        pool.shutdown(wait=False)


# Hub repos whose files need an accepted licence and a login: the licence each asks for.
GATED = {
    "facebook/sam3": "the SAM License",
    "black-forest-labs/FLUX.1-Kontext-dev": "the FLUX.1 [dev] Non-Commercial License: no commercial use",
}


def gate_note(model: str) -> str:
    """How to get a gated model: request access on its page, then log in."""
    return (
        f"{model} is gated ({GATED.get(model, 'its licence')}): request access at "
        f"https://huggingface.co/{model}, then log in with `hf auth login` (or set HF_TOKEN)"
    )


def missing_message(role: str, spec: ModelSpec, *, gated: bool = False) -> str:
    """One sentence naming the missing model and how to get it (`gated`: the hub refused
    this account its files)."""
    if looks_like_path(spec.model) and not Path(spec.model).expanduser().exists():
        return (
            f"the {role} model folder {spec.model} does not exist; fix "
            f"{ROLE_FIELDS.get(role, role)}.model in the "
            "config, or run `pixelsmith tiny-models DIR` for test checkpoints"
        )
    if gated:
        return (
            f"the {role} model {spec.model!r} cannot be loaded: this account has no access to it yet; "
            f"{gate_note(spec.model)}, then run `pixelsmith models pull {role}`"
        )
    setting = ROLE_FIELDS.get(role, role)  # "planner_model.model" for the planner
    reason = " and the hub cannot be reached" if found_unreachable() else " and HF_HUB_OFFLINE is set"
    why = "it is not in the Hugging Face cache" + (reason if offline() else "")
    message = (
        f"the {role} model {spec.model!r} cannot be loaded: {why}; run "
        f"`pixelsmith models pull {role}` on a machine with internet access, or set "
        f"{setting}.model to a local folder"
    )
    return f"{message}; {gate_note(spec.model)}" if spec.model in GATED else message


def missing_many(roles: dict[str, ModelSpec]) -> str:
    """One sentence for several models not in the cache (a plan's roles, said at once
    rather than one `models pull` at a time)."""
    if len(roles) == 1:
        return missing_message(*next(iter(roles.items())))
    named = ", ".join(f"{role} ({spec.model})" for role, spec in roles.items())
    reason = " and the hub cannot be reached" if found_unreachable() else " and HF_HUB_OFFLINE is set"
    why = "they are not in the Hugging Face cache" + (reason if offline() else "")
    gates = "".join(f"; {gate_note(spec.model)}" for spec in roles.values() if spec.model in GATED)
    return (
        f"{len(roles)} models this needs cannot be loaded: {named}; {why}; run "
        f"`pixelsmith models pull {' '.join(roles)}` on a machine with internet access, or set "
        f"each role's model to a local folder{gates}"
    )


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
    "text_encoder_2/model.safetensors",
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


# The model roles, "preview": the LCM-LoRA of preview mode (one safetensors file), and
# "reference": the inpainter's IP-Adapter for reference photos (its weights and image encoder).
NAMES = (*ROLES, "preview", "reference")


class AdapterSpec(ModelSpec):
    """An adapter repo of many files, of which the loaders read `files`."""

    files: list[str]


def _spec(settings: Settings, name: str) -> ModelSpec:
    if name == "preview":  # the LCM-LoRA of the inpainter's family
        p = settings.preview
        lcm = p.lcm_lora_xl if settings.inpainter.backend == "sdxl" else p.lcm_lora
        return ModelSpec(model=lcm, backend="lcm-lora", revision=p.revision)
    if name == "reference":  # the IP-Adapter of the inpainter's family, and its image encoder
        r = settings.reference
        files = r.patterns(xl=settings.inpainter.backend == "sdxl")
        return AdapterSpec(model=r.model, backend="ip-adapter", revision=r.revision, files=files)
    if name not in ROLES:
        raise UserError(f"unknown role {name!r}; choose one of {', '.join(NAMES)}")
    return settings.spec(name)  # type: ignore[arg-type]


def allowed_files(spec: ModelSpec) -> list[str]:
    """The hub file patterns the loaders read for `spec` (what `pull` and a first load fetch)."""
    if spec.backend == "lcm-lora":
        return ["*.safetensors"]
    if isinstance(spec, AdapterSpec):
        return list(spec.files)
    if spec.backend in ("lama-onnx", "spandrel"):
        return [getattr(spec, "file", "*.onnx")]
    if spec.backend == "vae":  # a VAE repo on its own (sdxl-vae-fp16-fix): the files at its root
        return ["config.json", "diffusion_pytorch_model.safetensors"]
    return DIFFUSERS_FILES if spec.backend in ("diffusers", "sdxl") else TRANSFORMERS_FILES


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
    from huggingface_hub.errors import GatedRepoError

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
        vae = getattr(spec, "vae", None)  # a VAE in place of the checkpoint's
        if vae and not looks_like_path(vae):
            snapshot_download(vae, allow_patterns=allowed_files(ModelSpec(model=vae, backend="vae")))
        return Path(snapshot_download(spec.model, revision=spec.revision, allow_patterns=allowed_files(spec)))
    except GatedRepoError:
        raise UserError(
            f"could not download {spec.model} for the {role}: this account has no access to it yet; "
            f"{gate_note(spec.model)}; after that, run `pixelsmith models pull {role}` again"
        ) from None
    except Exception as err:  # network, auth, offline: all end the same way for the user
        raise UserError(f"could not download {spec.model} for the {role}: {err}") from None
