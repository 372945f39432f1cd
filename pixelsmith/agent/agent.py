"""The agent: a message in, typed events out, every step recorded in the workspace.

`Agent.send` asks the planner and runs the turn (`agent.loop`): each step through a
`StepRunner` (on the executor, so progress is yielded while a tool works), its result fed
back, and an answer. In interactive mode the turn pauses before a step that uses masks the
user has not reviewed (`ReviewNeeded`), whichever planner made it; the `ReviewController`
records the choice (`choose`, `refine`, `paint`, `upload`) and `resume` carries the turn
on. A failing step leaves the workspace as it was before that step.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator
from typing import Any

from PIL import Image

from pixelsmith import processes
from pixelsmith.agent import pictures
from pixelsmith.agent.events import Done, Event
from pixelsmith.agent.loop import Turn, carry_on
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.agent.planner_protocol import (
    GivenTurn,
    Observation,
    OneShotTurn,
    Planner,
    PlannerTurn,
    PlannerUnavailable,
)
from pixelsmith.agent.review import ReviewController
from pixelsmith.agent.selection import SelectionController
from pixelsmith.agent.steps import StepRunner
from pixelsmith.agent.validate import validate_plan
from pixelsmith.editor_backends import REFERENCES
from pixelsmith.errors import UserError
from pixelsmith.escape import storable
from pixelsmith.execution.choose import make_executor
from pixelsmith.execution.local import Executor
from pixelsmith.models.model_registry import ModelRegistry
from pixelsmith.records import MessageRecord
from pixelsmith.tools import default_tools
from pixelsmith.tools.tool_registry import ToolRegistry
from pixelsmith.tracking import make_tracker
from pixelsmith.views import ConceptView, WorkspaceView
from pixelsmith.workspace import Workspace

log = logging.getLogger(__name__)


class Agent:
    """One session's conversation over the shared models and tools."""

    def __init__(
        self,
        workspace: Workspace,
        models: ModelRegistry,
        *,
        planner: Planner | None = None,
        tools: ToolRegistry | None = None,
        interactive: bool = False,
        max_steps: int = 12,
        max_retries: int = 2,
        seed: int | None = None,
        executor: Executor | None = None,
        defaults: dict[str, Any] | None = None,
    ) -> None:
        self.workspace = workspace
        self.models = models
        self.tools = tools or default_tools()
        self.planner = planner or make_planner(models.settings, tools=self.tools, models=models)
        self.max_steps = max_steps
        self.max_retries = max_retries
        executor = executor or make_executor(models.settings, models, self.tools)
        self.steps = StepRunner(workspace, models, self.tools, executor, seed=seed, defaults=defaults)
        self.review = ReviewController(self.steps, interactive=interactive, enabled=models.settings.review)
        self.selection = SelectionController(self.steps)  # what the user marked before asking
        self.tracker = make_tracker(models.settings, workspace)
        self.turn_ok = False  # whether the last turn carried out its request (see Done.ok)
        note_cut_off(workspace)

    # The step runner's and the review controller's settings, as the UI and the CLI set them.
    @property
    def executor(self) -> Executor:
        return self.steps.executor

    @property
    def cancel(self):
        """Set it to stop the running step at its next progress report."""
        return self.steps.cancel

    @property
    def model_seconds(self) -> float:
        return self.steps.model_seconds

    @property
    def seed(self) -> int | None:
        return self.steps.seed

    @seed.setter
    def seed(self, value: int | None) -> None:
        self.steps.seed = value

    @property
    def defaults(self) -> dict[str, Any]:
        return self.steps.defaults

    @defaults.setter
    def defaults(self, value: dict[str, Any]) -> None:
        self.steps.defaults = dict(value)

    @property
    def interactive(self) -> bool:
        return self.review.interactive

    @interactive.setter
    def interactive(self, value: bool) -> None:
        self.review.interactive = value

    # -- a turn --------------------------------------------------------------------
    def send(
        self,
        message: str,
        image: Image.Image | None = None,
        *,
        references: list[Image.Image] | None = None,
        plan: Plan | None = None,
    ) -> Iterator[Event]:
        """Handle one user message (optionally with a new image, and reference photos that
        come with it: "the dog from this photo") and yield its events.

        With `plan`, that plan runs instead of asking the planner (a form in the UI that
        knows its step); it is validated and executed like any other.
        """
        message, limit = storable(message), self.models.settings.limits.max_message_chars
        if len(message) > limit:
            raise UserError(
                f"the message is {len(message)} characters, over the limit of {limit}; shorten it"
            )
        start = self._start()
        with self.workspace.transaction() as record:
            answer = None
            if record.pending and image is None and plan is None:
                answer = self.review.answer(message)
            record.turn += 1
            self.steps.turn = record.turn
            record.running[record.turn] = processes.mark()  # a kill leaves it: said at the next open
            set_aside = None
            if answer is None:  # a new request drops a paused one (and says so, below)
                set_aside, record.pending = record.pending, None
            if image is not None:
                image_id = self.workspace.add_image(image, tool="upload", note="uploaded")
                self.workspace.set_current(image_id)
            given = [  # kept beside the photo, never made current
                self.workspace.add_image(reference, tool="reference", note="a reference photo the user gave")
                for reference in references or []
            ]
            record.messages.append(
                MessageRecord(
                    role="user", text=message, turn=record.turn, image=record.current_image, artifacts=given
                )
            )
            record.title = record.title or message[:60]
        try:
            if answer is not None:  # "use mask 2", "click 120 80" or "continue" while a review waits
                if answer.mask:
                    self.review.choose(answer.mask)
                if answer.refine is not None:
                    yield from self.review.refine(**answer.refine)
                if answer.go_on or answer.mask:
                    yield from self.resume(start=start)
                else:
                    yield self._done(start)
                return
            if set_aside is not None and set_aside.steps:  # said, not silently dropped
                waiting = " → ".join(step["tool"] for step in set_aside.steps)
                yield from self.steps.say(
                    f"The edit waiting for its mask review ({waiting}) is set aside for this request; "
                    "ask for it again to do it.",
                    kind="notice",
                )
            yield from self._plan_and_run(message, GivenTurn(plan) if plan is not None else None)
            self.selection.used(self.steps.turn)
            yield self._done(start)
        finally:  # ended, failed or stopped: not cut off
            with self.workspace.transaction() as record:
                record.running.pop(self.steps.turn, None)

    def _start(self) -> float:
        self.steps.model_seconds = 0.0
        self.steps.cancel.clear()
        return time.perf_counter()

    def _done(self, start: float) -> Done:
        seconds = time.perf_counter() - start
        if self.tracker is not None:
            self.tracker.log_turn(seconds, self.model_seconds)
        return Done(self.workspace.record.current_image, seconds, self.model_seconds, self.turn_ok)

    # -- review (see ReviewController) -------------------------------------------------
    def choose(self, mask_id: str) -> None:
        self.review.choose(mask_id)

    def refine(self, **args: Any) -> Iterator[Event]:
        return self.review.refine(**args)

    def paint(self, layer: Any, *, erase: bool = False) -> Iterator[Event]:
        return self.review.paint(layer, erase=erase)

    def upload_mask(self, mask: Any, name: str) -> str:
        return self.review.upload(mask, name)

    def resume(self, *, start: float | None = None) -> Iterator[Event]:
        """Continue the paused turn with the mask the user chose; its planner carries on
        (an LLM is told what the user chose, with the result of the step that used it)."""
        if start is None:  # Continue pressed (not "continue" typed, which send marks as running)
            with self.workspace.transaction() as record:
                record.running[record.turn] = processes.mark()
            try:
                yield from self.resume(start=self._start())
            finally:
                with self.workspace.transaction() as record:
                    record.running.pop(record.turn, None)
            return
        pending = self.review.take()
        planner = self.planner if pending.planner == self.planner.name else None
        resumable = planner is not None and hasattr(planner, "resume")
        thread = planner.resume(pending.planner_state, steps_done=pending.done) if resumable else None
        turn = Turn(
            planner or self.planner,
            thread or OneShotTurn(Plan(reply=pending.planner_state.get("reply", ""))),
            pending.planner,
            feedback=thread is not None and getattr(planner, "accepts_feedback", False),
            made=dict(pending.made),
            done=pending.done,
            retries=pending.retries,
        )
        chosen, did = pending.chosen, pending.summary()
        yield from self.steps.say(f"Going on with {chosen}: you {did}.", kind="notice")
        self.turn_ok = True
        yield from carry_on(
            self,
            turn,
            Plan(steps=[Step.model_validate(s) for s in pending.steps], planner=pending.planner),
            observations=[Observation(**o) for o in pending.observations],
            checked=True,
            reviewed=f"The user reviewed the candidate masks ({', '.join(pending.masks)}) and {did}; "
            f"this call ran with {chosen}.",
        )
        self.selection.used(self.steps.turn)
        yield self._done(start)

    def view(self) -> WorkspaceView:
        """The workspace as planners see it, with the concepts ready to use and those stopped."""
        from pixelsmith.concepts import ConceptStore, viewer

        owner = viewer(self.models.settings, self.workspace.record.owner)
        store = ConceptStore(self.workspace.data_dir, owner=owner)
        concepts = store.list()
        views = {c.name: ConceptView(c.name, c.token, c.class_word) for c in concepts}
        view = self.workspace.view([views[c.name] for c in concepts if c.status == "ready"])
        view.stopped_concepts = [
            views[c.name] for c in concepts if c.status != "ready" and not store.training_now(c.name)
        ]
        if self.models.settings.segmenter.reads_text and "segment_text" in self.tools:
            view.finder = "segment_text"
        if not REFERENCES[self.models.settings.editor.backend]:  # InstructPix2Pix: the IP-Adapter's turn
            view.reference_tool = "inpaint"
        view.draw = functools.partial(pictures.draw, self.workspace)
        return view

    def _begin(self, message: str, view: WorkspaceView) -> Iterator[Event]:
        """The planner's turn and first plan; an unreachable LLM falls back to the rules."""
        planner = self.planner
        try:
            turn = planner.begin(message, view)
            return planner, turn, turn.next([], view)
        except PlannerUnavailable as err:
            yield from self.steps.say(f"{err}; using the offline planner for this message", kind="notice")
            planner = make_planner(self.models.settings, "offline", tools=self.tools)
            turn = planner.begin(message, view)
            return planner, turn, turn.next([], view)

    def _plan_and_run(self, message: str, given: PlannerTurn | None) -> Iterator[Event]:
        view = self.view()
        self.turn_ok = False
        if given is not None:
            turn = Turn(self.planner, given, "form")
            plan = given.next([], view)
        else:
            planner, thread, plan = yield from self._begin(message, view)
            feedback = getattr(planner, "accepts_feedback", False)
            turn = Turn(planner, thread, planner.name, feedback=feedback)
        plan.planner = turn.name
        yield from carry_on(self, turn, plan)

    def prepare(self, plan: Plan, *, first_number: int, exists=None) -> str | None:
        """Fill in the current image where a step leaves it out, then validate (ids against
        the session, or `exists(id, kind)`); the problem in one sentence, or None."""
        current = self.workspace.record.current_image
        for step in plan.steps:
            if step.tool in self.tools:
                fields = self.tools.get(step.tool).input_model.model_fields
                if "image" in fields and "image" not in step.args and current:
                    step.args["image"] = current
        try:
            validate_plan(plan, self.tools, exists or self.workspace.artifact, first_number=first_number)
        except UserError as err:
            return str(err)
        return None

    # -- re-running ------------------------------------------------------------------
    def rerun(self, step_index: int) -> Any:
        """Run a recorded step again with its recorded arguments (same seed, same pixels),
        through the executor; returns the tool's output without storing it."""
        record = self.workspace.record.steps[step_index]
        for _ in self.steps.call(0, record.tool, dict(record.args)):
            pass  # progress, not shown
        return self.steps.output


def note_cut_off(workspace: Workspace) -> None:
    """Say in the session which requests a stopped process left half done (its pid is gone):
    their finished steps are kept, the rest never ran. Another live process's turn is left."""
    record = workspace.record
    if all(processes.alive(mark) for mark in record.running.values()):
        return
    with workspace.transaction() as record:
        for turn, mark in sorted(record.running.items()):
            if not processes.alive(mark):
                del record.running[turn]
                record.messages.append(
                    MessageRecord(
                        role="assistant",
                        text="This request was cut off: pixelsmith stopped while it ran. The steps it "
                        "finished are kept; send it again to do the rest.",
                        turn=turn,
                        kind="notice",
                        image=record.current_image,
                    )
                )
