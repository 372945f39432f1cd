"""The session record: what `session.json` holds (messages, steps, artifacts, the paused
review), as typed pydantic models. Sessions written by earlier versions load too."""

from __future__ import annotations

import re
import time
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

# Sessions written before artifacts recorded `edit` made their edits with these tools.
ARTIFACT_ID = re.compile(r"(?:image|mask|detection)-\d+")
_LEGACY_EDIT_TOOLS = ("inpaint", "remove", "generate")
_LEGACY_KINDS = dict(
    detect="detection",
    segment="masks",
    refine_mask="mask",
    inpaint="images",
    remove="images",
    generate="images",
    rank="scores",
    train_concept="concept",
    select="action",
    undo="action",
    revert="action",
)


class ArtifactRecord(BaseModel):
    id: str
    kind: str  # image | mask | detection
    parents: list[str] = Field(default_factory=list)
    tool: str = "upload"
    step: int | None = None  # index into SessionRecord.steps
    size: tuple[int, int] | None = None  # (W, H)
    note: str = ""
    detections: list[dict[str, Any]] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list)
    edit: bool = False  # made by a tool that edits the current image (follow-ups change its step)
    keeps: list[str] = Field(default_factory=list)  # what its photo carried, kept beside it (keepsakes)
    format: str = ""  # its photo's file format ("JPEG"): a download is in it

    @model_validator(mode="before")
    @classmethod
    def _legacy_edit(cls, data: Any) -> Any:
        if isinstance(data, dict) and "edit" not in data:
            data = {**data, "edit": data.get("tool") in _LEGACY_EDIT_TOOLS}
        return data


class StepRecord(BaseModel):
    index: int
    turn: int
    tool: str
    args: dict[str, Any]  # as run: references resolved to ids, seeds filled in
    outputs: list[str] = Field(default_factory=list)
    summary: str = ""
    seconds: float = 0.0
    models: dict[str, str] = Field(default_factory=dict)  # role -> model id used
    error: str | None = None
    kind: str = ""  # what it made: detection | masks | mask | images | scores | concept | action

    def used(self) -> list[str]:
        """The artifacts it took (its image, the mask it painted in, ...), in argument order."""
        return [v for v in self.args.values() if isinstance(v, str) and ARTIFACT_ID.fullmatch(v)]

    @model_validator(mode="before")
    @classmethod
    def _legacy_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and "kind" not in data:
            data = {**data, "kind": _LEGACY_KINDS.get(data.get("tool", ""), "")}
        return data


MessageKind = Literal["text", "error", "notice"]


class MessageRecord(BaseModel):
    role: str  # user | assistant
    text: str
    turn: int
    image: str | None = None  # the current image when the message was sent / answered
    artifacts: list[str] = Field(default_factory=list)
    kind: MessageKind = "text"  # an assistant's answer, an error, or a notice (e.g. a fallback)
    step: int | None = None  # the session's step count when said: it goes before that step


class PendingReview(BaseModel):
    """A turn paused before a step that uses a mask of the segmentation the user reviews.

    Whichever planner made the plan: its turn's state (`planner_state`: the parts left, or
    the LLM conversation) is kept too, so Continue carries the turn on after a restart."""

    steps: list[dict[str, Any]]  # the plan's remaining steps (agent.plan.Step, dumped)
    made: dict[int, str]  # step number -> the id it made, for "$N" in the remaining steps
    mask_step: int  # the segmentation step whose mask the user chooses
    done: int  # steps run so far in this turn
    planner: str = "offline"
    masks: list[str] = Field(default_factory=list)  # the candidates under review, best first
    planner_state: dict[str, Any] = Field(default_factory=dict)  # the planner's turn, to carry on
    observations: list[dict[str, Any]] = Field(default_factory=list)  # of the plan's steps run so far
    retries: int = 0  # refused plans fed back to the planner so far
    did: list[str] = Field(default_factory=list)  # what the user did in the review, in order
    clicks: list[dict[str, Any]] = Field(default_factory=list)  # that made the chosen mask (x, y, positive)
    negative: bool = False  # the next click removes (the review's toggle, kept across a reload)

    @property
    def chosen(self) -> str:
        """The mask the rest of the plan will use."""
        return self.made.get(self.mask_step, "")

    def summary(self) -> str:
        """What the user chose, in words: 'chose mask-3, then 2 clicks (mask-7)'."""
        return ", then ".join(self.did) if self.did else f"kept {self.chosen}"


class Selection(BaseModel):
    """A mask the user made on the photo before typing (brush, rectangle, lasso or clicks):
    "it", "this" and "the selection" in the next request. Kept with the session, so a reload
    shows it; cleared by the request that used it, or when the photo changes size."""

    mask: str  # its id
    how: str  # brush | rectangle | lasso | clicks | upload
    clicks: list[dict[str, Any]] = Field(default_factory=list)  # that made it (x, y, positive)


class SessionRecord(BaseModel):
    id: str
    owner: str = ""  # the browser (or signed-in user) that made it; a shared UI shows it to it alone
    created: float = Field(default_factory=time.time)
    title: str = ""
    turn: int = 0
    messages: list[MessageRecord] = Field(default_factory=list)
    plans: list[dict[str, Any]] = Field(default_factory=list)  # each: its turn and the Plan, dumped
    steps: list[StepRecord] = Field(default_factory=list)
    artifacts: list[ArtifactRecord] = Field(default_factory=list)
    counters: dict[str, int] = Field(default_factory=dict)
    current_image: str | None = None
    history: list[str] = Field(default_factory=list)  # current images, oldest first (undo)
    last_masks: list[str] = Field(default_factory=list)
    last_edit: int | None = None  # the inpaint/remove/generate step that made the current image
    pending: PendingReview | None = None  # a plan paused for review
    selection: Selection | None = None  # what the user marked on the photo before asking
    # turn -> the process serving it now: its mark (`processes.mark`), a bare pid in older sessions
    running: dict[int, str | int] = Field(default_factory=dict)
