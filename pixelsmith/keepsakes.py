"""What a photo carries besides its pixels, kept through every edit: its ICC colour profile,
its EXIF data (the orientation aside: it is applied on load and reset), its alpha channel and
the format it came in (a JPEG's edit downloads as a JPEG).

Models work on RGB. These ride along in `image.info` from the file that was read to the
workspace (`taken`), are kept beside the image's file there, are inherited by every image
made from it (`inherited_alpha`: pixels a step left as they were keep their transparency,
pixels it painted are opaque), and are put back whenever an image leaves pixelsmith
(`restored`: `-o`, the UI's download, MCP, the Python API).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from pixelsmith.files import atomic_write, save_image

ICC = "icc_profile"  # Pillow's own info keys, which its savers read
EXIF = "exif"
ALPHA = "pixelsmith.alpha"  # an "L" image: the photo's transparency
FORMAT = "pixelsmith.format"  # the photo's file format as Pillow names it ("JPEG"): kept on its record
PLACED = "pixelsmith.placed"  # (x, y): where a step put its input in a bigger result (outpaint)
TRANSFORM = "pixelsmith.transform"  # what a step did to its input's geometry, done to its alpha too
ORIENTATION = 0x0112


def taken(photo: Image.Image) -> dict[str, Any]:
    """The keepsakes of a photo as read (after its EXIF rotation): only those it has."""
    kept: dict[str, Any] = {}
    if photo.info.get(ICC):
        kept[ICC] = photo.info[ICC]
    exif = photo.getexif()
    if ORIENTATION in exif:
        exif[ORIENTATION] = 1  # the pixels are upright now
    if len(exif):
        kept[EXIF] = exif.tobytes()
    if photo.mode in ("RGBA", "LA", "PA") or (photo.mode == "P" and "transparency" in photo.info):
        alpha = photo.convert("RGBA").getchannel("A")
        if alpha.getextrema()[0] < 255:  # some pixel is not opaque
            kept[ALPHA] = alpha
    return kept


def inherited_alpha(made: Image.Image, parent: Image.Image, alpha: Image.Image) -> Image.Image | None:
    """The transparency of `made`, an image a step made from `parent` (whose alpha is
    `alpha`): where a pixel is as it was, its alpha; where the step painted, opaque. A
    bigger result (the canvas extended) places the parent where the step says (`PLACED`);
    any other change of size keeps no transparency (None). A step that moved or only
    retoned its input's pixels (crop, rotate, resize, a tone adjustment) says so with a
    `TRANSFORM` of the alpha (the same as its pixels'), and its alpha follows that."""
    if made.info.get(TRANSFORM) is not None:
        return made.info[TRANSFORM](alpha)
    if made.size == parent.size:
        kept = np.all(np.asarray(made.convert("RGB")) == np.asarray(parent.convert("RGB")), axis=2)
        return Image.fromarray(np.where(kept, np.asarray(alpha), 255).astype(np.uint8), "L")
    if made.info.get(PLACED) is not None:
        canvas = Image.new("L", made.size, 255)
        canvas.paste(alpha, tuple(made.info[PLACED]))
        return canvas
    return None


def restored(image: Image.Image, kept: dict[str, Any]) -> Image.Image:
    """`image` (RGB) as it leaves pixelsmith: with its alpha (RGBA) and, in `info`, its ICC
    profile and EXIF data, which `save` writes where the format takes them."""
    out = image.convert("RGB")
    if kept.get(ALPHA) is not None and kept[ALPHA].size == out.size:
        out.putalpha(kept[ALPHA])
    for key in (ICC, EXIF):
        if kept.get(key):
            out.info[key] = kept[key]
    return out


# -- kept beside an image's file in a session ------------------------------------------------
FILES = {ICC: "{id}.icc", EXIF: "{id}.exif", ALPHA: "{id}.alpha.png"}


def write(folder: Any, artifact_id: str, kept: dict[str, Any]) -> list[str]:
    """Store `kept` beside image `artifact_id` in `folder`; returns what was stored."""
    for key, value in kept.items():
        path = folder / FILES[key].format(id=artifact_id)
        if key == ALPHA:
            save_image(value, path, compress_level=1)
        else:
            atomic_write(path, lambda tmp, data=value: tmp.write_bytes(data))
    return [key for key in FILES if key in kept]


def paths(folder: Any, artifact_id: str, keys: list[str]) -> list[Any]:
    """The files `write` stored for image `artifact_id`."""
    return [folder / FILES[key].format(id=artifact_id) for key in keys if key in FILES]


def read(folder: Any, artifact_id: str, keys: list[str]) -> dict[str, Any]:
    """What `write` stored for image `artifact_id`."""
    kept: dict[str, Any] = {}
    for key in keys:
        path = folder / FILES[key].format(id=artifact_id)
        if key == ALPHA:
            with Image.open(path) as handle:
                kept[key] = handle.convert("L")
        else:
            kept[key] = path.read_bytes()
    return kept
