"""Issue 21 with the real ChatOpenAI client against a scripted local server: the mask review
under the LLM planner (one call per reply), pictures for a model that sees (within a
budget), and one check-and-retry per edit."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.llm import CHECK, LAST_TRY
from pixelsmith.agent.pictures import sees
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.config import load_settings
from pixelsmith.testing import noise_image
from pixelsmith.testing.openai_stub import OpenAIStub, calls, text
from pixelsmith.workspace import Workspace

INPAINT = {
    "image": "image-1",
    "mask": "mask-1",
    "prompt": "a realistic green dragon",
    "num_inference_steps": 2,
}
ONE_CALL_PER_REPLY = [
    calls(("detect", {"image": "image-1", "labels": ["cat"]})),
    calls(("segment", {"image": "image-1", "detection": "detection-1", "box_index": 1})),
    calls(("inpaint", {**INPAINT, "seed": 3})),
    text("Here is image-2 with a dragon."),
]
DRAGON = "replace the cat with a realistic green dragon"


def _settings(stub: OpenAIStub, tiny_config: Path, tmp_path: Path, **more):
    return load_settings(
        tiny_config, llm_model=more.pop("model", "stub-model"), llm_base_url=stub.base_url,
        data_dir=tmp_path / "data", **more,
    )  # fmt: skip


def _agent(settings, tiny_registry, *, workspace=None, **options) -> Agent:
    workspace = workspace or Workspace.create(settings.data_dir)
    return Agent(workspace, tiny_registry, planner=make_planner(settings), **options)


def _finished(events) -> list[str]:
    return [e.tool for e in events if isinstance(e, ev.StepFinished)]


def _tool_texts(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


def _pictures(request: dict) -> list[bytes]:
    """The JPEG pictures in one request, oldest first."""
    found = []
    for message in request["messages"]:
        for part in message["content"] if isinstance(message["content"], list) else []:
            if part.get("type") == "image_url":
                found.append(base64.b64decode(part["image_url"]["url"].split(",", 1)[1]))
    return found


def _texts(request: dict) -> str:
    said = []
    for message in request["messages"]:
        content = message["content"]
        parts = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
        said += [p.get("text", "") for p in parts if p.get("type") == "text"]
    return "\n".join(said)


# -- the review under the LLM planner -------------------------------------------------------
def test_the_llm_turn_pauses_before_the_call_that_uses_a_mask_and_goes_on_with_the_users(
    tiny_config, tiny_registry, tmp_path
):
    """detect, segment, then the model's inpaint (one call per reply) waits for the review;
    the user picks mask 2 and clicks; Continue (in a new process: a new Agent on the
    reopened session) runs the model's inpaint with that mask and tells the model so."""
    with OpenAIStub(list(ONE_CALL_PER_REPLY)) as stub:
        settings = _settings(stub, tiny_config, tmp_path)
        agent = _agent(settings, tiny_registry, interactive=True)
        events = list(agent.send(DRAGON, noise_image(96, 64)))
        assert _finished(events) == ["detect", "segment"]
        review = next(e for e in events if isinstance(e, ev.ReviewNeeded))
        assert review.masks == ["mask-1", "mask-2", "mask-3"] and len(stub.requests) == 3
        pending = agent.workspace.record.pending
        assert (
            pending.planner == "llm" and pending.chosen == "mask-1" and pending.steps[0]["tool"] == "inpaint"
        )

        reopened = _agent(settings, tiny_registry, interactive=True,
                          workspace=Workspace.open(settings.data_dir, agent.workspace.id))  # fmt: skip
        reopened.choose("mask-2")
        list(reopened.refine(points=[{"x": 40, "y": 30, "positive": True}]))
        events = list(reopened.resume())
    assert _finished(events) == ["inpaint"]
    inpaint = reopened.workspace.record.steps[-1]
    assert inpaint.tool == "inpaint" and inpaint.args["mask"] == "mask-4" and inpaint.args["seed"] == 3
    told = _tool_texts(stub.requests[3])[-1]
    assert "chose mask-2, then refined it with 1 click (mask-4); this call ran with mask-4" in told
    assert "inpaint made image-2" in told
    assert [e.text for e in events if isinstance(e, ev.Notice)][0] == (
        "Going on with mask-4: you chose mask-2, then refined it with 1 click (mask-4)."
    )
    assert [e.text for e in events if isinstance(e, ev.AssistantMessage)] == [
        "Here is image-2 with a dragon."
    ]
    assert reopened.workspace.record.pending is None


def test_use_mask_2_typed_while_the_llm_waits_chooses_and_goes_on(tiny_config, tiny_registry, tmp_path):
    with OpenAIStub(list(ONE_CALL_PER_REPLY)) as stub:
        agent = _agent(_settings(stub, tiny_config, tmp_path), tiny_registry, interactive=True)
        list(agent.send(DRAGON, noise_image(96, 64)))
        events = list(agent.send("use mask 2"))
    assert _finished(events) == ["inpaint"] and agent.workspace.record.steps[-1].args["mask"] == "mask-2"
    assert "chose mask-2; this call ran with mask-2" in _tool_texts(stub.requests[-1])[-1]


def test_the_review_setting_off_runs_the_llm_plan_straight_through(tiny_config, tmp_path):
    from pixelsmith.models import ModelRegistry

    with OpenAIStub(list(ONE_CALL_PER_REPLY)) as stub:
        settings = _settings(stub, tiny_config, tmp_path, review=False)
        agent = _agent(settings, ModelRegistry(settings), interactive=True)
        events = list(agent.send(DRAGON, noise_image(96, 64)))
    assert _finished(events) == ["detect", "segment", "inpaint"]
    assert not any(isinstance(e, ev.ReviewNeeded) for e in events)


# -- pictures for a model that sees ----------------------------------------------------------
def test_llm_vision_auto_knows_the_models_that_see():
    for name in ("gpt-4o-mini", "gpt-4.1", "gpt-5", "o4-mini", "qwen2.5vl:7b", "Qwen/Qwen3-VL-8B-Instruct",
                 "llava:13b", "gemma3:12b", "minicpm-v", "claude-sonnet-4", "gemini-2.5-flash",
                 "pixtral-12b", "llama3.2-vision:11b", "openrouter/anthropic/claude-3.5-sonnet"):  # fmt: skip
        assert sees("auto", name)[0], name
    for name in ("gpt-3.5-turbo", "qwen2.5:7b", "llama3.1:8b", "mistral", None):
        seeing, why = sees("auto", name)
        assert not seeing and "llm_vision = on" in why
    assert sees("on", "qwen2.5:7b") == (True, "llm_vision = on")
    assert sees("off", "gpt-4o") == (False, "llm_vision = off")


def test_a_model_that_sees_gets_the_photo_boxes_masks_and_result(tiny_config, tiny_registry, tmp_path):
    script = [*ONE_CALL_PER_REPLY[:3], text("YES: the cat is a dragon now, image-2.")]
    with OpenAIStub(script) as stub:
        agent = _agent(_settings(stub, tiny_config, tmp_path, model="gpt-4o-mini"), tiny_registry)
        events = list(agent.send(DRAGON, noise_image(1600, 900)))
    assert _finished(events) == ["detect", "segment", "inpaint"]
    counts = [len(_pictures(r)) for r in stub.requests]
    assert counts == [1, 2, 3, 4]  # the photo; + boxes; + masks; + the result
    shown = [Image.open(io.BytesIO(p)) for p in _pictures(stub.requests[-1])]
    assert all(p.format == "JPEG" and max(p.size) <= 1024 for p in shown)
    assert shown[0].size == (1024, 576)  # the photo, long side 1024
    said = _texts(stub.requests[-1])
    assert "detection-1 on image-1: box N is box_index N" in said
    assert "candidate masks on image-1, best first: 1 = mask-1, 2 = mask-2, 3 = mask-3" in said
    assert "the result, image-2" in said and CHECK.format(request=DRAGON) in said
    assert "You also see pictures" in stub.requests[0]["messages"][0]["content"]


def test_a_text_model_gets_no_pictures(tiny_config, tiny_registry, tmp_path):
    with OpenAIStub(list(ONE_CALL_PER_REPLY)) as stub:
        agent = _agent(_settings(stub, tiny_config, tmp_path, model="qwen2.5:7b"), tiny_registry)
        list(agent.send(DRAGON, noise_image(96, 64)))
    assert all(_pictures(r) == [] for r in stub.requests)
    first = stub.requests[0]["messages"]
    assert isinstance(first[1]["content"], str) and first[1]["content"].startswith("Workspace:")
    assert "You also see pictures" not in first[0]["content"]
    assert not any("Does it do what the user asked" in _texts(r) for r in stub.requests)


def test_pictures_keep_to_the_budget_newest_first(tiny_config, tiny_registry, tmp_path):
    script = [*ONE_CALL_PER_REPLY[:3], text("YES, image-2.")]
    with OpenAIStub(script) as stub:
        settings = _settings(stub, tiny_config, tmp_path, model="gpt-4o", llm_max_pictures=2)
        list(_agent(settings, tiny_registry).send(DRAGON, noise_image(96, 64)))
    assert [len(_pictures(r)) for r in stub.requests] == [1, 2, 2, 2]
    last = _texts(stub.requests[-1])
    assert "(the picture the current image, image-1 is left out)" in last
    assert "(the picture detection-1 on image-1: box N is box_index N is left out)" in last
    kept = [Image.open(io.BytesIO(p)).size for p in _pictures(stub.requests[-1])]
    assert kept[-1] == (96, 64)  # the newest, the result, is kept


def test_a_wrong_result_is_tried_once_more_and_the_chat_says_why(tiny_config, tiny_registry, tmp_path):
    script = [
        *ONE_CALL_PER_REPLY[:3],
        calls(("inpaint", {**INPAINT, "seed": 4}), say="NO. The tail is still there."),
        text("Here is image-3."),
    ]
    with OpenAIStub(script) as stub:
        agent = _agent(_settings(stub, tiny_config, tmp_path, model="gpt-4o"), tiny_registry)
        events = list(agent.send(DRAGON, noise_image(96, 64)))
    assert _finished(events) == ["detect", "segment", "inpaint", "inpaint"]
    notes = [e.text for e in events if isinstance(e, ev.Notice)]
    assert "Checked image-2: The tail is still there. Trying once more." in notes
    last = _texts(stub.requests[-1])
    assert last.count(CHECK.format(request=DRAGON)) == 1  # asked after image-2 only, never after the retry
    assert LAST_TRY in last.split("the result, image-3")[0].rsplit("Pictures of what the steps made:", 1)[-1]
    record = agent.workspace.record
    assert record.history == ["image-1", "image-2", "image-3"]  # both tries kept, undo goes back one
    said = [m.text for m in record.messages if m.kind == "notice"]
    assert "Checked image-2: The tail is still there. Trying once more." in said
