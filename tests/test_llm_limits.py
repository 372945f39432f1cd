"""Issue 23, items 2 and 3: the LLM request has a deadline (a server that answers one byte a
second is cut off at `llm_timeout`), and what a model says is kept small before it is
stored: a huge reply, a huge label, huge arguments (the model is told the limits)."""

from __future__ import annotations

import json
import time

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.config import load_settings
from pixelsmith.testing import noise_image
from pixelsmith.testing.openai_stub import OpenAIStub, calls, drip, text
from pixelsmith.workspace import Workspace


def _agent(stub, tiny_config, tiny_registry, tmp_path, **settings) -> Agent:
    current = load_settings(
        tiny_config, llm_model="stub", llm_base_url=stub.base_url, data_dir=tmp_path / "data", **settings
    )
    return Agent(Workspace.create(current.data_dir), tiny_registry, planner=make_planner(current))


def _tool_replies(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


def test_a_server_that_drips_is_cut_off_at_the_deadline(tiny_config, tiny_registry, tmp_path):
    with OpenAIStub([drip(1.0), text("I am back.")]) as stub:
        agent = _agent(stub, tiny_config, tiny_registry, tmp_path, llm_timeout=2, llm_max_retries=0)
        started = time.monotonic()
        events = list(agent.send("find the cat", noise_image(64, 48)))
        seconds = time.monotonic() - started
        notices = [e.text for e in events if isinstance(e, ev.Notice)]
        assert seconds < 10, seconds  # the request alone would take minutes, a byte a second
        assert "did not finish its answer within 2 s" in notices[0] and "offline planner" in notices[0]
        assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["detect"]  # the rules took over
        again = list(agent.send("what now?"))  # the next request goes to the LLM on a fresh client
    assert [e.text for e in again if isinstance(e, ev.AssistantMessage)] == ["I am back."]


def test_a_huge_reply_is_cut_before_it_is_stored(tiny_config, tiny_registry, tmp_path):
    with OpenAIStub([text("blah " * 200_000)]) as stub:
        agent = _agent(stub, tiny_config, tiny_registry, tmp_path)
        events = list(agent.send("tell me everything", noise_image(64, 48)))
    said = [e.text for e in events if isinstance(e, ev.AssistantMessage)][0]
    assert len(said) <= 4000 and said.endswith("more characters)")
    assert (agent.workspace.folder / "session.json").stat().st_size < 50_000


def test_a_long_label_is_refused_by_its_schema_and_the_model_is_told(tiny_config, tiny_registry, tmp_path):
    script = [
        calls(("detect", {"image": "image-1", "labels": ["a cat " * 500]})),  # 3000 characters
        calls(("detect", {"image": "image-1", "labels": ["x" * 200_000]})),  # a 200 kB call
        calls(("detect", {"image": "image-1", "labels": ["cat"]})),
        text("Found it."),
    ]
    with OpenAIStub(script) as stub:
        agent = _agent(stub, tiny_config, tiny_registry, tmp_path)
        list(agent.send("find the cat", noise_image(64, 48)))
    spec = next(t for t in stub.requests[0]["tools"] if t["function"]["name"] == "detect")
    assert spec["function"]["parameters"]["properties"]["labels"]["items"]["maxLength"] == 2000
    told = _tool_replies(stub.requests[-1])
    assert any("labels.0 is 2999 characters, over the limit of 2000; shorten it" in t for t in told)
    assert any("over 20000 characters; send shorter ones" in t for t in told)
    record = json.loads((agent.workspace.folder / "session.json").read_text())
    assert [s["args"]["labels"] for s in record["steps"]] == [["cat"]]
    assert (agent.workspace.folder / "session.json").stat().st_size < 50_000
