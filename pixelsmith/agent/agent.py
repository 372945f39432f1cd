"""The agent loop: a message in, typed events out, every step recorded in the workspace.

`Agent.send` plans, validates, runs each step (in a worker thread so progress can be
yielded while a tool works), stores what it made, and answers. In interactive mode a plan
pauses after segmentation (`ReviewNeeded`); `choose`, `refine` and `resume` (in
`review`, a base class of `Agent`) carry it on. A failing step leaves the workspace as it
was before that step.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

from PIL import Image

from pixelsmith.agent import outputs
from pixelsmith.agent.events import (
    AssistantMessage,
    Done,
    ErrorEvent,
    Event,
    Notice,
    PlanReady,
    StepFinished,
    StepProgress,
    StepStarted,
)
from pixelsmith.agent.plan import WORKSPACE_ACTIONS, ConceptView, Plan, Step, WorkspaceView
from pixelsmith.agent.planner import Observation, Planner, PlannerUnavailable, make_planner
from pixelsmith.agent.review import Review
from pixelsmith.agent.validate import resolve, validate_plan
from pixelsmith.diffusion import resolve_seed
from pixelsmith.errors import UserError
from pixelsmith.runtime.executor import Executor, LocalExecutor, ToolCall, roles_used
from pixelsmith.runtime.executors import make_executor
from pixelsmith.runtime.registry import ModelRegistry
from pixelsmith.tools import ToolContext, default_tools
from pixelsmith.tools.registry import ToolRegistry
from pixelsmith.tracking import make_tracker
from pixelsmith.workspace import MessageRecord, StepRecord, Workspace

log = logging.getLogger(__name__)

REVIEW_GO_ON = re.compile(r"ok(?:ay)?|yes|continue|go on|go ahead|proceed|looks good|good|fine|do it|next")
REVIEW_CHOOSE = re.compile(
    r"(?:(?:use|pick|take|choose|select|try) )?(?:the )?mask(?P<dash>-)? ?(?P<n>\d+)"
    r"(?:,? (?:and )?(?:continue|go on|go ahead|proceed))?"
)


class Agent(Review):
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
        self.planner = planner or make_planner(models.settings)
        self.interactive = interactive
        self.max_steps = max_steps
        self.max_retries = max_retries
        self.seed = seed  # used where a step gives none; else a fresh random seed
        self.defaults = dict(defaults or {})  # tool arguments used where a step gives none
        self.executor = executor or make_executor(models.settings, models)
        self.tracker = make_tracker(models.settings, workspace)
        self.cancel = threading.Event()
        self.model_seconds = 0.0

    # -- a turn --------------------------------------------------------------------
    def send(self, message: str, image: Image.Image | None = None) -> Iterator[Event]:
        """Handle one user message (optionally with a new image) and yield its events."""
        start, self.model_seconds = time.perf_counter(), 0.0
        self.cancel.clear()
        record = self.workspace.record
        answer = self._review_answer(message) if record.pending and image is None else None
        record.turn += 1
        if answer is None:
            record.pending = None  # a new request drops a paused one
        if image is not None:
            image_id = self.workspace.add_image(image, tool="upload", note="uploaded")
            self.workspace.set_current(image_id)
        record.messages.append(
            MessageRecord(role="user", text=message, turn=record.turn, image=record.current_image)
        )
        record.title = record.title or message[:60]
        self.workspace.save()
        if answer is not None:  # "use mask 2" or "continue" while a plan waits for review
            if answer:
                self.choose(answer)
            yield from self.resume()
            return
        yield from self._plan_and_run(message)
        seconds = time.perf_counter() - start
        if self.tracker is not None:
            self.tracker.log_turn(seconds, self.model_seconds)
        yield Done(record.current_image, seconds, self.model_seconds)

    def _review_answer(self, message: str) -> str | None:
        """While paused: a mask id for "use mask 2" / "mask-3", "" for "continue", else None."""
        text = message.strip().lower().rstrip(".!")
        if REVIEW_GO_ON.fullmatch(text):
            return ""
        chosen = REVIEW_CHOOSE.fullmatch(text)
        if not chosen:
            return None
        number, masks = int(chosen["n"]), self.workspace.record.last_masks
        if chosen["dash"]:
            return f"mask-{number}"
        return masks[number - 1] if 0 < number <= len(masks) else f"mask-{number}"

    def _view(self) -> WorkspaceView:
        """The workspace as planners see it, with the concepts ready to use and those stopped."""
        from pixelsmith.concepts import ConceptStore

        store = ConceptStore(self.workspace.data_dir)
        concepts = store.list()
        views = {c.name: ConceptView(c.name, c.token, c.class_word) for c in concepts}
        view = self.workspace.view([views[c.name] for c in concepts if c.status == "ready"])
        view.stopped_concepts = [
            views[c.name] for c in concepts if c.status != "ready" and not store.training_now(c.name)
        ]
        return view

    def _plan_and_run(self, message: str) -> Iterator[Event]:
        planner, view = self.planner, self._view()
        try:
            turn = planner.begin(message, view)
            plan = turn.next([], view)
        except PlannerUnavailable as err:
            yield Notice(f"{err}; using the offline planner for this message")
            planner = make_planner(self.models.settings, "offline")
            turn = planner.begin(message, view)
            plan = turn.next([], view)
        plan.planner = planner.name
        outputs_by_step: dict[int, str] = {}
        retries, done_steps = 0, 0
        while plan.steps and done_steps < self.max_steps:
            error = self._prepare(plan, first_number=done_steps + 1)
            if error:
                if not getattr(planner, "accepts_feedback", False) or retries >= self.max_retries:
                    yield from self._say(f"I could not do that: {error}", error=True)
                    return
                retries += 1
                plan = turn.next(
                    [Observation(s.call_id, s.tool, False, error) for s in plan.steps], self._view()
                )
                continue
            self.workspace.record.plans.append(plan.model_dump())
            yield PlanReady(plan)
            observations: list[Observation] = []
            for step in plan.steps:
                done_steps += 1
                result = yield from self._run_step(done_steps, step, outputs_by_step)
                observations.append(Observation(step.call_id, step.tool, result.ok, result.text))
                if not result.ok:
                    if not getattr(planner, "accepts_feedback", False):
                        return
                    break
                if self._should_pause(plan, step, result):
                    remaining = plan.steps[plan.steps.index(step) + 1 :]
                    yield from self._pause(remaining, outputs_by_step, done_steps, plan.planner)
                    return
            try:
                plan = turn.next(observations, self._view())
            except PlannerUnavailable as err:
                yield Notice(f"{err}; stopping here")
                break
        yield from self._finish_turn(plan.reply)

    def _prepare(self, plan: Plan, *, first_number: int) -> str | None:
        """Fill in the current image where a step leaves it out, then validate."""
        current = self.workspace.record.current_image
        for step in plan.steps:
            if step.tool in self.tools:
                fields = self.tools.get(step.tool).input_model.model_fields
                if "image" in fields and "image" not in step.args and current:
                    step.args["image"] = current
        try:
            validate_plan(plan, self.tools, self.workspace.artifact, first_number=first_number)
        except UserError as err:
            return str(err)
        return None

    # -- one step --------------------------------------------------------------------
    def _run_step(self, number: int, step: Step, made: dict[int, str]) -> Iterator[Event]:
        args = resolve(step.args, made)
        yield StepStarted(number, step.tool, args, step.why)
        begin = time.perf_counter()
        try:
            if step.tool in WORKSPACE_ACTIONS:
                ids, kind, summary = self._action(step.tool, args), "action", ""
                summary = f"current image {self.workspace.record.current_image}"
            else:
                ids, kind, summary = yield from self._run_tool(number, step.tool, args)
        except UserError as err:
            self._record_step(step.tool, args, [], "", begin, error=str(err))
            yield from self._say(str(err), error=True)
            return _Result(False, f"error: {err}")
        except Exception as err:  # a fault, not the user's: logged in full, one line for them
            log.exception("%s failed", step.tool)
            first = (str(err).strip().splitlines() or [""])[0][:200]
            text = f"{step.tool} failed ({type(err).__name__}: {first}); nothing changed, details in the log"
            self._record_step(step.tool, args, [], "", begin, error=text)
            yield from self._say(text, error=True)
            return _Result(False, f"error: {text}")
        if ids:
            made[number] = ids[0]
        self._record_step(step.tool, args, ids, summary, begin)
        yield StepFinished(number, step.tool, ids, summary, time.perf_counter() - begin, kind)
        if step.tool == "detect":
            found = self.workspace.detections(ids[0])
            missing = [label for label in found.labels if all(d.label != label for d in found.detections)]
            if missing and not found.detections:
                labels = ", ".join(missing)
                text = (
                    f"Nothing found for '{labels}' in {args['image']}. Try other words, a lower "
                    "threshold (e.g. 'find the cat, threshold 0.05') or click on the object."
                )
                yield from self._say(text)
                return _Result(False, f"{ids[0]}: nothing found for {labels}")
            if missing:  # "the cat and the dog" with only a dog in view: say so, go on with it
                yield from self._say(
                    f"No {' or '.join(missing)} found in {args['image']}; going on with what was found."
                )
        return _Result(True, f"{step.tool} made {', '.join(ids) or 'no artifact'}: {summary}", kind)

    def _run_tool(self, number: int, tool_name: str, args: dict) -> Iterator[Event]:
        tool = self.tools.get(tool_name)
        fields = tool.input_model.model_fields
        args.update({k: v for k, v in self.defaults.items() if k in fields and args.get(k) is None})
        if "seed" in fields and args.get("seed") is None and not args.get("resume"):
            args["seed"] = resolve_seed(self.seed)  # recorded, so the result can be re-made
        tool.validate(args)
        ranking = self.models.settings.ranker.enabled
        cold = [r for r in roles_used(tool_name, args, ranking) if not self.models.is_loaded(r)]
        if cold and isinstance(self.executor, LocalExecutor):
            names = ", ".join(f"{r} ({self.models.settings.spec(r).model})" for r in cold)
            yield Notice(f"loading {names} for the first time; later requests reuse it")
        started = time.perf_counter()
        job = self.executor.submit(
            ToolCall(tool_name, args, self.workspace, self.workspace.id), cancel=self.cancel
        )
        for p in job.progress():
            yield StepProgress(number, tool_name, p.step, p.total, p.label, p.loss, p.eta_seconds, p.phase)
        output = job.result()
        self.model_seconds += time.perf_counter() - started
        index = len(self.workspace.record.steps)
        ids, kind = outputs.store(self.workspace, index, tool_name, args, output)
        return ids, kind, output.summary()

    def _action(self, name: str, args: dict) -> list[str]:
        ws = self.workspace
        if name == "undo":
            return [ws.undo()]
        if name == "revert":
            return [ws.revert(args["image"])]
        chosen = args["id"]  # select
        if ws.artifact(chosen).kind == "image":
            ws.set_current(chosen)
        return [chosen]

    def _record_step(
        self, tool: str, args: dict, ids: list[str], summary: str, begin: float, error: str | None = None
    ) -> None:
        used = roles_used(tool, args, self.models.settings.ranker.enabled)
        models = {role: self.models.settings.spec(role).model for role in used}
        record = self.workspace.record
        record.steps.append(
            StepRecord(
                index=len(record.steps),
                turn=record.turn,
                tool=tool,
                args=args,
                outputs=ids,
                summary=summary,
                seconds=round(time.perf_counter() - begin, 4),
                models=models,
                error=error,
            )
        )
        self.workspace.save()

    # -- answers ---------------------------------------------------------------------
    def _finish_turn(self, reply: str) -> Iterator[Event]:
        yield from self._say(reply or self._default_reply())

    def _default_reply(self) -> str:
        current = self.workspace.record.current_image
        if not current:
            return "Done."
        masks = self.workspace.record.last_masks
        choose = f"'use mask {min(2, len(masks))}', " if masks else ""
        follow_ups = f"'try another seed', {choose}'now make it red' or 'undo'"
        return f"Done: {current} is the current image. Say {follow_ups}."

    def _say(self, text: str, *, error: bool = False) -> Iterator[Event]:
        record = self.workspace.record
        record.messages.append(
            MessageRecord(role="assistant", text=text, turn=record.turn, image=record.current_image)
        )
        self.workspace.save()
        yield (
            ErrorEvent(text)
            if error
            else AssistantMessage(text, [record.current_image] if record.current_image else [])
        )

    # -- re-running ------------------------------------------------------------------
    def rerun(self, step_index: int) -> Any:
        """Run a recorded step again with its recorded arguments (same seed, same pixels)."""
        record = self.workspace.record.steps[step_index]
        tool = self.tools.get(record.tool)
        return tool.run(tool.validate(record.args), ToolContext(self.models, self.workspace))


class _Result:
    def __init__(self, ok: bool, text: str, kind: str = "") -> None:
        self.ok, self.text, self.kind = ok, text, kind
