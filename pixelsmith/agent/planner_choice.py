"""Choosing a planner from the settings: the offline rules, or the LLM when one is configured."""

from __future__ import annotations

from pixelsmith.agent.planner_protocol import Planner
from pixelsmith.agent.rules import OfflinePlanner
from pixelsmith.config import Settings
from pixelsmith.errors import UserError
from pixelsmith.tools.tool_registry import ToolRegistry


def make_planner(
    settings: Settings, choice: str | None = None, *, chat_model=None, tools: ToolRegistry | None = None
) -> Planner:
    """`auto` uses the LLM when one is configured (or a chat model is passed), else rules.
    Both offer `tools` (the built-in and plug-in tools by default)."""
    choice = choice or settings.planner
    if choice not in ("auto", "llm", "offline"):
        raise UserError(f"planner must be auto, llm or offline, got {choice!r}")
    configured = chat_model is not None or bool(settings.llm_model)
    if choice == "offline" or (choice == "auto" and not configured):
        return OfflinePlanner(tools)
    if not configured:
        raise UserError(
            "the LLM planner needs PIXELSMITH_LLM_MODEL (and PIXELSMITH_LLM_BASE_URL "
            "for Ollama/vLLM); or use --planner offline"
        )
    from pixelsmith.agent.llm import LLMPlanner

    return LLMPlanner.from_settings(settings, chat_model=chat_model, tools=tools)
