"""Issue 22: model choices belong to a session. `ModelRegistry.for_session` gives a session
its own role specs over the shared resident models: its jobs run on what it chose, another
session's choice never unloads a model a job holds, and a role keeps at most two models
(and the memory budget) resident."""

from __future__ import annotations

import pytest

from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.config import load_settings
from pixelsmith.errors import UserError
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace


@pytest.fixture
def detectors(tiny_config, tmp_path):
    """The configured settings, and two more whose detector is the same tiny checkpoint
    under other names (so three distinct choices of one role)."""
    base = load_settings(tiny_config, data_dir=tmp_path / "data")
    chosen = []
    for name in ("second", "third"):
        folder = tmp_path / name
        folder.symlink_to(base.detector.model, target_is_directory=True)
        chosen.append(
            base.model_copy(update={"detector": base.detector.model_copy(update={"model": str(folder)})})
        )
    return base, *chosen


def test_each_session_detects_with_its_own_choice(detectors):
    base, second, _ = detectors
    registry = ModelRegistry(base)
    view = registry.for_session(second)
    assert registry.for_session(second) is view and registry.for_session(base) is registry
    made = {}
    for name, models in (("base", registry), ("second", view)):
        agent = Agent(Workspace.create(base.data_dir), models, planner=make_planner(base, "offline"))
        list(agent.send("find the cat", noise_image(80, 60)))
        made[name] = agent.workspace.record.steps[-1].models["detector"]
    assert made == {"base": base.detector.model, "second": second.detector.model}
    assert registry.resident() == ["detector", f"detector ({second.detector.model}, owlv2)"]
    assert registry.get("detector") is not view.get("detector")
    assert registry.loaded() == ["detector"] and view.loaded() == ["detector"]


def test_a_model_a_job_holds_is_never_unloaded_for_another_sessions_choice(detectors):
    base, second, third = detectors
    registry = ModelRegistry(base)
    held, other, newest = registry, registry.for_session(second), registry.for_session(third)
    kept = held.get("detector")
    other.get("detector")
    with held.using(["detector"]):  # a job of the first session is running on its detector
        newest.get("detector")  # a third choice: room is made, but not by unloading the held one
        assert held.get("detector") is kept
        assert registry.resident() == ["detector", f"detector ({third.detector.model}, owlv2)"]
    assert registry.evictions["detector"] == 1


def test_the_memory_budget_holds_across_sessions(detectors):
    base, second, _ = detectors
    tight = base.model_copy(update={"memory_budget_gb": 1e-9})
    registry = ModelRegistry(tight)
    registry.get("detector")
    registry.for_session(second.model_copy(update={"memory_budget_gb": 1e-9})).get("detector")
    assert registry.resident() == [f"detector ({second.detector.model}, owlv2)"]  # the other made room


def test_a_session_cannot_change_what_holds_for_the_whole_process(detectors):
    base, _, _ = detectors
    with pytest.raises(UserError, match="a session cannot change device, dtype"):
        ModelRegistry(base).for_session(base.model_copy(update={"device": "cuda", "dtype": "fp16"}))
