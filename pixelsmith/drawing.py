"""Pictures of intermediate results, shared by the UI and the CLI.

All functions take and return RGB `PIL.Image.Image`s of the input's size (except
`before_after`, which is twice as wide) and never modify their inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pixelsmith.artifacts import Detection

PALETTE = [
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
]


def _font(image: Image.Image) -> ImageFont.ImageFont:
    size = max(12, round(min(image.size) / 30))
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one size only
        return ImageFont.load_default()


def _label(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, colour, font) -> None:
    """Text on a filled tag whose top-left corner is at `xy`, moved inside the image where
    it would be cut at an edge (a box at the right or bottom border)."""
    pad = 2
    width, height = draw.im.size
    left, top, right, bottom = draw.textbbox(xy, text, font=font)
    dx = max(pad - left, min(0, width - 1 - pad - right))
    dy = max(pad - top, min(0, height - 1 - pad - bottom))
    xy = (xy[0] + dx, xy[1] + dy)
    left, top, right, bottom = left + dx, top + dy, right + dx, bottom + dy
    draw.rectangle((left - pad, top - pad, right + pad, bottom + pad), fill=colour)
    draw.text(xy, text, fill=(255, 255, 255), font=font)


def draw_boxes(image: Image.Image, detections: Sequence[Detection]) -> Image.Image:
    """Boxes with '#n label score' tags, one colour per box."""
    out = image.convert("RGB").copy()
    draw, font = ImageDraw.Draw(out), _font(out)
    width = max(2, round(min(out.size) / 200))
    for i, det in enumerate(detections):
        colour = PALETTE[i % len(PALETTE)]
        x0, y0, x1, y1 = det.box
        draw.rectangle((x0, y0, x1, y1), outline=colour, width=width)
        tag_y = y0 + width if y0 < font.size + 6 else y0 - font.size - 6
        _label(draw, (x0 + width, tag_y), f"#{i + 1} {det.label} {det.score:.2f}", colour, font)
    return out


def overlay_masks(
    image: Image.Image,
    masks: Sequence[np.ndarray],
    *,
    opacity: float = 0.5,
    numbers: Sequence[int | str] | None = None,
) -> Image.Image:
    """Each (H, W) uint8 mask tinted in its own colour, numbered (or labelled) at its centre."""
    base = np.asarray(image.convert("RGB"), dtype=np.float32)
    out = base.copy()
    for i, mask in enumerate(masks):
        alpha = (mask.astype(np.float32) / 255.0)[..., None] * opacity
        colour = np.array(PALETTE[i % len(PALETTE)], dtype=np.float32)
        out = out * (1 - alpha) + colour * alpha
    result = Image.fromarray(np.clip(np.rint(out), 0, 255).astype(np.uint8), "RGB")
    draw, font = ImageDraw.Draw(result), _font(result)
    placed: list[tuple[float, float]] = []
    for i, mask in enumerate(masks):
        ys, xs = np.nonzero(mask > 127)
        if len(xs):
            number = numbers[i] if numbers else i + 1
            spot = _apart((float(np.median(xs)), float(np.median(ys))), placed, result.size)
            placed.append(spot)
            _label(draw, spot, str(number), PALETTE[i % len(PALETTE)], font)
    return result


def mask_tiles(photo: Image.Image, masks: Sequence[np.ndarray], *, side: int = 1024) -> Image.Image:
    """One tile per mask, in a grid of up to three columns that fits `side` px: the photo
    with that mask tinted in its colour, its number at its centre and "mask N" in a corner
    (overlapping candidates, such as SAM's three for one click, are told apart this way)."""
    columns = max(1, min(3, len(masks)))
    rows = max(1, -(-len(masks) // columns))
    scale = min(1.0, side / (columns * photo.width), side / (rows * photo.height))
    size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
    sheet = Image.new("RGB", (columns * size[0], rows * size[1]), (255, 255, 255))
    small = photo.convert("RGB").resize(size, Image.LANCZOS)
    for i, mask in enumerate(masks):
        colour = PALETTE[i % len(PALETTE)]
        shrunk = np.asarray(Image.fromarray(mask.astype(np.uint8), "L").resize(size, Image.NEAREST))
        alpha = (shrunk.astype(np.float32) / 255.0)[..., None] * 0.55
        tinted = np.asarray(small, np.float32) * (1 - alpha) + np.array(colour, np.float32) * alpha
        tile = Image.fromarray(np.clip(np.rint(tinted), 0, 255).astype(np.uint8), "RGB")
        draw = ImageDraw.Draw(tile)
        draw.rectangle((0, 0, size[0] - 1, size[1] - 1), outline=colour, width=2)
        _label(draw, (4, 4), f"mask {i + 1}", colour, _font(tile))
        sheet.paste(tile, ((i % columns) * size[0], (i // columns) * size[1]))
    return sheet


def _apart(spot: tuple[float, float], placed: list[tuple[float, float]], size: tuple[int, int]):
    """`spot`, moved down (then up) in steps until it is clear of the labels already placed,
    so that the numbers of overlapping candidates do not stack on one place."""
    step = max(14.0, size[1] / 20)
    for k in range(0, 40):
        y = spot[1] + step * ((k + 1) // 2) * (1 if k % 2 else -1) if k else spot[1]
        if 0 <= y <= size[1] - step and all(
            abs(y - py) >= step or abs(spot[0] - px) >= 2 * step for px, py in placed
        ):
            return spot[0], y
    return spot


def wipe(before: Image.Image, after: Image.Image, split: float) -> Image.Image:
    """A comparison at `split` (0-1 of the width): `before` left of it, `after` right of it,
    a white line between; `before` is fitted to `after`'s size when they differ."""
    before, after = before.convert("RGB"), after.convert("RGB")
    if before.size != after.size:
        before = before.resize(after.size, Image.LANCZOS)
    x = round(min(max(split, 0.0), 1.0) * after.width)
    out = after.copy()
    out.paste(before.crop((0, 0, x, after.height)), (0, 0))
    draw = ImageDraw.Draw(out)
    if 0 < x < after.width:
        draw.line((x, 0, x, after.height), fill=(255, 255, 255), width=max(2, after.width // 300))
    font = _font(out)
    if x > 60:
        _label(draw, (6, 6), "before", (40, 40, 40), font)
    if after.width - x > 60:
        _label(draw, (max(x + 6, after.width - 60), 6), "after", (40, 40, 40), font)
    return out


def outlined(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """`image` with a dashed white-and-black line around `box` (where an outpainted photo's
    original sits)."""
    out = image.convert("RGB").copy()
    draw, width = ImageDraw.Draw(out), max(2, min(out.size) // 200)
    x0, y0, x1, y1 = box[0], box[1], box[2] - 1, box[3] - 1
    dash = max(6, min(out.size) // 40)
    for edge in ((x0, y0, x1, y0), (x1, y0, x1, y1), (x0, y1, x1, y1), (x0, y0, x0, y1)):
        length = max(abs(edge[2] - edge[0]), abs(edge[3] - edge[1]))
        for start in range(0, length, dash):
            a, b = start / max(length, 1), min(start + dash, length) / max(length, 1)
            points = (edge[0] + (edge[2] - edge[0]) * a, edge[1] + (edge[3] - edge[1]) * a,
                      edge[0] + (edge[2] - edge[0]) * b, edge[1] + (edge[3] - edge[1]) * b)  # fmt: skip
            draw.line(points, fill=(255, 255, 255) if (start // dash) % 2 else (0, 0, 0), width=width)
    return out


def placed(photo: Image.Image, size: tuple[int, int], offset: tuple[int, int]) -> Image.Image:
    """`photo` at `offset` on a grey canvas of `size`: an outpaint's "before" at its scale."""
    canvas = Image.new("RGB", size, (128, 128, 128))
    canvas.paste(photo.convert("RGB"), offset)
    return canvas


def before_after(before: Image.Image, after: Image.Image) -> Image.Image:
    """The two images side by side, labelled; `after` is resized to `before`'s height."""
    if after.height != before.height:
        after = after.resize((round(after.width * before.height / after.height), before.height))
    out = Image.new("RGB", (before.width + after.width, before.height), (255, 255, 255))
    out.paste(before.convert("RGB"), (0, 0))
    out.paste(after.convert("RGB"), (before.width, 0))
    draw, font = ImageDraw.Draw(out), _font(out)
    _label(draw, (6, 6), "before", (40, 40, 40), font)
    _label(draw, (before.width + 6, 6), "after", (40, 40, 40), font)
    return out


def on_checkerboard(image: Image.Image, alpha: Image.Image, *, square: int = 8) -> Image.Image:
    """`image` over a grey checkerboard where `alpha` makes it transparent: how an editor
    shows a cut-out (white would hide a white subject's edge)."""
    width, height = image.size
    cells = (np.indices((height, width)) // square).sum(axis=0) % 2
    board = np.where(cells[..., None] == 1, 204, 255).astype(np.uint8).repeat(3, axis=2)
    return Image.composite(image.convert("RGB"), Image.fromarray(board, "RGB"), alpha.convert("L"))


def draw_clicks(picture: Image.Image, points: Sequence[tuple[float, float, bool]]) -> None:
    """Mark clicks on `picture` in place, at (x, y) in its own pixels: a green + where a click
    added a part, a red − where one took a part away."""
    draw = ImageDraw.Draw(picture)
    for x, y, positive in points:
        colour, r = ((40, 200, 60) if positive else (230, 40, 40)), 7
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255), outline=colour, width=2)
        draw.line((x - 4, y, x + 4, y), fill=colour, width=2)
        if positive:
            draw.line((x, y - 4, x, y + 4), fill=colour, width=2)
