"""Issue 25, canvas first: a selection made on the photo before typing (brush, rectangle,
lasso, clicks) is "it", "this" and "the selection" in the next request, for the rules and
the LLM alike; it is kept with the session and cleared once used."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pixelsmith.agent import events as ev
from pixelsmith.agent.selection import box_layer, polygon_layer
from pixelsmith.errors import UserError
from pixelsmith.testing import noise_image
from pixelsmith.testing.openai_stub import OpenAIStub, calls, text
from pixelsmith.workspace import Workspace

W, H = 96, 64  # non-square: x and y must not be swapped anywhere


def _photo_agent(make_agent, **options):
    agent = make_agent(**options)
    agent.selection.adopt(noise_image(W, H, seed=3), "photo.png")
    return agent


def _steps(agent, turn):
    return [s for s in agent.workspace.record.steps if s.turn == turn]


def test_shapes_fill_the_right_pixels_on_a_non_square_photo():
    box = box_layer((W, H), (10, 5, 40, 20))
    assert box.shape == (H, W) and box[5:20, 10:40].all() and box.sum() == 255 * 30 * 15
    assert not box[:, 40:].any() and not box[20:].any()
    lasso = polygon_layer((W, H), [(60, 10), (90, 10), (90, 50), (60, 50)])
    assert lasso[30, 75] == 255 and lasso[30, 50] == 0 and lasso[55, 75] == 0
    assert not polygon_layer((W, H), [(1, 1), (5, 5)]).any()  # two points enclose nothing


def test_a_rectangle_then_remove_it_erases_inside_it_only_and_clears_the_selection(make_agent):
    agent = _photo_agent(make_agent)
    layer = box_layer((W, H), (50, 10, 90, 50))
    mask = agent.selection.shape(layer, "rectangle")
    assert agent.view().selection == mask and agent.view().selection_how == "rectangle"
    events = list(agent.send("remove it"))
    assert not [e for e in events if isinstance(e, ev.ErrorEvent)]
    (step,) = _steps(agent, agent.workspace.record.turn)
    assert step.tool == "remove" and step.args["mask"] == mask
    before = np.asarray(agent.workspace.image("image-1"))
    after = np.asarray(agent.workspace.image(step.outputs[0]))
    from pixelsmith.masks import grow

    grown = grow(agent.workspace.mask(mask), step.args.get("grow", 12))  # remove grows it first
    outside = grown == 0
    assert outside.sum() > 1000 and np.array_equal(before[outside], after[outside])
    assert not np.array_equal(before[grown > 0], after[grown > 0])  # and inside, it did change
    assert agent.workspace.record.selection is None and agent.view().selection is None


def test_a_description_alone_is_painted_in_the_selection(make_agent):
    agent = _photo_agent(make_agent)
    mask = agent.selection.shape(polygon_layer((W, H), [(10, 10), (40, 12), (30, 50)]), "lasso")
    list(agent.send("a vase of tulips, 2 steps"))
    (step,) = _steps(agent, agent.workspace.record.turn)
    assert step.tool == "inpaint" and step.args["mask"] == mask and "tulips" in step.args["prompt"]


def test_clicks_select_through_segment_and_are_shown_with_the_next_request(make_agent):
    agent = _photo_agent(make_agent)
    turn = agent.workspace.record.turn
    points = [{"x": 80.0, "y": 20.0, "positive": True}, {"x": 10.0, "y": 60.0, "positive": False}]
    list(agent.selection.click(points))
    selected = agent.workspace.record.selection
    assert selected.how == "clicks" and selected.clicks == points
    (segment,) = _steps(agent, turn + 1)  # drawn with the request that follows, not the last one
    assert segment.tool == "segment" and segment.args["points"] == points
    assert segment.outputs == [selected.mask] and agent.workspace.record.last_masks == [selected.mask]
    list(agent.send("make it brighter"))
    adjust = _steps(agent, turn + 1)[-1]
    assert adjust.tool == "adjust" and adjust.args["mask"] == selected.mask


def test_the_selection_survives_a_restart_and_goes_stale_when_the_photo_changes_size(make_agent):
    agent = _photo_agent(make_agent)
    mask = agent.selection.shape(box_layer((W, H), (0, 0, 30, 30)), "brush")
    reopened = Workspace.open(agent.workspace.data_dir, agent.workspace.id)
    assert reopened.selection().mask == mask and reopened.view().selection == mask
    list(agent.send("crop to square"))  # a new size: the selection no longer fits
    assert agent.view().selection is None
    list(agent.send("remove it"))  # "it" is no longer the stale selection
    assert all(s.args.get("mask") != mask for s in _steps(agent, agent.workspace.record.turn))


def test_a_named_object_is_still_found_and_the_whole_photo_is_still_the_whole(make_agent):
    agent = _photo_agent(make_agent)
    mask = agent.selection.shape(box_layer((W, H), (0, 0, 30, 30)), "rectangle")
    plan = agent.planner.begin("remove the cat", agent.view()).next([], agent.view())
    assert [s.tool for s in plan.steps] == ["detect", "segment", "remove"]
    plan = agent.planner.begin("make the whole photo brighter", agent.view()).next([], agent.view())
    assert "mask" not in plan.steps[0].args
    assert agent.workspace.record.selection.mask == mask  # planning alone does not use it up


@pytest.mark.parametrize(
    ("layer", "how", "said"),
    [
        (np.zeros((H, W), np.uint8), "brush", "nothing was selected with the brush"),
        (np.full((W, H), 255, np.uint8), "rectangle", "the selection is 64x96 but the image is 96x64"),
        (np.full((H, W), 255, np.uint8), "spray", "unknown way to select 'spray'"),
    ],
)
def test_a_bad_selection_is_one_sentence_and_changes_nothing(make_agent, layer, how, said):
    agent = _photo_agent(make_agent)
    before = agent.workspace.record.model_dump()
    with pytest.raises(UserError, match=said):
        agent.selection.shape(layer, how)
    assert agent.workspace.record.model_dump() == before


def test_no_photo_no_selection(make_agent):
    agent = make_agent()
    with pytest.raises(UserError, match="there is no photo to select on; add a photo first"):
        list(agent.selection.click([{"x": 1, "y": 1, "positive": True}]))


def test_the_llm_is_told_what_the_selection_is_and_its_call_uses_it(tiny_config, tiny_registry, tmp_path):
    from pixelsmith.agent.agent import Agent
    from pixelsmith.agent.planner_choice import make_planner
    from pixelsmith.config import load_settings

    script = [calls(("remove", {"image": "image-1", "mask": "mask-1"})), text("Removed; see image-2.")]
    with OpenAIStub(script) as stub:
        settings = load_settings(
            tiny_config, llm_model="stub-model", llm_base_url=stub.base_url, data_dir=tmp_path / "data"
        )
        agent = Agent(Workspace.create(settings.data_dir), tiny_registry, planner=make_planner(settings))
        agent.selection.adopt(noise_image(W, H), "photo.png")
        mask = agent.selection.shape(box_layer((W, H), (5, 5, 50, 40)), "rectangle")
        list(agent.send("remove this"))
    said = "\n".join(str(m["content"]) for m in stub.requests[0]["messages"])
    assert f"the user's selection: {mask} (marked on the photo by rectangle)" in said
    assert "'it', 'this', 'here' and 'the selection' mean this mask" in said
    assert agent.workspace.record.steps[-1].args["mask"] == mask
    assert agent.workspace.record.selection is None


def test_the_api_and_edit_select_take_a_box_or_a_mask_file(tiny_settings, tmp_path, capsys):
    from PIL import Image

    from pixelsmith import Editor
    from pixelsmith.cli import main

    editor = Editor(planner="offline")
    session = editor.session()
    with pytest.raises(UserError, match=r"the box \(50, 10, 200, 40\) is not inside the 96x64 photo"):
        session.select((50, 10, 200, 40), image=noise_image(W, H))
    assert editor.sessions() == []  # refused before the photo was kept: no session left behind
    mask = session.select((50, 10, 90, 40), image=noise_image(W, H))
    result = session.edit("make it black and white")
    assert result.steps[-1].tool == "adjust" and result.steps[-1].args["mask"] == mask

    photo, drawn = tmp_path / "photo.png", tmp_path / "mask.png"
    noise_image(W, H).save(photo)
    Image.fromarray(box_layer((W, H), (5, 5, 40, 40))).save(drawn)
    out = tmp_path / "out.png"
    assert main(["edit", str(photo), "--select", str(drawn), "remove it", "-o", str(out), "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["plan"] == ["remove"] and done["steps"][0]["args"]["mask"] == "mask-1" and out.is_file()
    assert main(["edit", str(photo), "--select", "1,2,3", "remove it"]) == 2  # a usage error
    said = capsys.readouterr().err
    assert "--select '1,2,3' is neither a mask file nor a box X0,Y0,X1,Y1 in pixels" in said
