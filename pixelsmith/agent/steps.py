"""Running one step of a plan: a registered tool through the executor, or a workspace action.

Every tool call goes through the executor (the agent's steps, review clicks and reruns
alike), so each has the executor's out-of-memory retry and model holds. What a step
made is stored by its tool (`Tool.store`) and recorded as a `StepRecord`; a failing step
leaves the workspace as it was and is said in one line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from pixelsmith.agent.actions import ACTIONS
from pixelsmith.agent.events import (
    AssistantMessage,
    ErrorEvent,
    Event,
    Notice,
    StepFinished,
    StepProgress,
    StepStarted,
)
from pixelsmith.agent.plan import Step
from pixelsmith.agent.validate import resolve
from pixelsmith.config import ROLES
from pixelsmith.errors import ModelMissingError, UserError
from pixelsmith.execution.local import Executor, LocalExecutor, ToolCall
from pixelsmith.models.download import refuse_missing
from pixelsmith.models.model_registry import ModelRegistry
from pixelsmith.records import MessageKind, MessageRecord, SessionRecord, StepRecord
from pixelsmith.tools.diffusion import resolve_seed
from pixelsmith.tools.tool_registry import ToolRegistry
from pixelsmith.workspace import Workspace

log = logging.getLogger(__name__)
# A lower threshold worth trying when a finder found nothing, on its own score's scale
# (OWL's and Grounding DINO's scores run low; SAM 3's multiply in the phrase's presence).
EXAMPLE_THRESHOLDS = {"detect": 0.05, "segment_text": 0.2}


@dataclass(frozen=True)
class StepResult:
    """How a step ended: `text` is what a planner reads; `kind` what the output is."""

    ok: bool
    text: str
    kind: str = ""
    ids: tuple[str, ...] = ()  # what it made, best first


class StepRunner:
    """Runs a session's steps on the shared executor and records each in the workspace."""

    def __init__(
        self,
        workspace: Workspace,
        models: ModelRegistry,
        tools: ToolRegistry,
        executor: Executor,
        *,
        seed: int | None = None,
        defaults: dict[str, Any] | None = None,
    ) -> None:
        self.workspace, self.models, self.tools, self.executor = workspace, models, tools, executor
        self.seed = seed  # used where a step gives none; else a fresh random seed
        self.defaults = dict(defaults or {})  # tool arguments used where a step gives none
        self.cancel = threading.Event()
        self.model_seconds = 0.0
        self.turn = workspace.record.turn  # the turn being served (others may add theirs meanwhile)
        self.result: StepResult | None = None  # how the last `run` ended
        self.output: Any = None  # what the last `call` returned

    def run(self, number: int, step: Step, made: dict[int, str]) -> Iterator[Event]:
        """Run step `number` ("$N" references resolved from `made`, which it extends),
        yielding its events; how it ended is `self.result` once they are all out."""
        self.result = yield from self._run(number, step, made)

    def _run(self, number: int, step: Step, made: dict[int, str]) -> Generator[Event, None, StepResult]:
        args = resolve(step.args, made)
        yield StepStarted(number, step.tool, args, step.why)
        begin = time.perf_counter()
        try:
            if step.tool in ACTIONS:
                action = ACTIONS[step.tool]
                with self.workspace.transaction() as record:  # all or nothing, and recorded
                    ids = action.run(self.workspace, action.validate(args))
                    kind, summary = "action", f"current image {record.current_image}"
                    self._append(record, step.tool, args, ids, summary, begin, kind=kind)
            else:
                output = yield from self._run_tool(number, step.tool, args)
                tool, summary = self.tools.get(step.tool), output.summary()
                with self.workspace.transaction() as record:  # stored and recorded as one, or neither
                    stored = tool.store(output, self.workspace, step=len(record.steps), args=args)
                    ids, kind = stored.ids, stored.kind
                    self._append(record, step.tool, args, ids, summary, begin, kind=kind)
        except UserError as err:
            return (yield from self._failed(step.tool, args, begin, str(err)))
        except Exception as err:  # a fault, not the user's: logged in full, one line for them
            log.exception("%s failed", step.tool)
            first = (str(err).strip().splitlines() or [""])[0][:200]
            text = f"{step.tool} failed ({type(err).__name__}: {first}); nothing changed, details in the log"
            return (yield from self._failed(step.tool, args, begin, text))
        if ids:
            made[number] = ids[0]
        yield StepFinished(number, step.tool, ids, summary, time.perf_counter() - begin, kind)
        if kind == "detection":  # whichever tool detected: nothing found ends the plan
            return (yield from self._found(step.tool, ids[0], args["image"]))
        text = f"{step.tool} made {', '.join(ids) or 'no artifact'}: {summary}"
        return StepResult(True, text, kind, tuple(ids))

    def _failed(self, tool: str, args: dict, begin: float, text: str) -> Generator[Event, None, StepResult]:
        with self.workspace.transaction() as record:
            self._append(record, tool, args, [], "", begin, error=text)
        yield from self.say(text, kind="error")
        return StepResult(False, f"error: {text}")

    def _found(self, tool: str, detection: str, image: str) -> Generator[Event, None, StepResult]:
        """After a detection: nothing found ends the plan; some labels missing is said."""
        found = self.workspace.detections(detection)
        missing = [label for label in found.labels if all(d.label != label for d in found.detections)]
        if missing and not found.detections:
            labels = ", ".join(missing)
            example = EXAMPLE_THRESHOLDS.get(tool, EXAMPLE_THRESHOLDS["detect"])
            yield from self.say(
                f"Nothing found for '{labels}' in {image}. Try other words, a lower "
                f"threshold (e.g. 'find the cat, threshold {example}') or click on the object."
            )
            return StepResult(False, f"{detection}: nothing found for {labels}", "detection", (detection,))
        if missing:  # "the cat and the dog" with only a dog in view: say so, go on with it
            yield from self.say(f"No {' or '.join(missing)} found in {image}; going on with what was found.")
        return StepResult(True, f"{tool} made {detection}: {found.summary()}", "detection", (detection,))

    def _run_tool(self, number: int, name: str, args: dict) -> Generator[Event, None, Any]:
        """The tool's output: arguments completed (defaults, a recorded seed), the first load
        of its models announced, run on the executor."""
        tool = self.tools.get(name)
        fields = tool.input_model.model_fields
        args.update({k: v for k, v in self.defaults.items() if k in fields and args.get(k) is None})
        if "seed" in fields and args.get("seed") is None and not args.get("resume"):
            args["seed"] = resolve_seed(self.seed)  # recorded, so the result can be re-made
        cold = [r for r in self.roles(name, args) if not self.models.is_loaded(r)]
        if cold and isinstance(self.executor, LocalExecutor):
            names = ", ".join(f"{r} ({self.models.settings.spec(r).model})" for r in cold)
            yield Notice(f"loading {names} for the first time; later requests reuse it", lasting=False)
        yield from self.call(number, name, args)
        return self.output

    def call(self, number: int, name: str, args: dict) -> Iterator[Event]:
        """Run tool `name` on the executor (validated there), yielding its progress; its
        output is `self.output` once the progress is all out (a failure raises)."""
        started, self.output = time.perf_counter(), None
        job = self.executor.submit(
            ToolCall(name, args, self.workspace, self.workspace.id, models=self.models), cancel=self.cancel
        )
        for p in job.progress():
            yield StepProgress(number, name, p.step, p.total, p.label, p.loss, p.eta_seconds, p.phase)
        try:
            self.output = job.result()
        finally:
            self.model_seconds += time.perf_counter() - started

    def missing_models(self, steps: list[Step]) -> str | None:
        """Every model `steps` need that cannot be loaded here, in one sentence (not one
        `models pull` at a time as each step reaches it); None when all can."""
        if not isinstance(self.executor, LocalExecutor):
            return None  # the workers have their own caches; each reports its own
        roles = {
            r for step in steps for r in self.roles(step.tool, step.args) if not self.models.is_loaded(r)
        }
        try:
            refuse_missing(self.models.settings, sorted(roles, key=ROLES.index))
        except ModelMissingError as err:
            return str(err)
        return None

    def roles(self, tool: str, args: dict) -> list[str]:
        if tool not in self.tools:
            return []
        return self.tools.get(tool).roles_used(args, ranking=self.models.settings.ranker.enabled)

    def _append(
        self,
        record: SessionRecord,
        tool: str,
        args: dict,
        ids: list[str],
        summary: str,
        begin: float,
        *,
        error: str | None = None,
        kind: str = "",
    ) -> None:
        """Add the step's record (inside the caller's transaction)."""
        models = {role: self.models.settings.spec(role).model for role in self.roles(tool, args)}
        record.steps.append(
            StepRecord(
                index=len(record.steps),
                turn=self.turn,
                tool=tool,
                args=args,
                outputs=ids,
                summary=summary,
                seconds=round(time.perf_counter() - begin, 4),
                models=models,
                error=error,
                kind=kind,
            )
        )

    # -- answers ---------------------------------------------------------------------
    def say(self, text: str, *, kind: MessageKind = "text") -> Iterator[Event]:
        """Add an assistant message of `kind` to the session and yield its event."""
        with self.workspace.transaction() as record:
            current, place = record.current_image, len(record.steps)  # said before the next step
            said = MessageRecord(
                role="assistant", text=text, turn=self.turn, image=current, kind=kind, step=place
            )
            record.messages.append(said)
        if kind == "error":
            yield ErrorEvent(text)
        elif kind == "notice":
            yield Notice(text)
        else:
            yield AssistantMessage(text, [current] if current else [])

    def answer(self, reply: str) -> Iterator[Event]:
        """The turn's closing message: the planner's reply, or what to try next."""
        yield from self.say(reply or self._default_reply())

    def _default_reply(self) -> str:
        """What to try next, from the session's state: only the follow-ups that apply now."""
        record = self.workspace.record
        if not record.current_image:
            return "Done."
        edit = record.steps[record.last_edit] if record.last_edit is not None else None
        masked = bool(edit and edit.args.get("mask"))
        hints = ["'try another seed'"] if edit and _reseedable(edit) else []
        if masked and len(record.last_masks) > 1:
            hints.append(f"'use mask {2 if record.last_masks[0] == edit.args['mask'] else 1}'")
        hints += ["'now make it red'"] if masked and edit.tool == "inpaint" else []  # not after a removal
        hints += ["'undo'"] if len(record.history) > 1 else []
        if not hints:
            hints = ["what to change, e.g. 'replace the cat with a dog' or 'remove the cat'"]
        said = ", ".join(hints[:-1]) + (" or " if len(hints) > 1 else "") + hints[-1]
        return f"Done: {record.current_image} is the current image. Say {said}."


def _reseedable(edit: StepRecord) -> bool:
    """Whether another seed would give another result: a diffusion step's, not the eraser's
    (LaMa is deterministic) nor a photo adjustment's (no seed at all)."""
    eraser = edit.tool == "remove" and edit.args.get("backend", "lama") == "lama"
    return edit.args.get("seed") is not None and not eraser
