"""The planner interface (`agent.planners.make_planner` chooses one from the settings).

A planner is asked for a plan at the start of a turn and again after each batch of
steps has run, with what those steps returned; an empty plan ends the turn. The offline
planner plans each part of a request in turn; the LLM planner keeps asking its model
until it stops calling tools. A turn paused for review is kept as its `state()` and taken
up again by `planner.resume(state, steps_done=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

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
    kind: str = ""  # what the step made: detection, masks, images, ...
    ids: list[str] = field(default_factory=list)  # the artifacts it made, best first
    edit: bool = False  # its result became the current image (a planner that sees checks it)


class PlannerTurn(Protocol):
    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan: ...

    def state(self) -> dict[str, Any]: ...


class Planner(Protocol):
    name: str

    def begin(self, message: str, view: WorkspaceView) -> PlannerTurn: ...

    def resume(self, state: dict[str, Any], *, steps_done: int) -> PlannerTurn: ...


class PlannerUnavailable(UserError):
    """The LLM could not be reached or kept answering nonsense; fall back to offline."""


class OneShotTurn:
    """A turn that plans once and is then done (a scripted planner; a turn taken up again
    by a planner other than the one that paused it ends after the paused steps)."""

    def __init__(self, plan: Plan) -> None:
        self._plan: Plan | None = plan

    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan:
        plan, self._plan = self._plan, None
        return plan or Plan()

    def state(self) -> dict[str, Any]:
        return {"reply": self._plan.reply if self._plan else ""}


class GivenTurn:
    """A turn whose plan arrives already made (a form): its steps, then only its reply."""

    def __init__(self, plan: Plan) -> None:
        self._plans = [plan.model_copy(deep=True), Plan(reply=plan.reply)]

    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan:
        return self._plans.pop(0) if self._plans else Plan()

    def state(self) -> dict[str, Any]:
        return {"reply": self._plans[-1].reply if self._plans else ""}
