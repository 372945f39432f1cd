"""Choosing the executor from the settings: `executor = "local"`, `"ray"` or `"ray://HOST:PORT"`."""

from __future__ import annotations

from pixelsmith.config import Settings
from pixelsmith.errors import UserError
from pixelsmith.execution.local import Executor, shared_executor
from pixelsmith.models.model_registry import ModelRegistry
from pixelsmith.tools.tool_registry import ToolRegistry


def make_executor(settings: Settings, models: ModelRegistry, tools: ToolRegistry | None = None) -> Executor:
    """The process-wide executor the settings name.

    `local` runs tools in this process on `models`; `ray` uses this machine's Ray cluster
    (started by `ray start --head` or `pixelsmith serve`) or starts one; `ray://HOST:PORT`
    joins a remote cluster through Ray Client. Under Ray the models live in the
    deployments' replicas; `models` serves only tools that need no model.
    """
    choice = settings.executor
    if choice == "local":
        return shared_executor(models, tools)
    try:
        from pixelsmith.execution.ray_executor import shared_ray_executor
    except ImportError:
        raise UserError(
            f"executor {choice!r} needs Ray Serve: pip install 'pixelsmith[ray]', or set executor = \"local\""
        ) from None
    return shared_ray_executor(settings, models, address=None if choice == "ray" else choice, tools=tools)
