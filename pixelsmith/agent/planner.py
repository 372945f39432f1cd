"""The planner interface (`agent.planners.make_planner` chooses one from the settings).

A planner is asked for a plan at the start of a turn and again after each batch of
steps has run, with what those steps returned; an empty plan ends the turn. The offline
planner answers once; the LLM planner keeps asking its model until it stops calling tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pixelsmith.agent.plan import Plan
from pixelsmith.errors import UserError
from pixelsmith.views import WorkspaceView


@dataclass
class Observation:
    """What one step returned, as the planner reads it."""

    call_id: str
    tool: str
    ok: bool
    text: str


class PlannerTurn(Protocol):
    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan: ...


class Planner(Protocol):
    name: str

    def begin(self, message: str, view: WorkspaceView) -> PlannerTurn: ...


class PlannerUnavailable(UserError):
    """The LLM could not be reached or kept answering nonsense; fall back to offline."""


class OneShotTurn:
    """A turn that plans once from the message and is then done (offline rules)."""

    def __init__(self, plan: Plan) -> None:
        self._plan: Plan | None = plan

    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan:
        plan, self._plan = self._plan, None
        return plan or Plan()


class GivenTurn:
    """A turn whose plan arrives already made (a form): its steps, then only its reply."""

    def __init__(self, plan: Plan) -> None:
        self._plans = [plan.model_copy(deep=True), Plan(reply=plan.reply)]

    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan:
        return self._plans.pop(0) if self._plans else Plan()
