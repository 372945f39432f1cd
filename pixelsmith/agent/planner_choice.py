"""Choosing a planner from the settings: an LLM endpoint, the built-in local model, or the rules."""

from __future__ import annotations

from typing import Any

from pixelsmith.agent.planner_protocol import Planner
from pixelsmith.agent.rules import OfflinePlanner
from pixelsmith.config import Settings
from pixelsmith.errors import UserError
from pixelsmith.tools.tool_registry import ToolRegistry

CHOICES = ("auto", "llm", "local", "offline")


def make_planner(
    settings: Settings,
    choice: str | None = None,
    *,
    chat_model=None,
    tools: ToolRegistry | None = None,
    models: Any = None,
) -> Planner:
    """`auto`: the LLM when one is configured (or a chat model is passed); else the local
    model when it is already on disk (nothing of gigabytes downloads unasked); else the
    rules. `local` runs the `planner` role's model through `models` (a `ModelRegistry`;
    one of its own when not given). All offer `tools` (built-in and plug-in by default)."""
    choice = choice or settings.planner
    if choice not in CHOICES:
        raise UserError(f"planner must be {', '.join(CHOICES[:-1])} or offline, got {choice!r}")
    configured = chat_model is not None or bool(settings.llm_model)
    if choice == "auto" and not configured:
        choice = "local" if local_ready(settings) else "offline"
    if choice == "offline":
        return OfflinePlanner(tools)
    if choice == "local":
        from pixelsmith.agent.local_llm import LocalPlanner

        if models is None:
            from pixelsmith.models import ModelRegistry

            models = ModelRegistry(settings)
        return LocalPlanner.from_registry(models, tools=tools)
    if not configured:
        raise UserError(
            "the LLM planner needs PIXELSMITH_LLM_MODEL (and PIXELSMITH_LLM_BASE_URL "
            "for Ollama/vLLM); or use --planner local or offline"
        )
    from pixelsmith.agent.llm import LLMPlanner

    return LLMPlanner.from_settings(settings, chat_model=chat_model, tools=tools)


def local_ready(settings: Settings) -> bool:
    """Whether the local planner's model loads without a download (a folder, or cached)."""
    from pixelsmith.models.hub import status

    try:
        return status(settings, "planner").ready
    except UserError:
        return False


def offline_note(settings: Settings) -> str:
    """The one line `auto` says when it plans with the rules: how to get the local model."""
    spec = settings.planner_model
    size = LOCAL_SIZES.get(spec.model, "a few")
    return (
        f"planning with the offline rules; for a local model that plans from any wording, run "
        f"`pixelsmith models pull planner` ({spec.model}, about {size} GB once)"
    )


LOCAL_SIZES = {"Qwen/Qwen3-1.7B": "4", "Qwen/Qwen3-4B-Instruct-2507": "8", "Qwen/Qwen2.5-1.5B-Instruct": "3"}
