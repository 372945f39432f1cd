"""Issue 13: the detector backend `grounding-dino` on a tiny checkpoint: the plain
transformers call as the oracle, a label per box from several labels asked at once, boxes
on non-square photos, "nothing found" said plainly, and a chat turn through it."""

from __future__ import annotations

import pytest
import torch
from turns import replace_turn

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.config import load_settings
from pixelsmith.models import ModelRegistry
from pixelsmith.models.detectors import GroundingDetector, label_scores
from pixelsmith.testing import noise_image
from pixelsmith.tools import MemoryStore, ToolContext, default_tools
from pixelsmith.workspace import Workspace


@pytest.fixture(scope="module")
def settings(tiny_config, tiny_dir):
    detector = {"model": str(tiny_dir / "grounding-dino"), "backend": "grounding-dino", "threshold": 0.0}
    return load_settings(tiny_config, detector=detector)


@pytest.fixture(scope="module")
def registry(settings):
    return ModelRegistry(settings)


def _detect(registry, image, **args):
    tool = default_tools().get("detect")
    store = MemoryStore()
    args = {"image": store.add("image", image), **args}
    return tool.run(tool.validate(args), ToolContext(registry, store))


def test_boxes_equal_the_plain_transformers_call(registry, tiny_dir):
    from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor

    photo = noise_image(300, 170, seed=4)
    ours = _detect(registry, photo, labels=["cat", "dog"], nms_iou=1.0, max_detections=100)
    folder = tiny_dir / "grounding-dino"
    processor = AutoProcessor.from_pretrained(folder)
    model = AutoModelForZeroShotObjectDetection.from_pretrained(folder).eval()
    inputs = processor(images=photo, text="cat. dog.", return_tensors="pt")
    with torch.inference_mode():
        outputs = model(**inputs)
    plain = processor.post_process_grounded_object_detection(
        outputs, inputs["input_ids"], threshold=0.0, text_threshold=0.0, target_sizes=[(170, 300)]
    )[0]
    boxes = plain["boxes"].clone()
    boxes[:, 0::2], boxes[:, 1::2] = boxes[:, 0::2].clamp(0, 300), boxes[:, 1::2].clamp(0, 170)
    probs = outputs.logits[0].sigmoid()
    expected = {}
    for box, row in zip(boxes.tolist(), probs, strict=True):  # "cat" is token 1, "dog" token 3
        if box[2] - box[0] >= 1 and box[3] - box[1] >= 1:
            label = "cat" if row[1] >= row[3] else "dog"
            expected[tuple(round(v, 1) for v in box)] = (label, round(float(max(row[1], row[3])), 4))
    found = {d.box: (d.label, d.score) for d in ours.detections}
    assert len(ours.detections) == len(expected) > 5
    for box, (label, score) in found.items():
        match = min(expected, key=lambda b: sum(abs(x - y) for x, y in zip(b, box, strict=True)))
        assert sum(abs(x - y) for x, y in zip(match, box, strict=True)) < 0.5
        assert expected[match][0] == label and abs(expected[match][1] - score) < 1e-3
    assert ours.image_size == (300, 170)
    assert all(0 <= d.box[0] < d.box[2] <= 300 and 0 <= d.box[1] < d.box[3] <= 170 for d in ours.detections)


def test_each_box_gets_one_of_the_labels_asked_never_a_merge(registry):
    labels = ["cat", "dog", "teddy bear", "traffic light"]
    out = _detect(registry, noise_image(200, 320, seed=1), labels=labels, nms_iou=1.0, max_detections=100)
    assert {d.label for d in out.detections} <= set(labels)
    assert len({d.label for d in out.detections}) >= 2  # random heads spread boxes over the labels
    detector = registry.get("detector")
    assert isinstance(detector, GroundingDetector)
    text, spans = detector.caption(labels)
    ids = detector.processor.tokenizer(text)["input_ids"]
    assert text == "cat. dog. teddy bear. traffic light."
    for label, span in zip(labels, spans, strict=True):
        assert detector.processor.tokenizer.decode([ids[i] for i in span]) == label


def test_the_label_is_the_one_whose_own_tokens_match_best() -> None:
    probs = torch.zeros(3, 10)
    probs[0, 1], probs[1, 4], probs[2, 5] = 0.9, 0.6, 0.7  # box 2 matches "bear" of "teddy bear"
    probs[:, 2] = 0.95  # the "." between labels matches everything: it must not count
    scores, labels = label_scores(probs, [[1], [3], [4, 5]]).max(dim=1)
    assert labels.tolist() == [0, 2, 2] and scores.tolist() == pytest.approx([0.9, 0.6, 0.7])


def test_many_long_labels_fit_the_caption(registry):
    detector = registry.get("detector")
    labels = [
        f"a small fluffy orange cat number {i} sitting on an old wooden chair by the window"
        for i in range(16)
    ]
    text, spans = detector.caption(labels)
    assert len(detector.processor.tokenizer(text)["input_ids"]) <= detector.model.config.max_text_len
    assert all(spans)  # every label keeps tokens of its own
    out = _detect(registry, noise_image(96, 64), labels=labels)
    assert {d.label for d in out.detections} <= set(labels)


def test_nothing_found_is_said_plainly_in_the_chat(settings, registry):
    strict = settings.model_copy(update={"detector": settings.detector.model_copy(update={"threshold": 1.0})})
    registry.settings = strict
    try:
        agent = Agent(Workspace.create(settings.data_dir), registry, planner=make_planner(strict, "offline"))
        events = list(agent.send("remove the cat", image=noise_image(120, 80)))
    finally:
        registry.settings = settings
    said = " ".join(e.text for e in events if isinstance(e, (ev.AssistantMessage, ev.ErrorEvent)))
    assert said.startswith("Nothing found for 'cat' in image-1.")
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["detect"]


def test_a_chat_turn_runs_through_grounding_dino(settings, registry):
    replace_turn(settings, registry)


def test_a_checkpoint_of_another_kind_is_one_sentence(tiny_config, tiny_dir):
    from pixelsmith.errors import UserError

    wrong = load_settings(
        tiny_config, detector={"model": str(tiny_dir / "owlv2"), "backend": "grounding-dino"}
    )
    with pytest.raises(UserError) as caught:
        ModelRegistry(wrong).get("detector")
    assert str(caught.value) == (
        f"the detector checkpoint {tiny_dir / 'owlv2'} is of type owlv2, which the grounding-dino backend "
        "does not run; set detector.backend to match it, or detector.model to a grounding-dino checkpoint "
        "such as IDEA-Research/grounding-dino-tiny"
    )


def test_a_label_of_thousands_of_characters_is_cut_in_the_one_line_summary(registry):
    label = "a cat " + "y" * 1990
    out = _detect(registry, noise_image(120, 80), labels=[label], max_detections=3)
    assert out.detections and all(d.label == label for d in out.detections)  # the record keeps it
    assert len(out.summary()) < 3 * 150 and "more characters)" in out.summary()


def test_mm_grounding_dino_loads_through_the_same_backend(tiny_config, tmp_path):
    from transformers import MMGroundingDinoForObjectDetection

    from pixelsmith.testing.tiny_backends import build_grounding_dino

    folder = build_grounding_dino(tmp_path / "mm-grounding-dino", mm=True)
    settings = load_settings(tiny_config, detector={"model": str(folder), "backend": "grounding-dino"})
    mm = ModelRegistry(settings)
    assert isinstance(mm.get("detector").model, MMGroundingDinoForObjectDetection)
    out = _detect(mm, noise_image(140, 90, seed=3), labels=["cat", "dog"], threshold=0.0)
    assert out.detections and {d.label for d in out.detections} <= {"cat", "dog"}
    assert all(0 <= d.box[0] < d.box[2] <= 140 and 0 <= d.box[1] < d.box[3] <= 90 for d in out.detections)
