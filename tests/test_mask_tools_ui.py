"""Issue 11: masks you can make by hand in a review (a brush that adds or erases, a mask
file uploaded), the before/after wipe and labels kept inside the picture."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pixelsmith.agent import events as ev
from pixelsmith.artifacts import Detection
from pixelsmith.drawing import PALETTE, draw_boxes, wipe
from pixelsmith.errors import UserError
from pixelsmith.workspace import Workspace

DRAGON = "replace the cat with a realistic green dragon"


def _paused(make_agent, cat_photo):
    agent = make_agent(interactive=True)
    events = list(agent.send(DRAGON, image=cat_photo))
    assert any(isinstance(e, ev.ReviewNeeded) for e in events)
    return agent


def _stroke(size: tuple[int, int], box: tuple[int, int, int, int]) -> np.ndarray:
    layer = np.zeros(size[::-1], np.uint8)
    x0, y0, x1, y1 = box
    layer[y0:y1, x0:x1] = 255
    return layer


@pytest.mark.parametrize("erase", [False, True])
def test_the_brush_adds_to_or_erases_from_the_chosen_mask(make_agent, cat_photo, erase):
    agent = _paused(make_agent, cat_photo)
    ws = agent.workspace
    chosen = ws.record.pending.chosen
    before = ws.mask(chosen).copy()
    layer = _stroke(cat_photo.size, (10, 200, 160, 290))  # the lower left corner, 451x300 photo
    events = list(agent.paint(layer, erase=erase))
    assert isinstance(events[-1], ev.ReviewNeeded)
    step = ws.record.steps[-1]
    assert step.tool == "refine_mask" and step.args["combine"] == ("difference" if erase else "union")
    strokes = ws.artifact(step.args["other"])
    assert strokes.tool == "brush" and strokes.parents == [ws.record.current_image]
    made = ws.mask(ws.record.pending.chosen)
    expected = np.minimum(before, 255 - layer) if erase else np.maximum(before, layer)
    assert np.array_equal(made, expected)  # exactly the chosen mask with the strokes in or out
    assert ws.record.pending.chosen == step.outputs[0] != chosen
    resumed = list(agent.resume())
    assert ws.record.steps[-1].tool == "inpaint" and ws.record.steps[-1].args["mask"] == step.outputs[0]
    assert not [e for e in resumed if isinstance(e, ev.ErrorEvent)]


def test_nothing_painted_or_a_wrong_size_is_one_sentence_and_changes_nothing(make_agent, cat_photo):
    agent = _paused(make_agent, cat_photo)
    ws = agent.workspace
    steps, chosen = len(ws.record.steps), ws.record.pending.chosen
    with pytest.raises(UserError, match="nothing was painted"):
        list(agent.paint(np.zeros((300, 451), np.uint8)))
    with pytest.raises(UserError, match="the mask is 100x80 but the image is 451x300; make it the same size"):
        agent.upload_mask(np.full((80, 100), 255, np.uint8), "small.png")
    reopened = Workspace.open(ws.data_dir, ws.id)
    assert len(reopened.record.steps) == steps and reopened.record.pending.chosen == chosen


def test_an_uploaded_mask_becomes_the_choice_and_is_used(make_agent, cat_photo):
    agent = _paused(make_agent, cat_photo)
    mine = _stroke(cat_photo.size, (100, 50, 300, 250))
    kept = agent.upload_mask(mine, "cat-mask.png")
    ws = agent.workspace
    assert ws.record.pending.chosen == kept and ws.artifact(kept).note == "uploaded cat-mask.png"
    list(agent.resume())
    edit = ws.record.steps[-1]
    assert edit.tool == "inpaint" and edit.args["mask"] == kept
    assert np.array_equal(ws.mask(kept), mine)


def test_the_wipe_shows_before_left_and_after_right() -> None:
    before, after = Image.new("RGB", (200, 80), (255, 0, 0)), Image.new("RGB", (200, 80), (0, 0, 255))
    shown = np.asarray(wipe(before, after, 0.25))
    assert tuple(shown[60, 20]) == (255, 0, 0) and tuple(shown[60, 60]) == (0, 0, 255)
    assert tuple(shown[60, 50]) == (255, 255, 255)  # the line at 25 %
    small = np.asarray(wipe(Image.new("RGB", (50, 20), (255, 0, 0)), after, 1.0))
    assert small.shape == (80, 200, 3) and tuple(small[60, 190]) == (255, 0, 0)  # fitted to after's size


def test_a_label_at_the_right_edge_is_kept_whole_inside_the_picture() -> None:
    image = Image.new("RGB", (300, 200), (0, 0, 0))
    box = Detection(box=(262.0, 2.0, 299.0, 60.0), label="a very long label", score=0.5)
    drawn = np.asarray(draw_boxes(image, [box]))
    tag = np.all(drawn == PALETTE[0], axis=-1)
    ys, xs = tag.nonzero()
    assert xs.min() < 200  # the tag moved left of the box (x0 = 262), not cut at x = 300
    assert tag[:, xs.min() : 262].any(axis=0).all()  # one solid tag from there to the box
