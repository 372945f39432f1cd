"""Device and dtype resolution."""

from __future__ import annotations

import torch

from pixelsmith.errors import UserError

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def resolve_device(name: str = "auto") -> torch.device:
    """`auto` picks cuda, then mps, then cpu; anything else is taken as given, if this
    machine has it (else one sentence: `DEVICE=cuda` on a machine without a GPU)."""
    if name != "auto":
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise UserError(
                f"device {name} was asked for, but torch finds no CUDA GPU here; use --device cpu or auto"
            )
        if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
            count = torch.cuda.device_count()
            raise UserError(
                f"device {name} was asked for, but this machine has {count} CUDA GPU(s); use cuda:0"
            )
        mps = getattr(torch.backends, "mps", None)
        if device.type == "mps" and not (mps and mps.is_available()):
            raise UserError(
                f"device {name} was asked for, but this machine has no Apple GPU; use --device cpu"
            )
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """`auto` is fp16 on a GPU and fp32 on the CPU (half precision is slow there)."""
    if name == "auto":
        return torch.float16 if device.type in ("cuda", "mps") else torch.float32
    return DTYPES[name]
