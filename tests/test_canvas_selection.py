"""The canvas's geometry (issue 25): the window a zoom and pan show, screen points back to
photo pixels, and fabric.js drawings (brush pixels, rectangles, lasso paths) to a selection
of the photo's size; on a non-square photo, zoomed in and panned."""

from __future__ import annotations

import numpy as np
import pytest

from pixelsmith.ui.canvas import MIN_VIEW_WIDTH, VIEW_WIDTH, layer_from_canvas, window

BIG = (4000, 3000)


def test_the_whole_photo_at_1x_and_a_window_at_4x_centred_then_panned():
    whole = window(BIG)
    assert whole.box == (0, 0, 4000, 3000) and whole.shown == (VIEW_WIDTH, 480)
    zoomed = window(BIG, 4)
    assert zoomed.box == (1500, 1125, 2500, 1875) and zoomed.shown == (640, 480)
    assert zoomed.to_photo(96, 48) == (1650.0, 1200.0)
    assert zoomed.to_screen(1650, 1200) == (96.0, 48.0)
    corner = window(BIG, 8, (1.0, 0.0))  # right edge, top
    assert corner.box == (3500, 0, 4000, 375)
    assert corner.to_photo(640, 480) == (3999.0, 374.0)  # never past the window's last pixel


def test_a_small_photo_is_drawn_big_enough_to_work_on():
    view = window((451, 300))
    assert view.shown == (MIN_VIEW_WIDTH, 319) and view.to_photo(480, 319) == (450.0, 299.0)


def test_a_zoom_that_is_not_offered_is_named():
    with pytest.raises(ValueError, match="zoom must be one of"):
        window(BIG, 3)


def test_a_rectangle_drawn_at_4x_selects_those_photo_pixels():
    view = window(BIG, 4)
    rect = {"type": "Rect", "left": 64, "top": 32, "width": 128, "height": 64, "originX": "left",
            "originY": "top", "scaleX": 1, "scaleY": 1, "strokeWidth": 0}  # fmt: skip
    layer = layer_from_canvas("rectangle", [rect], None, view, BIG)
    ys, xs = np.nonzero(layer)
    assert layer.shape == (3000, 4000)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (1600, 1800, 1175, 1275)


def test_a_lasso_path_is_filled_and_a_brush_stroke_lands_in_its_window():
    view = window(BIG, 2, (0.0, 1.0))  # bottom-left quarter: x 0-2000, y 1500-3000
    path = {"type": "Path", "path": [["M", 100, 100], ["Q", 200, 100, 300, 100], ["L", 300, 300],
                                     ["L", 100, 300], ["L", 100, 100]]}  # fmt: skip
    layer = layer_from_canvas("lasso", [path], None, view, BIG)
    scale = 2000 / 640
    assert layer[round(1500 + 200 * scale), round(200 * scale)] == 255  # inside the loop
    assert layer[round(1500 + 50 * scale), round(200 * scale)] == 0  # above it
    painted = np.zeros((480, 640, 4), np.uint8)
    painted[0:48, 0:64, 3] = 255  # the top-left tenth of the canvas
    brush = layer_from_canvas("brush", [], painted, view, BIG)
    ys, xs = np.nonzero(brush)
    assert (xs.min(), ys.min()) == (0, 1500) and abs(xs.max() - 200) <= 4 and abs(ys.max() - 1650) <= 4
    assert not layer_from_canvas("rectangle", [path], None, view, BIG).any()  # a rectangle reads rects only
