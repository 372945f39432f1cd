"""The models layer: the registry (lazy load, cache, device and dtype, memory budget), the
loaders of each role and its backends, and the hub (finding and pulling checkpoints).

`ModelRegistry` is imported on first use, so that `pixelsmith.models.hub` (`models list`)
stays free of torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ModelRegistry"]


def __getattr__(name: str) -> Any:
    if name == "ModelRegistry":
        from pixelsmith.models.model_registry import ModelRegistry

        return ModelRegistry
    raise AttributeError(f"module 'pixelsmith.models' has no attribute {name!r}")
