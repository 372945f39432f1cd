"""Issue 13: the segmenter backend `sam2` (SAM 2.1 through transformers) on a tiny
checkpoint: the plain transformers call as the oracle for points and boxes on a
non-square photo, one image encode for every later click, and a chat turn through it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from turns import replace_turn

from pixelsmith.config import load_settings
from pixelsmith.models import ModelRegistry
from pixelsmith.models.protocols import Segmenter
from pixelsmith.models.sam2 import Sam2Predictor
from pixelsmith.testing import noise_image


@pytest.fixture(scope="module")
def settings(tiny_config, tiny_dir):
    return load_settings(tiny_config, segmenter={"model": str(tiny_dir / "sam2"), "backend": "sam2"})


@pytest.fixture(scope="module")
def registry(settings):
    return ModelRegistry(settings)


def _plain(folder, image, **prompts):
    from transformers import Sam2Model, Sam2Processor

    processor = Sam2Processor.from_pretrained(folder)
    model = Sam2Model.from_pretrained(folder).eval()
    inputs = processor(images=image, return_tensors="pt", **prompts)
    with torch.inference_mode():
        out = model(**inputs, multimask_output=True)
    masks = processor.post_process_masks(out.pred_masks, inputs["original_sizes"])[0]
    return masks.numpy(), out.iou_scores[0].numpy()


def _sorted(masks: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-scores, axis=1, kind="stable")
    return np.take_along_axis(masks, order[..., None, None], 1), np.take_along_axis(scores, order, 1)


def test_points_and_boxes_equal_the_plain_transformers_call(registry, tiny_dir):
    photo = noise_image(300, 170, seed=6)
    predictor = registry.get("segmenter")
    assert isinstance(predictor, Sam2Predictor) and isinstance(predictor, Segmenter)

    ours = predictor.predict(photo, points=np.array([[210.0, 40.0], [60.0, 120.0]]), labels=np.array([1, 0]))
    masks, scores = _sorted(*_plain(tiny_dir / "sam2", photo, input_points=[[[[210.0, 40.0], [60.0, 120.0]]]],
                                    input_labels=[[[1, 0]]]))  # fmt: skip
    assert ours.masks.shape == masks.shape == (1, 3, 170, 300)
    np.testing.assert_allclose(ours.scores, scores, atol=1e-5)
    assert (ours.masks != masks).mean() < 1e-3  # the same masks, up to logits at the threshold

    boxes = np.array([[10.0, 20.0, 150.0, 160.0], [160.0, 5.0, 295.0, 90.0]])
    ours = predictor.predict(photo, boxes=boxes)
    masks, scores = _sorted(*_plain(tiny_dir / "sam2", photo, input_boxes=[boxes.tolist()]))
    assert ours.masks.shape == masks.shape == (2, 3, 170, 300)
    np.testing.assert_allclose(ours.scores, scores, atol=1e-5)
    assert (ours.masks != masks).mean() < 1e-3


def test_every_click_after_the_first_reuses_the_image_embedding(settings):
    predictor = ModelRegistry(settings).get("segmenter")
    photo = noise_image(200, 320, seed=2)
    for x in (20, 80, 150):
        prediction = predictor.predict(photo, points=np.array([[x, 200]]), labels=np.array([1]))
        assert prediction.masks.shape == (1, 3, 320, 200)
    assert predictor.encode_count == 1
    everything = predictor.everything(photo, points_per_side=4, min_score=0.0)
    assert everything.masks.shape[1:] == (1, 320, 200) and predictor.encode_count == 1


def test_a_chat_turn_segments_with_sam2(settings, registry):
    agent, _ = replace_turn(settings, registry)
    assert agent.workspace.mask("mask-1").shape == (96, 160)
