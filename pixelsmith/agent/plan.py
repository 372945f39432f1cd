"""Typed plans and the workspace view that planners read.

A plan is a list of steps; each step names a registered tool (or a workspace action:
`select`, `undo`, `revert`) and its arguments. An argument may refer to an earlier
step's main output as "$N" (1-based): `segment(detection="$1")` uses the detection made
by step 1 of the turn. Planners read a `WorkspaceView` (pixelsmith.views); a planner whose
model sees is also shown pictures (agent.pictures).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

STEP_REF = re.compile(r"^\$(\d+)$")


class Step(BaseModel):
    """One tool call in a plan."""

    model_config = ConfigDict(extra="forbid")

    tool: str = Field(description="A registered tool or a workspace action.")
    args: dict[str, Any] = Field(default_factory=dict)
    why: str = Field(default="", description="One line the user sees, e.g. 'find the cat'.")
    call_id: str = Field(default="", description="The LLM's tool-call id, to answer it.")


class Plan(BaseModel):
    """What the agent will do for one message; `reply` alone means nothing runs."""

    model_config = ConfigDict(extra="forbid")

    steps: list[Step] = Field(default_factory=list)
    reply: str = Field(default="", description="Text for the user (e.g. 'I don't understand').")
    note: str = Field(default="", description="Said before the steps run (e.g. 'Part 2 of 2').")
    planner: str = Field(default="offline", description="Which planner made it.")

    def describe(self) -> str:
        """The plan in one line for the chat: 'detect → segment → inpaint'."""
        return " → ".join(step.tool for step in self.steps) or self.reply


def shift_refs(plan: Plan, offset: int) -> Plan:
    """`plan` with every "$N" made "$N+offset": its steps run after `offset` others."""

    def one(value: Any) -> Any:
        if isinstance(value, str) and (ref := STEP_REF.match(value)):
            return f"${int(ref.group(1)) + offset}"
        return [one(v) for v in value] if isinstance(value, list) else value

    for step in plan.steps:
        step.args = {name: one(value) for name, value in step.args.items()}
    return plan
