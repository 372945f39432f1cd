"""The IP-Adapter through which SD 1.5 and SDXL inpainting take a reference photo (issue 27):
h94/IP-Adapter's weights for the inpainter's family and its CLIP image encoder, put into the
inpainter's pipeline by diffusers' own `load_ip_adapter`, once.

Switched on only for a call with a reference (`switched_on`): without one, the UNet runs with
the attention processors and no image projection it had before, so an adapter loaded for one
request changes no other tool's pixels. The image encoder stays registered in the pipeline,
where the memory budget counts it.

    adapter = load_adapter(pipeline, settings.reference)  # the registry's `ip_adapter(role)`
    with switched_on(pipeline, adapter, scale=0.6):
        pipeline(..., ip_adapter_image=reference)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pixelsmith.config import ReferenceSettings, looks_like_path
from pixelsmith.errors import ModelMissingError
from pixelsmith.families import is_xl
from pixelsmith.models.hub import offline

SIZE = "about 2.5 GB with its image encoder"


@dataclass
class Adapter:
    """A pipeline's UNet parts with and without the adapter, to switch between per call."""

    with_adapter: dict[str, Any]  # attention processor name -> processor (image cross-attention)
    without: dict[str, Any]  # the processors the UNet had before the adapter
    projection: Any  # the UNet's `encoder_hid_proj`: image embeddings to the adapter's tokens


def adapter_folder(settings: ReferenceSettings, *, xl: bool) -> Path:
    """The folder holding the adapter weights and image encoder: a local folder, or the hub
    snapshot already in the cache (nothing downloads here: `pixelsmith models pull reference`)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    local = Path(settings.model).expanduser()
    subfolder, name = settings.files(xl=xl)
    if local.is_dir():
        found = local
    elif looks_like_path(settings.model):
        found = None
    else:
        try:
            wanted = settings.patterns(xl=xl)
            found = Path(
                snapshot_download(
                    settings.model, revision=settings.revision, local_files_only=True, allow_patterns=wanted
                )
            )
        except (LocalEntryNotFoundError, HFValidationError, OSError):
            found = None
    if (
        found is None
        or not (found / subfolder / name).is_file()
        or not (found / settings.image_encoder).is_dir()
    ):
        where = "run `pixelsmith models pull reference`"
        where += " on a machine with internet access" if offline() else ""
        raise ModelMissingError(
            f"a reference photo for the inpainter needs the IP-Adapter {settings.model} "
            f"({subfolder}/{name} and {settings.image_encoder}, {SIZE}), which is not on this machine; "
            f"{where}, or set reference.model to a folder that holds them"
        )
    return found


def load_adapter(pipeline: Any, settings: ReferenceSettings) -> Adapter:
    """Put the adapter for the pipeline's family into it (switched off until `switched_on`)."""
    xl = is_xl(pipeline)
    folder = adapter_folder(settings, xl=xl)
    subfolder, name = settings.files(xl=xl)
    return adapter_of(
        pipeline,
        lambda: pipeline.load_ip_adapter(
            str(folder), subfolder=subfolder, weight_name=name, image_encoder_folder=settings.image_encoder
        ),
    )


def adapter_of(pipeline: Any, put_in: Callable[[], Any]) -> Adapter:
    """The adapter `put_in` loads into the pipeline (diffusers' `load_ip_adapter`), with the
    UNet's processors from before it, switched off."""
    unet = pipeline.unet
    without = dict(unet.attn_processors)
    put_in()
    adapter = Adapter(dict(unet.attn_processors), without, unet.encoder_hid_proj)
    _switch(pipeline, adapter, on=False)
    return adapter


@contextmanager
def switched_on(pipeline: Any, adapter: Adapter, *, scale: float) -> Iterator[None]:
    """The adapter in the UNet at `scale` for the block; off again after it, however it ends."""
    _switch(pipeline, adapter, on=True)
    try:
        pipeline.set_ip_adapter_scale(scale)
        yield
    finally:
        _switch(pipeline, adapter, on=False)


def adapter_bytes(adapter: Adapter) -> int:
    """The adapter's own weights (its projection and image cross-attention), for the budget."""
    modules = [adapter.projection, *(p for p in adapter.with_adapter.values() if hasattr(p, "parameters"))]
    return sum(t.numel() * t.element_size() for m in modules for t in m.parameters())


def _switch(pipeline: Any, adapter: Adapter, *, on: bool) -> None:
    unet = pipeline.unet
    unet.set_attn_processor(dict(adapter.with_adapter if on else adapter.without))  # it pops what it sets
    unet.encoder_hid_proj = adapter.projection if on else None
    unet.config.encoder_hid_dim_type = "ip_image_proj" if on else None
