"""Issue 23 (9): concepts belong to an owner the way sessions do. On a shared UI a browser
sees and paints with the concepts it taught (and those taught on this machine's command
line), not another browser's; `ui.share_concepts` shares them all; off a shared UI every
concept is everyone's."""

from __future__ import annotations

import pytest

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.concepts import ConceptStore
from pixelsmith.config import load_settings
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace

TEACH = {"name": "rex", "class_word": "dog", "steps": 2, "resolution": 64, "prior_preservation": False}


def _session(settings, models, owner: str) -> Agent:
    workspace = Workspace.create(settings.data_dir, owner=owner)
    return Agent(workspace, models, planner=make_planner(settings, "offline"))


def _paint_with(agent: Agent, concept: str) -> list:
    agent.workspace.set_current(agent.workspace.add_image(noise_image(64, 64, seed=9), tool="upload"))
    args = {"prompt": "a photo of my rex", "concept": concept, "num_inference_steps": 1}
    return list(agent.send("paint rex", plan=Plan(steps=[Step(tool="generate", args=args)])))


@pytest.fixture
def taught_by_a(tiny_config, tiny_registry, tmp_path):
    """A shared UI's settings, its models, and browser A's session, which taught rex."""
    shared = load_settings(tiny_config, data_dir=tmp_path / "data", ui={"shared": True})
    models = tiny_registry.for_session(shared)
    a = _session(shared, models, "browser-a")
    with a.workspace.transaction():
        photos = [a.workspace.add_image(noise_image(64, 64, seed=s), tool="upload") for s in (1, 2, 3)]
    events = list(
        a.send("teach", plan=Plan(steps=[Step(tool="train_concept", args={**TEACH, "images": photos})]))
    )
    assert events[-1].ok
    return shared, models, a


def test_on_a_shared_ui_a_browser_sees_and_uses_only_its_own_concepts(taught_by_a):
    shared, models, a = taught_by_a
    assert ConceptStore(shared.data_dir).get("rex").owner == "browser-a"
    b = _session(shared, models, "browser-b")
    assert [c.name for c in a.view().concepts] == ["rex"] and b.view().concepts == []
    refused = _paint_with(b, "rex")
    errors = [e.text for e in refused if isinstance(e, ev.ErrorEvent)]
    assert errors and "unknown concept 'rex'" in errors[0] and b.workspace.record.current_image == "image-1"
    assert _paint_with(a, "rex")[-1].ok
    assert [c.name for c in ConceptStore(shared.data_dir).list()] == ["rex"]  # the command line sees all


@pytest.mark.parametrize(
    "change", [{"ui": {"shared": True, "share_concepts": True}}, {"ui": {"shared": False}}]
)
def test_shared_by_a_setting_or_off_a_shared_ui_every_concept_is_everyones(taught_by_a, tiny_config, change):
    shared, models, _ = taught_by_a
    other = load_settings(tiny_config, data_dir=shared.data_dir, **change)
    b = _session(other, models.for_session(other), "browser-b")
    assert [c.name for c in b.view().concepts] == ["rex"]
    assert _paint_with(b, "rex")[-1].ok
