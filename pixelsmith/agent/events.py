"""The typed events one agent turn yields; the UI and the CLI both render these."""

from __future__ import annotations

from dataclasses import dataclass, field

from pixelsmith.agent.plan import Plan


@dataclass
class PlanReady:
    plan: Plan


@dataclass
class StepStarted:
    number: int  # 1-based within the turn
    tool: str
    args: dict
    why: str = ""


@dataclass
class StepProgress:
    number: int
    tool: str
    step: int
    total: int
    label: str = "step"
    loss: float | None = None
    eta_seconds: float | None = None
    phase: str | None = None  # of a long job with several counts (training)


@dataclass
class StepFinished:
    """A step's new artifacts (ids, best first) and its one-line summary."""

    number: int
    tool: str
    outputs: list[str]
    summary: str
    seconds: float
    kind: str  # detection | masks | mask | images | action | scores


@dataclass
class ReviewNeeded:
    """The plan is paused after segmentation: choose, click or refine, then continue."""

    image: str
    masks: list[str]
    message: str


@dataclass
class AssistantMessage:
    text: str
    artifacts: list[str] = field(default_factory=list)


@dataclass
class Notice:
    """Something the user should know that is not an error (e.g. a planner fallback)."""

    text: str
    lasting: bool = True  # kept in the session's transcript; not so "loading X for the first time"


@dataclass
class ErrorEvent:
    """A step or plan failed; the workspace is as it was before that step."""

    text: str


@dataclass
class Done:
    current_image: str | None
    seconds: float  # the whole turn
    model_seconds: float  # inside tools
    ok: bool = True  # the request was carried out (False: refused, not understood, a step failed)


Event = (
    PlanReady
    | StepStarted
    | StepProgress
    | StepFinished
    | ReviewNeeded
    | AssistantMessage
    | Notice
    | ErrorEvent
    | Done
)
