"""The vision tools, one module each, registered in one `ToolRegistry`."""

from __future__ import annotations

from pixelsmith.tools.base import MemoryStore, Progress, ToolContext
from pixelsmith.tools.registry import Tool, ToolRegistry

BUILTIN_MODULES = (
    "detect",
    "segment",
    "refine_mask",
    "inpaint",
    "remove",
    "generate",
    "rank",
    "train_concept",
)


def default_tools() -> ToolRegistry:
    """A registry holding every built-in tool, each checked on registration."""
    from importlib import import_module

    registry = ToolRegistry()
    for name in BUILTIN_MODULES:
        registry.register(import_module(f"pixelsmith.tools.{name}").TOOL)
    return registry


__all__ = ["MemoryStore", "Progress", "Tool", "ToolContext", "ToolRegistry", "default_tools"]
