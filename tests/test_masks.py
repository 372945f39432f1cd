"""Mask arithmetic: distances, feathering, set operations, crops and paste-back."""

from __future__ import annotations

import numpy as np
import pytest

from pixelsmith import masks as M
from pixelsmith.testing import noise_image


def _square(size: int = 100, lo: int = 40, hi: int = 60) -> np.ndarray:
    mask = np.zeros((size, size), np.uint8)
    mask[lo:hi, lo:hi] = 255
    return mask


def _distance_to_square(size: int, lo: int, hi: int) -> np.ndarray:
    """Euclidean distance of every pixel centre to the nearest pixel of [lo, hi)²."""
    ys, xs = np.mgrid[0:size, 0:size]
    dy = np.maximum(np.maximum(lo - ys, ys - (hi - 1)), 0)
    dx = np.maximum(np.maximum(lo - xs, xs - (hi - 1)), 0)
    return np.hypot(dx, dy)


@pytest.mark.parametrize("pixels", [1, 5, 12])
def test_grow_is_euclidean_distance(pixels):
    grown = M.grow(_square(), pixels)

    expected = _distance_to_square(100, 40, 60) <= pixels
    assert grown.dtype == np.uint8 and set(np.unique(grown)) == {0, 255}
    assert np.array_equal(grown > 0, expected)
    # Straight edges move by exactly `pixels`; corners are rounded, not square.
    assert grown[40 - pixels, 50] == 255 and grown[40 - pixels - 1, 50] == 0
    assert grown[59 + pixels, 50] == 255 and grown[60 + pixels, 50] == 0
    assert grown[40 - pixels, 40 - pixels] == 0


@pytest.mark.parametrize("pixels", [1, 5, 9])
def test_shrink_removes_pixels_within_distance_of_the_border(pixels):
    shrunk = M.grow(_square(), -pixels)

    assert np.array_equal(shrunk > 0, _square(lo=40 + pixels, hi=60 - pixels) > 0)


def test_shrink_past_the_middle_leaves_nothing_and_grow_zero_binarises():
    assert not M.grow(_square(), -10).any()
    soft = _square()
    soft[0, 0], soft[1, 1] = 128, 127  # 128 counts as inside, 127 does not
    out = M.grow(soft, 0)
    assert out[0, 0] == 255 and out[1, 1] == 0 and out[50, 50] == 255


def test_feather_keeps_outside_zero_and_deep_inside_full():
    mask = _square()
    soft = M.feather(mask, 6)

    assert (soft[mask == 0] == 0).all()  # never edits outside the mask
    assert (soft[46:54, 46:54] == 255).all()  # 6+ px from the border
    row = soft[50, 40:50].astype(int)
    assert row[0] > 0 and row[0] < 255  # the border pixel is partial
    assert (np.diff(row) >= 0).all() and row[-1] == 255  # ramps up monotonically
    assert len(np.unique(soft)) > 3


def test_feather_of_zero_is_the_binary_mask():
    mask = _square()
    assert np.array_equal(M.feather(mask, 0), mask)


def test_invert_swaps_and_keeps_soft_values():
    mask = _square()
    mask[0, 0] = 100
    inverted = M.invert(mask)
    assert inverted[50, 50] == 0 and inverted[10, 10] == 255 and inverted[0, 0] == 155
    assert np.array_equal(M.invert(inverted), mask)


def test_combine_union_intersection_difference():
    a = np.zeros((10, 10), np.uint8)
    b = np.zeros((10, 10), np.uint8)
    a[:, :6] = 255  # columns 0-5
    b[:, 4:] = 255  # columns 4-9

    union = M.combine(a, b, "union")
    inter = M.combine(a, b, "intersection")
    diff = M.combine(a, b, "difference")

    assert (union == 255).all()
    assert np.array_equal(np.nonzero(inter[0])[0], [4, 5])
    assert np.array_equal(np.nonzero(diff[0])[0], [0, 1, 2, 3])
    with pytest.raises(ValueError, match="xor"):
        M.combine(a, b, "xor")


def test_bbox_is_exclusive_and_none_for_empty():
    mask = np.zeros((20, 30), np.uint8)
    assert M.bbox(mask) is None
    mask[3:7, 10:12] = 255
    assert M.bbox(mask) == (10, 3, 12, 7)


@pytest.mark.parametrize(
    ("width", "height", "region"),
    [
        (300, 120, (0, 0, 10, 10)),  # top-left corner
        (300, 120, (290, 110, 300, 120)),  # bottom-right corner
        (300, 120, (140, 0, 160, 120)),  # full height
        (120, 300, (0, 140, 120, 150)),  # full width, tall image
        (400, 90, (100, 40, 380, 60)),  # wide mask, short image
        (50, 40, (20, 10, 25, 20)),  # image smaller than min_side
    ],
)
def test_crop_box_stays_inside_and_contains_the_mask(width, height, region):
    mask = np.zeros((height, width), np.uint8)
    x0, y0, x1, y1 = region
    mask[y0:y1, x0:x1] = 255

    bx0, by0, bx1, by1 = M.crop_box(mask)

    assert 0 <= bx0 < bx1 <= width and 0 <= by0 < by1 <= height
    assert bx0 <= x0 and by0 <= y0 and bx1 >= x1 and by1 >= y1
    assert bx1 - bx0 >= min(64, width) and by1 - by0 >= min(64, height)


def test_crop_box_pads_for_context_and_defaults_to_whole_image():
    mask = np.zeros((400, 600), np.uint8)
    mask[200:220, 300:340] = 255  # 40 x 20 box in the middle
    assert M.crop_box(mask) == (300 - 32, 200 - 32, 340 + 32, 220 + 32)
    assert M.crop_box(np.zeros((50, 70), np.uint8)) == (0, 0, 70, 50)


@pytest.mark.parametrize(
    ("box_w", "box_h", "native"),
    [(300, 120, 512), (120, 300, 512), (64, 64, 64), (1000, 7, 512), (333, 517, 64), (200, 199, 768)],
)
def test_work_size_is_multiple_of_8_with_the_long_side_native(box_w, box_h, native):
    w, h = M.work_size(box_w, box_h, native)

    assert w % 8 == 0 and h % 8 == 0 and min(w, h) >= 8
    assert max(w, h) == native
    assert (w >= h) == (box_w >= box_h)
    short = min(box_w, box_h) * native / max(box_w, box_h)
    assert abs(min(w, h) - short) <= 8  # aspect kept to within rounding


def test_paste_keeps_alpha_zero_bytes_identical():
    original = noise_image(120, 80, seed=1)
    generated = noise_image(50, 40, seed=2)
    box = (30, 20, 80, 60)
    alpha = np.zeros((40, 50), np.uint8)
    alpha[10:30, 10:40] = 255
    alpha[10:30, 8:10] = 128  # a soft band

    out = np.asarray(M.paste(original, generated, alpha, box))
    before, new = np.asarray(original), np.asarray(generated)

    region, outside = out[20:60, 30:80], out.copy()
    outside[20:60, 30:80] = before[20:60, 30:80]
    assert np.array_equal(outside, before)  # nothing outside the box moves
    assert np.array_equal(region[alpha == 0], before[20:60, 30:80][alpha == 0])
    assert np.array_equal(region[alpha == 255], new[alpha == 255])
    band = region[10:30, 8:10].astype(int)
    expected = np.rint(before[30:50, 38:40] * (1 - 128 / 255) + new[10:30, 8:10] * (128 / 255))
    assert np.abs(band - expected).max() <= 1
    assert out.dtype == np.uint8 and out.shape == (80, 120, 3)
