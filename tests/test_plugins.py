"""A tool from another package arrives through the `pixelsmith.tools` entry-point group and
runs from the LLM planner, the offline planner, the executor and the UI renderer without
any pixelsmith file knowing its name (tests/plugin_pkg is that package, with its
dist-info, found on sys.path as an installed one would be)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.config import load_settings
from pixelsmith.execution.local import LocalExecutor, ToolCall
from pixelsmith.testing import noise_image
from pixelsmith.testing.openai_stub import OpenAIStub, calls, text
from pixelsmith.tools import MemoryStore, builtin_tools, default_tools, load_plugins
from pixelsmith.workspace import Workspace

PLUGIN_DIR = Path(__file__).parent / "plugin_pkg"


@pytest.fixture
def tools(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    default_tools.cache_clear()
    yield default_tools()
    default_tools.cache_clear()


def _mask(width: int, height: int) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    mask[10:30, 20:50] = 255
    return mask


def test_the_entry_point_adds_the_tool_to_the_default_registry(tools) -> None:
    assert "blur" in tools and tools.get("blur").title == "Soften"
    assert set(builtin_tools().names()) < set(tools.names())
    registry = builtin_tools()
    assert load_plugins(registry) == ["blur"]


def test_the_executor_runs_it_and_pixels_outside_the_mask_stay(tools, tiny_registry) -> None:
    store = MemoryStore()
    image = noise_image(64, 48)
    image_id, mask_id = store.add("image", image), store.add("mask", _mask(64, 48))
    executor = LocalExecutor(tiny_registry, tools=tools)
    out = executor.submit(ToolCall("blur", {"image": image_id, "mask": mask_id}, store)).result(timeout=30)
    before, after = np.asarray(image), np.asarray(out.image)
    outside = _mask(64, 48) == 0
    assert (before[outside] == after[outside]).all() and (before[~outside] != after[~outside]).any()
    executor.shutdown()


def test_llm_then_offline_planner_then_the_ui_label(tools, tiny_config, tiny_registry, tmp_path) -> None:
    from pixelsmith.ui import chat

    script = [calls(("blur", {"image": "image-1", "mask": "mask-1", "strength": 0.2})), text("Blurred.")]
    with OpenAIStub(script) as stub:
        settings = load_settings(tiny_config, llm_model="stub", llm_base_url=stub.base_url, data_dir=tmp_path)
        workspace = Workspace.create(settings.data_dir)
        image_id = workspace.add_image(noise_image(64, 48), tool="upload")
        workspace.set_current(image_id)
        workspace.add_mask(_mask(64, 48), tool="upload")
        agent = Agent(workspace, tiny_registry, tools=tools, planner=make_planner(settings, tools=tools))
        events = list(agent.send("blur the masked part a little"))
    offered = {spec["function"]["name"] for spec in stub.requests[0]["tools"]}
    assert "blur" in offered
    finished = [e for e in events if isinstance(e, ev.StepFinished)]
    assert [(e.tool, e.kind) for e in finished] == [("blur", "images")]
    assert workspace.record.current_image == "image-2" and workspace.record.last_edit == 0
    # The offline rules know nothing of blur, but a follow-up changes the last edit, whatever its tool.
    agent.planner = make_planner(settings, "offline", tools=tools)
    events = list(agent.send("strength 0.9"))
    step = workspace.record.steps[-1]
    assert (step.tool, step.args["strength"], step.error) == ("blur", 0.9, None)
    assert workspace.record.current_image == "image-3"
    assert chat.step_label(1, step).startswith("1. Soften (blur)")
