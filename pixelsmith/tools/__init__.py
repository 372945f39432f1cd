"""The vision tools, one module each, registered in one `ToolRegistry`.

Tools from other packages arrive through the `pixelsmith.tools` entry-point group: an entry
point names a `Tool` (or a module holding one as `TOOL`) and is handled exactly like the
built-in ones: checked on registration, offered to the planners, run by the executors,
stored and drawn from its own facts.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from types import ModuleType

from pixelsmith.tools.base import MemoryStore, Progress, ToolContext
from pixelsmith.tools.tool_registry import Tool, ToolRegistry

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "pixelsmith.tools"
BUILTIN_MODULES = (
    "detect",
    "segment",
    "refine_mask",
    "inpaint",
    "remove",
    "generate",
    "rank",
    "train_concept",
    "restyle",
    "outpaint",
    "instruct",
    "segment_text",
    "adjust",
    "crop",
    "rotate",
    "flip",
    "perspective",
    "resize",
    "cutout",
    "place",
    "upscale",
)


def builtin_tools() -> ToolRegistry:
    """A registry of the built-in tools alone."""
    registry = ToolRegistry()
    for name in BUILTIN_MODULES:
        registry.register(import_module(f"pixelsmith.tools.{name}").TOOL)
    return registry


def load_plugins(registry: ToolRegistry, group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Register every tool of the entry-point `group`; returns their names. A plug-in that
    fails to import or to pass the registry's checks is skipped with a warning naming it."""
    added = []
    for entry in entry_points(group=group):
        try:
            found = entry.load()
            tool = found.TOOL if isinstance(found, ModuleType) else found
            if not isinstance(tool, Tool):
                raise TypeError(f"{entry.value} is not a pixelsmith Tool")
            registry.register(tool)
        except Exception as err:  # a broken plug-in must not take the built-in tools down
            log.warning("skipped the tool plug-in %s (%s): %s", entry.name, entry.value, err)
            continue
        added.append(tool.name)
    return added


@cache
def default_tools() -> ToolRegistry:
    """The process's registry: every built-in tool and every plug-in, each checked on
    registration. One instance, handed to the agent, the planners and the executors."""
    registry = builtin_tools()
    load_plugins(registry)
    return registry


__all__ = [
    "MemoryStore",
    "Progress",
    "Tool",
    "ToolContext",
    "ToolRegistry",
    "builtin_tools",
    "default_tools",
    "load_plugins",
]
