"""Concepts inside edits: 'a photo of my rex on the beach', 'replace the cat with my rex'."""

from __future__ import annotations

import numpy as np
import pytest

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.concepts import ConceptStore, TrainSettings
from pixelsmith.concepts.teach import train_concept
from pixelsmith.config import load_settings
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.testing.openai_stub import OpenAIStub, calls, text
from pixelsmith.tools import ToolContext, builtin_tools
from pixelsmith.workspace import Workspace


@pytest.fixture(scope="module")
def taught(tiny_config, tmp_path_factory):
    """A registry whose data folder holds one trained concept, 'rex' the dog."""
    root = tmp_path_factory.mktemp("concept-edits")
    settings = load_settings(tiny_config, data_dir=root / "data")
    registry = ModelRegistry(settings)
    photos = root / "photos"
    photos.mkdir()
    for i in range(3):
        noise_image(64, 64, seed=20 + i).save(photos / f"{i}.png")
    train_concept(
        registry,
        ConceptStore(settings.data_dir),
        "rex",
        images=[photos],
        class_word="dog",
        settings=TrainSettings.parse(
            steps=4, resolution=64, rank=4, checkpoint_every=100, prior_preservation=False
        ),
    )
    return settings, registry


def _agent(settings, registry, planner="offline", **kw) -> Agent:
    return Agent(
        Workspace.create(settings.data_dir),
        registry,
        planner=make_planner(load_settings(**{**settings.model_dump(), **kw}), planner),
        seed=5,
    )


def _last(agent: Agent):
    return agent.workspace.record.steps[-1]


@pytest.mark.parametrize(
    ("message", "tool"),
    [
        ("a photo of my rex on the beach", "generate"),
        ("replace the cat with my rex", "inpaint"),
        ("replace the cat with my dog", "inpaint"),
    ],
)
def test_offline_planner_uses_the_concept(taught, message, tool):
    settings, registry = taught
    agent = _agent(settings, registry)
    events = list(agent.send(message, image=noise_image(96, 64)))
    assert not [e for e in events if isinstance(e, ev.ErrorEvent)]
    step = _last(agent)
    assert step.tool == tool and step.args["concept"] == "rex"
    # the same call without the concept paints different pixels; with it, the same again
    with_concept = agent.rerun(step.index).images[0]
    spec = agent.tools.get(tool)
    plain = spec.validate({**step.args, "concept": None})
    without = spec.run(plain, ToolContext(registry, agent.workspace)).images[0]
    stored = agent.workspace.image(step.outputs[0])
    assert np.array_equal(np.asarray(with_concept), np.asarray(stored))
    assert not np.array_equal(np.asarray(without), np.asarray(stored))


def test_llm_planner_sees_concepts_and_uses_them(taught):
    settings, registry = taught
    script = [
        calls(
            (
                "generate",
                {"prompt": "a photo of my rex on the beach", "concept": "rex", "num_inference_steps": 2},
            )
        ),
        text("Here is rex on the beach."),
    ]
    with OpenAIStub(script) as stub:
        agent = _agent(settings, registry, "llm", llm_model="stub", llm_base_url=stub.base_url)
        list(agent.send("a photo of my rex on the beach"))
    assert "rex (a dog)" in stub.requests[0]["messages"][1]["content"]
    assert _last(agent).args["concept"] == "rex" and agent.workspace.record.current_image == "image-1"


def test_llm_planner_replaces_an_object_with_a_concept(taught):
    settings, registry = taught
    inpaint = {"image": "image-1", "mask": "mask-1", "prompt": "my rex", "concept": "rex"}
    script = [
        calls(("detect", {"image": "image-1", "labels": ["cat"], "threshold": 0.0})),
        calls(("segment", {"image": "image-1", "detection": "detection-1", "box_index": 1})),
        calls(("inpaint", {**inpaint, "num_inference_steps": 2, "seed": 3})),
        text("Here is image-2 with rex."),
    ]
    with OpenAIStub(script) as stub:
        agent = _agent(settings, registry, "llm", llm_model="stub", llm_base_url=stub.base_url)
        events = list(agent.send("replace the cat with my rex", image=noise_image(96, 64)))
    assert not [e for e in events if isinstance(e, ev.ErrorEvent)]
    assert "rex (a dog)" in stub.requests[0]["messages"][1]["content"]
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["detect", "segment", "inpaint"]
    step = _last(agent)
    assert step.tool == "inpaint" and step.args["concept"] == "rex" and step.args["mask"] == "mask-1"
    assert agent.workspace.record.current_image == "image-2" == step.outputs[0]
    # the concept's weights were applied: the same call without it paints other pixels
    spec = agent.tools.get("inpaint")
    without = spec.run(spec.validate({**step.args, "concept": None}), ToolContext(registry, agent.workspace))
    stored = np.asarray(agent.workspace.image("image-2"))
    assert not np.array_equal(np.asarray(without.images[0]), stored)


def test_unknown_concept_is_a_readable_error(taught):
    settings, registry = taught
    script = [
        calls(("generate", {"prompt": "my fido", "concept": "fido", "num_inference_steps": 2})),
        text("sorry"),
    ]
    with OpenAIStub(script) as stub:
        agent = _agent(settings, registry, "llm", llm_model="stub", llm_base_url=stub.base_url)
        list(agent.send("a photo of my fido"))
    replies = [m["content"] for m in stub.requests[-1]["messages"] if m["role"] == "tool"]
    assert any("fido" in r and "rex" in r for r in replies)  # names the known concepts


def test_teaching_a_concept_in_chat_then_using_it(taught):
    settings, registry = taught
    script = [
        calls(
            (
                "train_concept",
                {
                    "name": "fido",
                    "class_word": "dog",
                    "images": ["image-1", "image-2", "image-3"],
                    "steps": 3,
                    "resolution": 64,
                    "prior_preservation": False,
                },
            )
        ),
        text("I learned fido."),
    ]
    with OpenAIStub(script) as stub:
        agent = _agent(settings, registry, "llm", llm_model="stub", llm_base_url=stub.base_url)
        for seed in (1, 2):
            agent.workspace.set_current(agent.workspace.add_image(noise_image(64, 64, seed=seed)))
        events = list(agent.send("teach pixelsmith my dog fido", image=noise_image(64, 64, seed=3)))
    progress = [e for e in events if isinstance(e, ev.StepProgress) and e.tool == "train_concept"]
    assert [p.step for p in progress if p.phase == "training"] == [1, 2, 3]
    assert [p.step for p in progress if p.phase == "inpaint training"] == [1, 2, 3]
    assert all(
        p.loss is not None and p.label == f"{p.phase} step" for p in progress if p.phase != "class images"
    )
    assert "fido" in ConceptStore(settings.data_dir).names()
    # the offline planner now knows fido too
    offline = _agent(settings, registry)
    list(offline.send("a photo of my fido on the beach"))
    assert _last(offline).args["concept"] == "fido"


def test_offline_teach_needs_three_photos(taught):
    settings, registry = taught
    agent = _agent(settings, registry)
    events = list(agent.send("teach pixelsmith my dog rover", image=noise_image(64, 64)))
    replies = [e.text for e in events if isinstance(e, (ev.AssistantMessage, ev.ErrorEvent))]
    assert "at least 3 photos" in replies[0] and agent.workspace.record.steps == []


def test_a_stopped_training_is_continued_in_chat_from_its_checkpoint(taught):
    """Stopped in one session (the stop button), continued in a new one ('continue training
    spot'): the offline planner names it from the stopped concepts, the tool resumes it."""
    settings, registry = taught
    agent = _agent(settings, registry)
    photos = [agent.workspace.add_image(noise_image(64, 64, seed=40 + i), tool="upload") for i in range(2)]
    agent.workspace.set_current(photos[-1])
    seen = []
    text = "teach pixelsmith my cat spot, steps 6, resolution 64, no prior preservation"
    for event in agent.send(text, image=noise_image(64, 64, seed=42)):
        seen.append(event)
        if isinstance(event, ev.StepProgress) and event.tool == "train_concept" and event.step == 2:
            agent.cancel.set()
    assert any(isinstance(e, ev.ErrorEvent) and "continue training spot" in e.text for e in seen)
    spot = ConceptStore(settings.data_dir).get("spot")
    stopped_at = spot.step  # the executor's thread may run one more step before it sees the stop
    assert spot.status == "training" and 2 <= stopped_at < 6 and spot.settings.steps == 6

    later = _agent(settings, registry)
    assert "concepts whose training stopped" in later.view().text()
    events = list(later.send("continue training spot"))
    step = _last(later)
    assert (step.tool, step.args["name"], step.args["resume"]) == ("train_concept", "spot", True)
    done = [e.step for e in events if isinstance(e, ev.StepProgress) and e.phase == "training"]
    assert done == list(range(stopped_at + 1, 7))  # from the checkpoint, not from step 1
    spot = ConceptStore(settings.data_dir).get("spot")
    assert (spot.status, spot.step, spot.inpaint_step) == ("ready", 6, 6)
    replies = [e.text for e in later.send("continue training spot") if isinstance(e, ev.AssistantMessage)]
    assert "No training is waiting" in replies[0]


def test_continuing_a_training_that_never_started_is_a_clear_refusal(taught):
    from pixelsmith.tools import train_concept as tool

    settings, registry = taught
    ctx = ToolContext(registry, Workspace.create(settings.data_dir))
    with pytest.raises(Exception, match="no stopped training of 'nemo'"):
        tool.run(tool.Input(name="nemo", resume=True), ctx)
    with pytest.raises(ValueError, match="needs 3-20 photos"):
        tool.Input(name="nemo", class_word="fish", images=["image-1"])


def test_restyle_with_a_concept_applies_its_weights(taught):
    """Issue 12: restyle shares the generator's modules, so a concept's LoRA reaches it too;
    the same call without the concept paints other pixels, with it the same ones again."""
    settings, registry = taught
    workspace = Workspace.create(settings.data_dir)
    image = workspace.add_image(noise_image(96, 64, seed=8), tool="upload")
    spec = builtin_tools().get("restyle")
    args = {"image": image, "prompt": "my rex as a watercolour", "num_inference_steps": 3, "seed": 4}
    ctx = ToolContext(registry, workspace)
    first, again = (spec.run(spec.validate({**args, "concept": "rex"}), ctx).images[0] for _ in range(2))
    without = spec.run(spec.validate(args), ctx).images[0]
    assert first.size == (96, 64)
    assert np.array_equal(np.asarray(first), np.asarray(again))
    assert not np.array_equal(np.asarray(first), np.asarray(without))
