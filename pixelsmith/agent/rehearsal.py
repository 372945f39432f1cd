"""Planning a request without running it (the planner scorecard's default).

The agent's planner is asked as in a real turn, and every step it plans is validated as
in a real turn; but no tool runs. Each planned step is answered with what it would have
made ("dry run: detect was not run; take it that it made detection-1"), so a planner that
calls one tool per reply can go on to the next; those ids are accepted by later steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pixelsmith.agent.plan import Step
from pixelsmith.agent.planner_protocol import Observation
from pixelsmith.errors import ToolInputError

MAX_RETRIES = 2  # refused plans fed back to a planner that takes feedback, as in a turn


@dataclass
class Rehearsal:
    """What a planner would do with one message: its steps in order, and its reply."""

    steps: list[Step] = field(default_factory=list)
    reply: str = ""
    planner: str = ""  # the planner that answered
    refused: list[str] = field(default_factory=list)  # validation errors it was told of


def rehearse(agent, message: str) -> Rehearsal:
    """Plan `message` with `agent`'s planner on its session, running nothing. A planner that
    cannot be reached raises `PlannerUnavailable` (no fallback: the scorecard is about it)."""
    view = agent.view()
    planner = agent.planner
    turn = planner.begin(message, view)
    plan = turn.next([], view)
    done = Rehearsal(planner=planner.name)
    predicted = _Predicted(agent)
    feedback = getattr(planner, "accepts_feedback", False)
    while plan.steps and len(done.steps) < agent.max_steps:
        error = agent.prepare(plan, first_number=len(done.steps) + 1, exists=predicted.exists)
        if error:
            done.refused.append(error)
            if not feedback or len(done.refused) > MAX_RETRIES:
                done.reply = f"I could not do that: {error}"
                return done
            plan = turn.next([Observation(s.call_id, s.tool, False, error) for s in plan.steps], view)
            continue
        observations = []
        for step in plan.steps:
            done.steps.append(step)
            made = predicted.add(step.tool)
            what = f"take it that it made {made}" if made else "take it that it worked"
            text = f"dry run (planning only): {step.tool} was not run; {what}"
            observations.append(Observation(step.call_id, step.tool, True, text))
        plan = turn.next(observations, view)
    done.reply = plan.reply
    return done


class _Predicted:
    """The ids planned steps would make, numbered on from the session's counters."""

    def __init__(self, agent) -> None:
        self.agent = agent
        self.counters = dict(agent.workspace.record.counters)
        self.kinds: dict[str, str] = {}

    def add(self, tool: str) -> str | None:
        tools = self.agent.tools
        kind = tools.get(tool).makes if tool in tools else None
        if kind is None:
            return None
        self.counters[kind] = self.counters.get(kind, 0) + 1
        made = f"{kind}-{self.counters[kind]}"
        self.kinds[made] = kind
        return made

    def exists(self, artifact_id: str, kind: str | None = None) -> None:
        if artifact_id in self.kinds:
            if kind is not None and self.kinds[artifact_id] != kind:
                raise ToolInputError(f"{artifact_id} is a {self.kinds[artifact_id]}, not a {kind}")
            return
        self.agent.workspace.artifact(artifact_id, kind)
