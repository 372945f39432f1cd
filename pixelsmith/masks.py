"""Mask arithmetic shared by `refine_mask`, `inpaint` and `remove`.

Masks are (H, W) uint8 arrays: 0 = keep, 255 = edit, values between are soft edges.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def binary(mask: np.ndarray, threshold: int = 127) -> np.ndarray:
    """(H, W) bool: pixels above `threshold`."""
    return mask > threshold


def to_uint8(mask: np.ndarray) -> np.ndarray:
    """bool or float-in-[0, 1] mask as (H, W) uint8 in [0, 255]."""
    if mask.dtype == bool:
        return mask.astype(np.uint8) * 255
    if np.issubdtype(mask.dtype, np.floating):
        return np.clip(np.rint(mask * 255.0), 0, 255).astype(np.uint8)
    return mask.astype(np.uint8, copy=False)


def grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Grow (pixels > 0) or shrink (pixels < 0) a mask by a Euclidean distance in pixels."""
    inside = binary(mask)
    if pixels == 0:
        return to_uint8(inside)
    if pixels > 0:
        return to_uint8(_distance(~inside) <= pixels)
    return to_uint8(_distance(inside) > -pixels)


def feather(mask: np.ndarray, pixels: float) -> np.ndarray:
    """Soften the edge: alpha ramps from 0 at the mask's border to 255 `pixels` inside.

    Pixels outside the mask stay exactly 0, so feathering never edits outside it.
    """
    inside = binary(mask)
    if pixels <= 0:
        return to_uint8(inside)
    depth = _distance(inside)
    return to_uint8(np.clip(depth / pixels, 0.0, 1.0))


def invert(mask: np.ndarray) -> np.ndarray:
    return (255 - mask.astype(np.int16)).astype(np.uint8)


def combine(a: np.ndarray, b: np.ndarray, how: str) -> np.ndarray:
    """union (max), intersection (min) or difference (a without b) of two masks."""
    if how == "union":
        return np.maximum(a, b)
    if how == "intersection":
        return np.minimum(a, b)
    if how == "difference":
        return np.minimum(a, invert(b))
    raise ValueError(f"how must be union, intersection or difference, got {how!r}")


def shift(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """`mask` moved right by `dx` and down by `dy` pixels; what moves past an edge is lost."""
    height, width = mask.shape
    out = np.zeros_like(mask)
    if abs(dx) >= width or abs(dy) >= height:
        return out
    out[max(0, dy) : height + min(0, dy), max(0, dx) : width + min(0, dx)] = mask[
        max(0, -dy) : height - max(0, dy), max(0, -dx) : width - max(0, dx)
    ]
    return out


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the nonzero pixels, x1/y1 exclusive; None for an empty mask."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def crop_box(
    mask: np.ndarray, *, margin: float = 0.25, min_margin: int = 32, min_side: int = 64
) -> tuple[int, int, int, int]:
    """A box around the mask, padded for context, clipped to the image.

    The pad is `margin` times the mask box's larger side, at least `min_margin` pixels,
    and the box is at least `min_side` wide and high where the image allows.
    """
    height, width = mask.shape
    box = bbox(mask)
    if box is None:
        return 0, 0, width, height
    x0, y0, x1, y1 = box
    pad = max(min_margin, int(round(margin * max(x1 - x0, y1 - y0))))
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    x0, x1 = _widen(x0, x1, min_side, width)
    y0, y1 = _widen(y0, y1, min_side, height)
    return x0, y0, x1, y1


def _widen(lo: int, hi: int, min_side: int, limit: int) -> tuple[int, int]:
    """Grow [lo, hi) to at least `min_side` around its centre, then clip to [0, limit)."""
    if hi - lo < min_side:
        centre = (lo + hi) // 2
        lo, hi = centre - min_side // 2, centre + (min_side - min_side // 2)
    if lo < 0:
        lo, hi = 0, hi - lo
    if hi > limit:
        lo, hi = lo - (hi - limit), limit
    return max(0, lo), min(limit, hi)


def work_size(box_w: int, box_h: int, native: int, multiple: int = 8) -> tuple[int, int]:
    """(w, h) to run the model at: the longer side at `native`, both multiples of `multiple`."""
    scale = native / max(box_w, box_h)
    to_multiple = lambda v: max(multiple, int(round(v * scale / multiple)) * multiple)  # noqa: E731
    return to_multiple(box_w), to_multiple(box_h)


def paste(
    original: Image.Image, generated: Image.Image, alpha: np.ndarray, box: tuple[int, int, int, int]
) -> Image.Image:
    """Blend `generated` (crop-sized) into `original` at `box` through `alpha` (crop-sized).

    Where alpha is 0 the original bytes are kept exactly.
    """
    x0, y0, x1, y1 = box
    base = np.asarray(original).copy()
    region = base[y0:y1, x0:x1].astype(np.float32)
    new = np.asarray(generated.convert("RGB"), dtype=np.float32)
    a = (alpha.astype(np.float32) / 255.0)[..., None]
    blended = np.clip(np.rint(region * (1.0 - a) + new * a), 0, 255).astype(np.uint8)
    untouched = alpha == 0
    blended[untouched] = base[y0:y1, x0:x1][untouched]
    base[y0:y1, x0:x1] = blended
    return Image.fromarray(base, "RGB")


def _distance(inside: np.ndarray) -> np.ndarray:
    """Euclidean distance of each set pixel to the nearest unset one (scipy, imported on
    first use: it costs a quarter second that `--help` and planning need not pay)."""
    from scipy import ndimage

    return ndimage.distance_transform_edt(inside)
