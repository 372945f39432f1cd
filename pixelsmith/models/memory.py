"""What resident models hold: their bytes (for the memory budget), and freeing the device's
cache after one is dropped."""

from __future__ import annotations

import itertools
from typing import Any


def model_bytes(model: Any) -> int:
    """Bytes of parameters and buffers of a module, a pipeline, or a wrapper holding modules
    (SAM 3's holds two, sharing a backbone: a tensor is counted once)."""
    import torch

    modules = []
    if isinstance(model, torch.nn.Module):
        modules = [model]
    elif hasattr(model, "components"):  # a diffusers pipeline
        modules = [c for c in model.components.values() if isinstance(c, torch.nn.Module)]
    elif hasattr(model, "__dict__"):  # a backend object: every module it holds
        modules = [v for v in vars(model).values() if isinstance(v, torch.nn.Module)]
    seen, total = set(), 0
    for module in modules:
        for tensor in itertools.chain(module.parameters(), module.buffers()):
            if tensor.data_ptr() not in seen:
                seen.add(tensor.data_ptr())
                total += tensor.numel() * tensor.element_size()
    return total


def free_device_memory() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
