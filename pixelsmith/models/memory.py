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
            for where, size in _storage(tensor):
                if where not in seen:
                    seen.add(where)
                    total += size
    return total


def _storage(tensor: Any) -> list[tuple[int, int]]:
    """(address, bytes) of what holds a tensor's values: itself, or for a tensor subclass
    (torchao's int8 weights: qdata, scale) the tensors inside it, whose own address is 0."""
    flatten = getattr(tensor, "__tensor_flatten__", None)
    if flatten is None:
        return [(tensor.data_ptr(), tensor.numel() * tensor.element_size())]
    inner = [getattr(tensor, name, None) for name in flatten()[0]]
    return [part for t in inner if t is not None for part in _storage(t)]


def free_device_memory() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
