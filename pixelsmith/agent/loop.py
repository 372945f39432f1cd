"""A turn's loop: the planner's plans validated and run step by step, each step's result
fed back, a pause before a step that uses masks the user has not reviewed, and the turn
taken up again after the review. `Agent.send` and `Agent.resume` both run it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from pixelsmith.agent.events import Event, Notice, PlanReady
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.planner_protocol import Observation, PlannerUnavailable
from pixelsmith.records import PendingReview


@dataclass
class Turn:
    """What one request carries from plan to plan; kept in a `PendingReview` across a pause."""

    planner: Any  # the `Planner` that answers (its `name`, and `resume` after a pause)
    thread: Any  # the planner's turn: `next(observations, view)`, `state()`
    name: str  # the planner's name, or "form" for a plan given whole
    feedback: bool = False  # the planner is told of refused plans and failed steps
    made: dict[int, str] = field(default_factory=dict)  # step number -> its main output ("$N")
    done: int = 0  # steps run
    retries: int = 0  # refused plans fed back so far
    unreviewed: dict[int, list[str]] = field(default_factory=dict)  # segmentation step -> its masks


def carry_on(
    agent: Any,
    turn: Turn,
    plan: Plan,
    *,
    observations: list[Observation] | None = None,
    checked: bool = False,
    reviewed: str = "",
) -> Iterator[Event]:
    """Run `plan`, then each plan the planner makes after it, until it has no more steps.

    `checked`: `plan` was validated and announced before (the rest of a paused one);
    `reviewed`: what the user chose in the review, told with the first step's result."""
    observations = list(observations or [])
    while plan.steps and turn.done < agent.max_steps:
        if not checked:
            error = _refused(agent, turn, plan)
            if error is not None:
                if not turn.feedback or turn.retries >= agent.max_retries:
                    yield from agent.steps.say(f"I could not do that: {error}", kind="error")
                    return
                turn.retries += 1
                refused = [Observation(s.call_id, s.tool, False, error) for s in plan.steps]
                plan = turn.thread.next(refused, agent.view())
                continue
            yield from _announce(agent, plan)
            if (missing := agent.steps.missing_models(plan.steps)) is not None:
                yield from agent.steps.say(missing, kind="error")
                return
        checked = False
        for index, step in enumerate(plan.steps):
            if (held := agent.review.pause_before(step, turn.unreviewed)) is not None:
                pending = _pending(turn, held[0], observations)
                yield from agent.review.pause(plan.steps[index:], pending, held[1])
                return
            observation = yield from _run(agent, turn, step)
            if reviewed:
                observation.text, reviewed = f"{reviewed} {observation.text}", ""
            observations.append(observation)
            if not observation.ok:
                if not turn.feedback:
                    return
                break
        try:
            plan = turn.thread.next(observations, agent.view())
        except PlannerUnavailable as err:
            yield Notice(f"{err}; stopping here")
            break
        observations = []
    yield from agent.steps.answer(plan.reply)


def _refused(agent: Any, turn: Turn, plan: Plan) -> str | None:
    """Why `plan` cannot run (one sentence), or None."""
    error = agent.prepare(plan, first_number=turn.done + 1)
    if not error and turn.done + len(plan.steps) > agent.max_steps:  # every planned step counts
        left = agent.max_steps - turn.done
        error = (
            f"the plan has {len(plan.steps)} steps, more than the {left} left of this request's "
            f"limit of {agent.max_steps}; plan fewer"
        )
    return error


def _announce(agent: Any, plan: Plan) -> Iterator[Event]:
    if plan.note:
        yield from agent.steps.say(plan.note, kind="notice")
    with agent.workspace.transaction() as record:
        record.plans.append({"turn": agent.steps.turn, **plan.model_dump()})
    yield PlanReady(plan)


def _run(agent: Any, turn: Turn, step: Step):
    """Run one step; its result as the planner reads it."""
    turn.done += 1
    yield from agent.steps.run(turn.done, step, turn.made)
    result = agent.steps.result
    agent.turn_ok = result.ok
    if result.ok and result.kind == "masks":
        turn.unreviewed[turn.done] = list(result.ids)
    edit = result.ok and step.tool in agent.tools and agent.tools.get(step.tool).edits_image
    return Observation(step.call_id, step.tool, result.ok, result.text, result.kind, list(result.ids), edit)


def _pending(turn: Turn, mask_step: int, observations: list[Observation]) -> PendingReview:
    """The turn as a review keeps it (its remaining steps are added by `ReviewController.pause`)."""
    return PendingReview(
        steps=[],
        made=dict(turn.made),
        mask_step=mask_step,
        done=turn.done,
        planner=turn.name,
        masks=list(turn.unreviewed[mask_step]),
        planner_state=turn.thread.state() if hasattr(turn.thread, "state") else {},
        observations=[asdict(o) for o in observations],
        retries=turn.retries,
    )
