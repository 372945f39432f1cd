"""Checking a plan before anything runs, and resolving "$N" references while it runs.

Only registered tools and the three workspace actions can appear in a plan; arguments
go through each tool's pydantic schema; every artifact id must exist and be of the
right kind. Problems come back as one sentence a user (or an LLM) can act on.
"""

from __future__ import annotations

from typing import Any

from pixelsmith.agent.actions import ACTIONS
from pixelsmith.agent.plan import STEP_REF, Plan, Step
from pixelsmith.errors import ToolInputError, UserError, shorten
from pixelsmith.tools.tool_registry import ToolRegistry

# Which kind of artifact an argument names (what a tool's main output is, it says itself: `makes`).
ARG_KINDS = {
    "image": "image",
    "mask": "mask",
    "detection": "detection",
    "other": "mask",
    "images": "image",
    "references": "image",
}


class PlanError(UserError):
    """A plan that cannot run; nothing was done."""


def _check_ids(number: int, step: Step, exists, kinds_so_far: dict[int, str | None]) -> dict:
    """Every id argument names an existing artifact or an earlier step's output of the
    right kind; returns the args with references replaced by placeholders."""
    args = dict(step.args)
    for name, value in step.args.items():
        kind = ARG_KINDS.get(name) or ("any" if step.tool == "select" and name == "id" else None)
        if kind is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str):
                continue
            ref = STEP_REF.match(item)
            if ref:
                target = int(ref.group(1))
                if target not in kinds_so_far:
                    raise PlanError(f"step {number} ({step.tool}): {name}={item} refers to no earlier step")
                made = kinds_so_far[target]
                if kind != "any" and made != kind:
                    raise PlanError(
                        f"step {number} ({step.tool}): {name}={item} is a {made or 'nothing'}, not a {kind}"
                    )
                continue
            try:
                exists(item, None if kind == "any" else kind)
            except ToolInputError as err:
                raise PlanError(f"step {number} ({step.tool}): {err}") from None
        if isinstance(value, str) and STEP_REF.match(value):
            args[name] = f"{kind}-0"
    return args


def validate_plan(plan: Plan, tools: ToolRegistry, exists, *, first_number: int = 1) -> None:
    """Raise `PlanError` for the first problem; `exists(id, kind)` raises for unknown ids."""
    kinds: dict[int, str | None] = {}
    for offset, step in enumerate(plan.steps):
        number = first_number + offset
        if step.tool not in tools and step.tool not in ACTIONS:
            known = ", ".join(tools.names() + list(ACTIONS))
            raise PlanError(f"step {number}: there is no tool {shorten(repr(step.tool))}; tools: {known}")
        args = _check_ids(number, step, exists, kinds)
        runs = ACTIONS.get(step.tool) or tools.get(step.tool)
        try:
            runs.validate(args)
        except ToolInputError as err:
            raise PlanError(f"step {number}: {err}") from None
        kinds[number] = None if step.tool in ACTIONS else tools.get(step.tool).makes


def resolve(args: dict[str, Any], outputs: dict[int, str]) -> dict[str, Any]:
    """Replace "$N" with the id step N made (lists too)."""

    def one(value: Any) -> Any:
        if isinstance(value, str):
            ref = STEP_REF.match(value)
            if ref:
                return outputs[int(ref.group(1))]
        if isinstance(value, list):
            return [one(v) for v in value]
        return value

    return {name: one(value) for name, value in args.items()}
