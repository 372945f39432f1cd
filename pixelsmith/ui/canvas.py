"""Select on the photo before typing: click objects, brush, rectangle or lasso, with zoom.

Drawn under the conversation whenever there is a photo and no review waits. What the user
does comes back as a `CanvasAction` for the app to run through the agent's
`SelectionController` (`agent.selection`); the selection itself lives in the session record,
so a reload or a second tab shows it. A large photo is shown a window at a time (`Window`):
zoom and pan pick the window, and every click or stroke is mapped back to the photo's
pixels through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

from pixelsmith import drawing
from pixelsmith.agent.selection import box_layer, polygon_layer
from pixelsmith.ui.extend import frame_box
from pixelsmith.ui.pictures import clickable
from pixelsmith.ui.review import CLICK_WIDTH, MIN_CLICK_WIDTH
from pixelsmith.workspace import Workspace

VIEW_WIDTH, MIN_VIEW_WIDTH = CLICK_WIDTH, MIN_CLICK_WIDTH  # px on the page, as the review's picture
MODES = {"Click objects": "clicks", "Brush": "brush", "Rectangle": "rectangle", "Lasso": "lasso"}
ZOOMS = (1, 2, 4, 8)


@dataclass
class CanvasAction:
    """What the user did on the canvas: click (args: points), shape (layer, how), remove, clear."""

    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)  # session-state marks set when it starts


@dataclass(frozen=True)
class Window:
    """The part of the photo on the page: (x0, y0) and (width, height) in photo pixels,
    drawn `shown` (width, height) screen pixels large."""

    x0: int
    y0: int
    width: int
    height: int
    shown: tuple[int, int]

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.x0, self.y0, self.x0 + self.width, self.y0 + self.height

    def to_photo(self, x: float, y: float) -> tuple[float, float]:
        """A screen point on the canvas (px from its top-left) in photo pixels, inside the window."""
        px = self.x0 + x * self.width / self.shown[0]
        py = self.y0 + y * self.height / self.shown[1]
        return (
            round(min(max(px, self.x0), self.x0 + self.width - 1), 1),
            round(min(max(py, self.y0), self.y0 + self.height - 1), 1),
        )

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.x0) * self.shown[0] / self.width, (y - self.y0) * self.shown[1] / self.height


def window(size: tuple[int, int], zoom: int = 1, pan: tuple[float, float] = (0.5, 0.5)) -> Window:
    """The window of a (W, H) photo seen at `zoom` (1: all of it), its centre moved by `pan`
    (0..1 across and down the room left to move in), drawn at most `VIEW_WIDTH` wide."""
    if zoom not in ZOOMS:
        raise ValueError(f"zoom must be one of {ZOOMS}, got {zoom}")
    width, height = max(1, round(size[0] / zoom)), max(1, round(size[1] / zoom))
    x0 = round(min(max(pan[0], 0.0), 1.0) * (size[0] - width))
    y0 = round(min(max(pan[1], 0.0), 1.0) * (size[1] - height))
    shown_w = min(max(width, MIN_VIEW_WIDTH), VIEW_WIDTH)
    return Window(x0, y0, width, height, (shown_w, max(1, round(height * shown_w / width))))


def layer_from_canvas(
    how: str, objects: list[dict], painted: np.ndarray | None, view: Window, size: tuple[int, int]
) -> np.ndarray:
    """The (H, W) uint8 selection of a (W, H) photo drawn on the canvas over `view`: the brush's
    painted pixels (`painted`, the canvas's RGBA at screen size), or the fabric.js `objects`
    of rectangles (corners) and lassos (a freehand outline, filled)."""
    if how == "brush":
        layer = np.zeros(size[::-1], np.uint8)
        if painted is not None:
            alpha = Image.fromarray(((painted[..., 3] > 0) * 255).astype(np.uint8), "L")
            layer[view.y0 : view.y0 + view.height, view.x0 : view.x0 + view.width] = np.asarray(
                alpha.resize((view.width, view.height), Image.NEAREST)
            )
        return layer
    layer = np.zeros(size[::-1], np.uint8)
    for shape in objects:
        kind = str(shape.get("type", "")).lower()  # fabric.js 6 writes "Rect", older ones "rect"
        if how == "rectangle" and kind == "rect":
            left, top, right, bottom = frame_box({"objects": [shape]}) or (0, 0, 0, 0)
            box = (*view.to_photo(left, top), *view.to_photo(right, bottom))
            layer |= box_layer(size, (box[0], box[1], box[2] + 1, box[3] + 1))
        elif how == "lasso" and kind == "path":
            outline = [view.to_photo(*point) for point in _path_points(shape.get("path") or [])]
            layer |= polygon_layer(size, outline)
    return layer


def _path_points(path: list[list[Any]]) -> list[tuple[float, float]]:
    """The points a fabric.js path passes through ("M x y", "Q cx cy x y", "L x y")."""
    return [(float(c[-2]), float(c[-1])) for c in path if len(c) >= 3 and c[0] in ("M", "L", "Q", "C")]


# -- the panel -----------------------------------------------------------------------------
def panel(ws: Workspace, photo: Image.Image | None) -> CanvasAction | None:
    """The selection tools over `photo` (the current image, or the photo staged to go with
    the next message); returns what the user asked for in this run."""
    if photo is None:
        return None
    selected = ws.selection() if st.session_state.get("staged") is None else None
    key = f"select-{ws.id}"
    with st.expander("Select on the photo: click, brush, rectangle or lasso", expanded=True):
        mode = st.segmented_control("Select with", list(MODES), default="Click objects", key=f"{key}-mode")
        mode = MODES.get(mode or "Click objects", "clicks")
        view = _zoom(key, photo.size)
        shown = _picture(ws, photo, selected.mask if selected else None, view)
        if mode == "clicks":
            action = _clicks(key, shown, view, selected)
        else:
            action = _draw(key, shown, view, photo.size, mode)
        return _selection_buttons(key, selected) or action


def _zoom(key: str, size: tuple[int, int]) -> Window:
    left, middle, right = st.columns([1, 2, 2])
    zoom = left.select_slider("Zoom", ZOOMS, value=1, format_func=lambda z: f"{z}×", key=f"{key}-zoom")
    pan = (0.5, 0.5)
    if zoom > 1:
        across = middle.slider("Pan left ↔ right", 0, 100, 50, key=f"{key}-pan-x")
        down = right.slider("Pan up ↕ down", 0, 100, 50, key=f"{key}-pan-y")
        pan = (across / 100, down / 100)
    view = window(size, zoom, pan)
    x0, y0, x1, y1 = view.box
    st.caption(f"Showing x {x0}–{x1}, y {y0}–{y1} of the {size[0]}×{size[1]} photo.")
    return view


def _picture(ws: Workspace, photo: Image.Image, mask: str | None, view: Window) -> Image.Image:
    """The window of the photo at screen size, the selection tinted over it."""
    part = photo.crop(view.box)
    if mask is not None:
        part = drawing.overlay_masks(part, [ws.mask(mask)[view.y0 : view.box[3], view.x0 : view.box[2]]])
    return part.resize(view.shown, Image.BILINEAR)


def _clicks(key: str, shown: Image.Image, view: Window, selected) -> CanvasAction | None:
    """Each click adds (or, with the toggle, takes away) the object under it; the clicks of
    the selection so far are drawn, green + and red −."""
    negative = st.toggle("Clicks take away (negative)", key=f"{key}-negative")
    st.caption("Click an object to select it; click again to add more of it.")
    clicks = list(selected.clicks) if selected and selected.how == "clicks" else []
    shown = shown.copy()
    drawing.draw_clicks(shown, [(*view.to_screen(p["x"], p["y"]), p["positive"]) for p in clicks])
    value = clickable(shown, f"{key}-click")
    if clicks:  # in the photo's own pixels, whatever the zoom
        marks = ", ".join(f"({p['x']:.0f}, {p['y']:.0f}){'+' if p['positive'] else '−'}" for p in clicks)
        st.caption(f"clicks so far: {marks}")
    if not value or value.get("unix_time") == st.session_state.get(f"{key}-seen"):
        return None
    scale = view.shown[0] / max(1, value.get("width") or view.shown[0])  # as drawn, if it was resized
    x, y = view.to_photo(value["x"] * scale, value["y"] * scale)
    point = {"x": x, "y": y, "positive": not negative}
    return CanvasAction("click", {"points": [*clicks, point]}, seen={f"{key}-seen": value.get("unix_time")})


def _draw(key: str, shown: Image.Image, view: Window, size: tuple[int, int], how: str) -> CanvasAction | None:
    from streamlit_drawable_canvas import st_canvas

    brush = 24
    if how == "brush":
        brush = st.slider("Brush size, px", 4, 80, 24, key=f"{key}-brush")
    tips = {
        "brush": "Paint over what to edit.",
        "rectangle": "Drag a rectangle around what to edit.",
        "lasso": "Draw a loop around what to edit; it closes itself.",
    }
    st.caption(tips[how] + " Then press Use as selection.")
    version = st.session_state.get(f"{key}-version", 0)
    drawn = st_canvas(
        fill_color="rgba(40, 200, 60, 0.25)",
        stroke_width=brush if how == "brush" else 2,
        stroke_color="rgba(40, 200, 60, 0.7)",
        background_image=shown,
        width=view.shown[0],
        height=view.shown[1],
        drawing_mode={"brush": "freedraw", "rectangle": "rect", "lasso": "freedraw"}[how],
        return_image_data=how == "brush",
        key=f"{key}-canvas-{how}-{view.box}-{version}",  # a new window or a used drawing: a clean canvas
    )
    objects = (drawn.json_data or {}).get("objects", [])
    if st.button("Use as selection", key=f"{key}-use", disabled=not objects):
        st.session_state[f"{key}-version"] = version + 1
        layer = layer_from_canvas(how, objects, drawn.image_data if how == "brush" else None, view, size)
        return CanvasAction("shape", {"layer": layer, "how": how})
    return None


def _selection_buttons(key: str, selected) -> CanvasAction | None:
    if selected is None:
        st.caption("Nothing selected yet: or just type what to change.")
        return None
    st.markdown(
        f"**Selected: {selected.mask}** ({selected.how}). Type what to do with it: *remove it*, "
        "*a vase of tulips*, *make it brighter*, or press Remove."
    )
    left, right, _ = st.columns([1, 1, 3])
    if left.button("Remove", type="primary", key=f"{key}-remove", help=f"erase {selected.mask}"):
        return CanvasAction("remove", {"mask": selected.mask})
    if right.button("Clear selection", key=f"{key}-clear"):
        return CanvasAction("clear")
    return None
