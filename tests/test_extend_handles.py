"""The outpaint handles' geometry (issue 25 item 3): the frame's fabric.js JSON becomes pixels
per side at the photo's scale, clamped and capped; ratio chips become the tool's aspect; the
preview shows the new band; the Extend plan validates as an outpaint step."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from PIL import Image

from pixelsmith.tools.outpaint import MAX_SIDE, Input
from pixelsmith.ui import extend

PHOTO = (451, 300)  # the sample cat's size: wider than tall


def _frame(lay: extend.Layout, **changes) -> dict:
    """The initial frame with its rect's fields changed, as fabric.js sends it back."""
    drawing = copy.deepcopy(extend.frame_drawing(lay))
    drawing["objects"][0].update(changes)
    return drawing


def test_the_layout_shrinks_the_photo_into_a_margin_keeping_its_shape():
    lay = extend.layout(PHOTO)
    assert lay.scale == pytest.approx(280 / 451)
    assert (lay.width, lay.height) == (280 + 2 * extend.MARGIN, 186 + 2 * extend.MARGIN)
    x0, y0, x1, y1 = lay.photo_box
    assert (x1 - x0) / (y1 - y0) == pytest.approx(451 / 300)


def test_the_untouched_frame_grows_nothing():
    lay = extend.layout(PHOTO)
    growth = extend.from_frame(extend.frame_drawing(lay), lay)
    assert (growth.left, growth.right, growth.top, growth.bottom) == (0, 0, 0, 0)
    assert not growth.grows and growth.notes == ()


def test_pulling_the_right_handle_by_100_canvas_px_adds_161_photo_px_on_the_right():
    lay = extend.layout(PHOTO)  # 0.6208 canvas px per photo px: 100 / 0.6208 = 161.07
    width = extend.frame_drawing(lay)["objects"][0]["width"]
    growth = extend.from_frame(_frame(lay, scaleX=(width + 100) / width), lay)
    assert (growth.left, growth.right, growth.top, growth.bottom) == (0, 161, 0, 0)
    assert extend.describe(PHOTO, growth) == "451×300 → 612×300 (+161 px right)"


def test_a_frame_with_a_centre_origin_reads_the_same():
    """fabric.js 7 sends left/top as the centre when the origin is 'center'."""
    lay = extend.layout(PHOTO)
    rect = extend.frame_drawing(lay)["objects"][0]
    # grown 50 canvas px at the top (80.5 photo px) and 31.04 at the bottom (50.0 photo px)
    height = rect["height"] + 50 + 31.04
    centre_x = rect["left"] + (rect["width"] + extend.STROKE) / 2
    centre_y = rect["top"] - 50 + (height + extend.STROKE) / 2
    drawing = _frame(lay, originX="center", originY="center", left=centre_x, top=centre_y, height=height)
    growth = extend.from_frame(drawing, lay)
    assert (growth.left, growth.right, growth.top, growth.bottom) == (0, 0, 81, 50)


def test_the_last_rect_drawn_is_the_frame():
    lay = extend.layout(PHOTO)
    drawn = {"type": "rect", "left": 10 - 1.5, "top": 170 - 1.5, "width": 440, "height": 186.25}
    drawn |= {"originX": "left", "originY": "top", "strokeWidth": 3, "strokeUniform": True}
    drawing = extend.frame_drawing(lay)
    drawing["objects"].append(drawn)  # dragged across the canvas: from x 10 to x 450
    growth = extend.from_frame(drawing, lay)
    assert (growth.left, growth.right, growth.top, growth.bottom) == (258, 0, 0, 0)  # 160 / 0.6208


def test_a_side_pulled_into_the_photo_is_clamped_to_zero_and_said():
    lay = extend.layout(PHOTO)
    rect = extend.frame_drawing(lay)["objects"][0]
    # the left edge moved 62 canvas px into the photo (100 photo px), the right 62 out
    growth = extend.from_frame(_frame(lay, left=rect["left"] + 62.08, scaleX=1), lay)
    assert (growth.left, growth.right) == (0, 100)
    assert growth.grows
    assert growth.notes == (
        "The frame cuts into the photo on the left: that side stays as it is "
        "(a canvas only grows here; to cut, ask for a crop).",
    )


def test_a_frame_all_inside_the_photo_grows_nothing():
    lay = extend.layout(PHOTO)
    rect = extend.frame_drawing(lay)["objects"][0]
    drawing = _frame(lay, left=rect["left"] + 20, top=rect["top"] + 20, scaleX=0.5, scaleY=0.5)
    growth = extend.from_frame(drawing, lay)
    assert not growth.grows
    assert "on the left, right, top and bottom: those sides stay as they are" in growth.notes[0]


def test_a_side_pulled_past_the_tool_limit_is_capped():
    lay = extend.layout((64, 48))  # a tiny photo: 4.375 canvas px per photo px
    growth = extend.from_frame(_frame(lay, scaleX=20_000), lay)
    assert growth.right == MAX_SIDE and growth.left == 0
    assert growth.notes == (f"At most {MAX_SIDE} px are added to a side: the right is capped.",)


def test_no_rect_on_the_canvas_grows_nothing_and_says_why():
    growth = extend.from_frame({"objects": []}, extend.layout(PHOTO))
    assert not growth.grows and "no frame" in growth.notes[0]


@pytest.mark.parametrize(
    ("ratio", "sides", "size"),
    [
        ("16:9", (41, 41, 0, 0), (533, 300)),
        ("1:1", (0, 0, 75, 76), (451, 451)),
        ("9:16", (0, 0, 251, 251), (451, 802)),
    ],
)
def test_a_ratio_chip_grows_the_short_way_and_plans_the_aspect(ratio, sides, size):
    growth = extend.from_ratio(PHOTO, ratio)
    assert (growth.left, growth.right, growth.top, growth.bottom) == sides
    assert growth.size(PHOTO) == size
    plan = extend.plan_for("image-2", growth)
    assert plan.steps[0].tool == "outpaint"
    assert plan.steps[0].args == {"image": "image-2", "aspect": ratio}
    Input.model_validate(plan.steps[0].args)
    assert extend.summary(plan) == f"to {ratio}"


def test_a_ratio_the_photo_already_has_grows_nothing():
    growth = extend.from_ratio(PHOTO, "3:2")
    assert not growth.grows
    assert growth.notes == ("The image (451x300) is already 3:2.",)
    with pytest.raises(ValueError, match="nothing grows"):
        extend.plan_for("image-2", growth)


def test_the_plan_of_a_drag_names_only_the_sides_that_grow():
    plan = extend.plan_for("image-3", extend.Growth(right=161, top=20))
    assert plan.steps[0].args == {"image": "image-3", "right": 161, "top": 20}
    assert plan.steps[0].why == "extend the canvas" and plan.reply == ""
    Input.model_validate(plan.steps[0].args)
    assert extend.summary(plan) == "+161 px right, +20 px top"


def test_the_preview_keeps_the_photo_and_hatches_the_new_band():
    photo = Image.new("RGB", (200, 100), (20, 120, 220))
    shown = np.asarray(extend.preview(photo, extend.Growth(right=100), side=300)).astype(int)
    assert shown.shape == (100, 300, 3)  # 300×100: already within 300 px, not scaled
    assert np.abs(shown[20:80, 20:180] - (20, 120, 220)).max() == 0  # the photo, as it was
    band = shown[10:90, 215:290]
    assert (band[..., 0] > band[..., 2] + 40).mean() > 0.9  # tinted red, not the photo's blue
    assert len(np.unique(band.reshape(-1, 3), axis=0)) >= 3  # hatched over a checkerboard


def test_a_big_preview_is_scaled_to_its_side():
    photo = Image.new("RGB", (1200, 800), (0, 0, 0))
    shown = extend.preview(photo, extend.Growth(left=600, right=600), side=360)
    assert shown.size == (360, 120)


def test_the_backdrop_puts_the_photo_in_the_margin():
    photo = Image.new("RGB", PHOTO, (0, 200, 0))
    lay = extend.layout(PHOTO)
    back = np.asarray(extend.backdrop(photo, lay)).astype(int)
    assert back.shape == (lay.height, lay.width, 3)
    m = extend.MARGIN
    assert (back[m + 5, m + 5] == (0, 200, 0)).all()
    assert back[5, 5, 1] < 210 and back[5, 5, 0] == back[5, 5, 1]  # grey margin
