"""A chat turn on a registry with a backend switched in: what the backend tests share."""

from __future__ import annotations

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace


def replace_turn(settings, registry, message: str = "replace the cat with a dog") -> tuple[Agent, list]:
    """`message` on a 160x96 photo through the offline planner; checks that it went detect →
    segment → inpaint without an error and kept the photo's size. Returns (agent, events)."""
    agent = Agent(
        Workspace.create(settings.data_dir), registry, planner=make_planner(settings, "offline"), seed=2
    )
    events = list(agent.send(message, image=noise_image(160, 96)))
    assert not [e for e in events if isinstance(e, ev.ErrorEvent)]
    finished = [e.tool for e in events if isinstance(e, ev.StepFinished)]
    assert finished[:2] == ["detect", "segment"] and "inpaint" in finished
    assert agent.workspace.image(agent.workspace.record.current_image).size == (160, 96)
    return agent, events
