"""Calling one tool directly in a test (no agent, no executor): `run_tool(ctx, "inpaint", ...)`
validates the arguments through the tool's input model and runs it on `ctx` (the `ctx`
fixture of conftest.py: the tiny models and an in-memory store)."""

from __future__ import annotations

from typing import Any

from pixelsmith.tools import ToolContext, default_tools


def run_tool(ctx: ToolContext, name: str, **args: Any) -> Any:
    tool = default_tools().get(name)
    return tool.run(tool.validate(args), ctx)
