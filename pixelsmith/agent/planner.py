"""The planner interface, and choosing one from settings.

A planner is asked for a plan at the start of a turn and again after each batch of
steps has run, with what those steps returned; an empty plan ends the turn. The offline
planner answers once; the LLM planner keeps asking its model until it stops calling tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pixelsmith.agent.plan import Plan, WorkspaceView
from pixelsmith.config import Settings
from pixelsmith.errors import UserError


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


class OfflineTurns:
    """Adapts `OfflinePlanner.plan(message, view)` to the turn interface."""

    name = "offline"

    def __init__(self) -> None:
        from pixelsmith.agent.offline import OfflinePlanner

        self._rules = OfflinePlanner()

    def begin(self, message: str, view: WorkspaceView) -> PlannerTurn:
        return OneShotTurn(self._rules.plan(message, view))


def make_planner(settings: Settings, choice: str | None = None, *, chat_model=None) -> Planner:
    """`auto` uses the LLM when one is configured (or a chat model is passed), else rules."""
    choice = choice or settings.planner
    if choice not in ("auto", "llm", "offline"):
        raise UserError(f"planner must be auto, llm or offline, got {choice!r}")
    configured = chat_model is not None or bool(settings.llm_model)
    if choice == "offline" or (choice == "auto" and not configured):
        return OfflineTurns()
    if not configured:
        raise UserError(
            "the LLM planner needs PIXELSMITH_LLM_MODEL (and PIXELSMITH_LLM_BASE_URL "
            "for Ollama/vLLM); or use --planner offline"
        )
    from pixelsmith.agent.llm import LLMPlanner

    return LLMPlanner.from_settings(settings, chat_model=chat_model)
