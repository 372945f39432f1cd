"""What the chat draws, as PNG bytes (cached: artifacts never change once written): boxes,
mask overlays, a transparent image over a checkerboard, the download with its keepsakes."""

from __future__ import annotations

import io

import streamlit as st
from PIL import Image
from streamlit_image_coordinates import streamlit_image_coordinates

from pixelsmith import drawing as pictures
from pixelsmith import keepsakes
from pixelsmith.files import encoded
from pixelsmith.workspace import Workspace


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=3)
    return buffer.getvalue()


@st.cache_data(max_entries=256, show_spinner=False)
def _picture(
    folder: str, what: str, ids: tuple[str, ...], _ws: Workspace, numbers: tuple[int | str, ...] | None = None
) -> bytes:
    """`boxes` (detection, image), `masks` (image, *masks; `numbers` label them, default 1, 2,
    ...) or `before_after` (before, after)."""
    if what == "boxes":
        return png(pictures.draw_boxes(_ws.image(ids[1]), _ws.detections(ids[0]).detections))
    if what == "masks":
        masks = [_ws.mask(m) for m in ids[1:]]
        return png(pictures.overlay_masks(_ws.image(ids[0]), masks, numbers=numbers))
    return png(pictures.before_after(_ws.image(ids[0]), _ws.image(ids[1])))


def seen(ws: Workspace, image_id: str) -> Image.Image:
    """Image `image_id` as the chat shows it: over a checkerboard where it is transparent."""
    alpha = ws.keepsakes(image_id).get(keepsakes.ALPHA)
    return ws.image(image_id) if alpha is None else pictures.on_checkerboard(ws.image(image_id), alpha)


def viewable(ws: Workspace, image_id: str) -> str | bytes:
    """What `st.image` gets for image `image_id`: its file, or the checkerboard picture."""
    transparent = keepsakes.ALPHA in ws.artifact(image_id, "image").keeps
    return _seen_through(str(ws.folder), image_id, ws) if transparent else str(ws.path(image_id))


@st.cache_data(max_entries=64, show_spinner=False)
def _seen_through(folder: str, image_id: str, _ws: Workspace) -> bytes:
    return png(seen(_ws, image_id))


DOWNLOADS = {"JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}  # else PNG
LOSSY = {"quality": 95}  # JPEG and WebP: close to the photo, not Pillow's default 75


def download_format(ws: Workspace, image_id: str) -> str:
    """The format the image downloads in: its photo's (a JPEG's edit is a JPEG), PNG where
    that format cannot hold what the image has (a JPEG's cut-out keeps its transparency)."""
    record = ws.artifact(image_id, "image")
    fmt = record.format
    if fmt not in DOWNLOADS or (fmt == "JPEG" and keepsakes.ALPHA in record.keeps):
        return "PNG"
    return fmt


@st.cache_data(max_entries=32, show_spinner=False)
def download(folder: str, image_id: str, _ws: Workspace) -> tuple[bytes, str, str]:
    """The file to download, the way the image leaves pixelsmith (its photo's alpha, ICC
    profile, EXIF): its bytes, its extension and its MIME type."""
    fmt = download_format(_ws, image_id)
    extension, mime = DOWNLOADS.get(fmt, ("png", "image/png"))
    return encoded(_ws.exported(image_id), fmt, **(LOSSY if fmt in DOWNLOADS else {})), extension, mime


def picture(ws: Workspace, what: str, *ids: str, numbers: tuple[int | str, ...] | None = None) -> bytes:
    return _picture(str(ws.folder), what, tuple(ids), ws, numbers)


def image_of(ws: Workspace, artifact_id: str) -> str | None:
    """The image a mask or detection belongs to (following parents), or None."""
    seen = set()
    while artifact_id not in seen:
        seen.add(artifact_id)
        record = ws.artifact(artifact_id)
        if record.kind == "image":
            return artifact_id
        if not record.parents:
            return None
        artifact_id = record.parents[0]
    return None


_FRAME_SLACK = 12  # px under the component's frame in its box (measured: 8); more and no scrollbar


def clickable(shown: Image.Image, key: str, **options) -> dict | None:
    """`shown` to click on, drawn at its own size (the caller sizes it to the page), in a box
    of its height made before the picture loads: the click component only takes its height
    once its image has loaded, and without the box everything below it jumps down then,
    under a pointer that was about to press "Continue"."""
    with st.container(height=shown.height + _FRAME_SLACK, border=False):
        return streamlit_image_coordinates(shown, key=key, width=shown.width, cursor="crosshair", **options)
