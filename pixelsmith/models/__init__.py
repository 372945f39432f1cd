"""Model registry (lazy load, cache, device and dtype) and the loaders of each role."""

from pixelsmith.models.registry import ModelRegistry

__all__ = ["ModelRegistry"]
