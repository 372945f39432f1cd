"""The review panel of a paused edit: pick a candidate mask, click, grow/shrink, continue.

It only reads the session record (`record.pending`) and returns what the user asked
for as an `Action`; the app runs it through the agent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

from pixelsmith.agent.review import placed
from pixelsmith.drawing import draw_clicks
from pixelsmith.ui.pictures import clickable, image_of, picture
from pixelsmith.workspace import Workspace

CLICK_WIDTH = 640  # px: the click widget is never wider than this
MIN_CLICK_WIDTH = 480  # px: nor narrower (a small photo is enlarged to be clicked)


@dataclass
class Action:
    """One review request: choose(mask), refine(**args) or resume()."""

    kind: str  # choose | refine | paint | upload | resume
    mask: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    # session-state marks set when the action starts (a click's time: the click is handled);
    # such an action is then carried to its end even if another rerun cuts its run short
    seen: dict[str, Any] = field(default_factory=dict)


def candidates(ws: Workspace) -> list[str]:
    """The masks under review, numbered as in their overlay."""
    pending = ws.record.pending
    return list(pending.masks or ws.record.last_masks) if pending else list(ws.record.last_masks)


def chosen(ws: Workspace) -> str:
    return ws.record.pending.chosen if ws.record.pending else ""


def panel(ws: Workspace) -> Action | None:
    """Draw the review controls; returns the action the user asked for in this run."""
    pending = ws.record.pending
    if not pending:
        return None
    mask, masks = chosen(ws), candidates(ws)
    later = " → ".join(s["tool"] for s in pending.steps)
    what = "where the new object goes" if placed(ws, mask) else "the mask"
    st.markdown(f"**Review {what}** before *{later}*: now using **{mask}**.")
    if pending.steps and pending.steps[0]["tool"] == "refine_mask" and pending.steps[0]["args"].get("invert"):
        st.caption("This mask is kept: everything outside it is changed (a new background).")
    action = _choose_buttons(masks, mask)
    if mask not in masks:  # no button is it: say so, and the picture labels it by its id
        st.caption(f"In use: {mask}, refined from the candidates; a button above goes back to one.")
    image = image_of(ws, mask) or ws.record.current_image
    if image:
        action = _click(ws, image, mask) or action
    action = _grow_feather(ws) or action
    if image:
        action = _paint(ws, image, mask) or action
    if st.button("Continue", type="primary", key=f"review-continue-{ws.record.turn}"):
        action = Action("resume")
    return action


BUTTONS_PER_ROW = 5  # "Use mask 12" still fits its column in the chat's width


def _choose_buttons(masks: list[str], current: str) -> Action | None:
    """One button per candidate, in rows of at most `BUTTONS_PER_ROW` (a detector that finds
    many objects gives many candidates; squeezed into one row their labels would not show)."""
    action = None
    for start in range(0, len(masks), BUTTONS_PER_ROW):
        row = masks[start : start + BUTTONS_PER_ROW]
        for index, (column, mask) in enumerate(zip(st.columns(BUTTONS_PER_ROW), row), start=start + 1):
            with column:
                kind = "primary" if mask == current else "secondary"
                if st.button(f"Use mask {index}", key=f"use-{mask}", type=kind, help=mask):
                    action = Action("choose", mask=mask)
    return action


def _click(ws: Workspace, image: str, mask: str) -> Action | None:
    """Click to add (or, with the toggle, remove) a part. The clicks that made the chosen mask
    are kept with the session (a reload shows them) and drawn: green + adds, red − removes."""
    key = f"click-{ws.id}-{ws.record.turn}"
    clicks = list(ws.record.pending.clicks) if ws.record.pending else []
    moves = placed(ws, mask)  # a region for a new object: a click moves it there
    if f"{key}-negative" not in st.session_state:  # as saved: a reload or a second tab keeps it
        st.session_state[f"{key}-negative"] = bool(ws.record.pending and ws.record.pending.negative)
    negative = False
    if not moves:
        negative = st.toggle(
            "Clicks remove (negative)",
            key=f"{key}-negative",
            help="Off: a click adds the part under it. On: a click removes it.",
            on_change=_save_negative,
            args=(ws, f"{key}-negative"),
        )
    size = ws.artifact(image).size or ws.image(image).size
    width = _shown_size(size)[0]  # a small photo is shown big enough to click
    if moves:
        st.caption("Click on the image where the new object should go.")
    else:
        st.caption("Click on the image to add or remove parts of the mask.")
    shown = Image.open(io.BytesIO(picture(ws, "masks", image, mask, numbers=_number(ws, mask))))
    shown = shown.resize((width, round(shown.height * width / shown.width)), Image.NEAREST)
    scale = width / size[0]
    draw_clicks(shown, [(p["x"] * scale, p["y"] * scale, p["positive"]) for p in clicks])
    value = clickable(shown, key, png_compression_level=6)
    if clicks:
        marks = ", ".join(f"({p['x']:.0f}, {p['y']:.0f}){'+' if p['positive'] else '−'}" for p in clicks)
        st.caption(f"clicks so far: {marks}")
    if not value or value.get("unix_time") == st.session_state.get(f"{key}-seen"):
        return None
    scale = size[0] / max(1, value.get("width") or width)
    point = {
        "x": min(size[0] - 1, round(value["x"] * scale, 1)),
        "y": min(size[1] - 1, round(value["y"] * scale, 1)),
        "positive": not negative,
    }
    # marked as seen only when its refine starts (app.py): a rerun that comes first (the
    # brush canvas below measures itself once mounted) must not drop it
    return Action("refine", args={"points": [*clicks, point]}, seen={f"{key}-seen": value.get("unix_time")})


def _number(ws: Workspace, mask: str) -> tuple[int | str, ...]:
    """The chosen mask's label on the picture: its number as the buttons count ("Use mask 2"
    shows a 2), or its id for a refined mask no button is (it showed a 1)."""
    masks = candidates(ws)
    return (masks.index(mask) + 1,) if mask in masks else (mask,)


def _shown_size(size: tuple[int, int]) -> tuple[int, int]:
    """The on-page size of a picture to click or paint on: a small photo is shown bigger."""
    width = min(max(size[0], MIN_CLICK_WIDTH), CLICK_WIDTH)
    return width, round(size[1] * width / size[0])


def _paint(ws: Workspace, image: str, mask: str) -> Action | None:
    """A brush over the picture (adds to the chosen mask, or erases from it), and a mask
    file to upload instead; either becomes the mask the rest of the plan uses."""
    from streamlit_drawable_canvas import st_canvas

    key = f"paint-{ws.id}-{ws.record.turn}"
    action = None
    with st.expander("Paint or upload a mask"):
        left, right = st.columns(2)
        erase = left.toggle("Brush erases", key=f"{key}-erase", help="Off: painting adds to the mask.")
        brush = right.slider("Brush size, px", 4, 80, 24, key=f"{key}-size")
        size = ws.image(image).size
        width, height = _shown_size(size)
        shown = Image.open(io.BytesIO(picture(ws, "masks", image, mask, numbers=_number(ws, mask))))
        strokes = st_canvas(
            stroke_width=brush,
            stroke_color="rgba(230, 40, 40, 0.6)" if erase else "rgba(40, 200, 60, 0.6)",
            background_image=shown.resize((width, height)),
            width=width,
            height=height,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"{key}-canvas-{mask}",  # a new mask starts a clean canvas
        )
        if st.button("Apply brush", key=f"{key}-apply"):
            painted = strokes.image_data if strokes.json_data else None
            layer = np.zeros(size[::-1], np.uint8)
            if painted is not None:
                alpha = Image.fromarray(((painted[..., 3] > 0) * 255).astype(np.uint8), "L")
                layer = np.asarray(alpha.resize(size, Image.NEAREST))
            action = Action("paint", args={"layer": layer, "erase": erase})
        upload = st.file_uploader(
            "Or upload a mask (white = edit, the image's size)",
            type=["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"],
            key=f"{key}-upload",
        )
        if upload is not None and st.button("Use the uploaded mask", key=f"{key}-use-upload"):
            action = Action("upload", args={"data": upload.getvalue(), "name": upload.name})
    return action


def _save_negative(ws: Workspace, key: str) -> None:
    with ws.transaction() as record:
        if record.pending:
            record.pending.negative = bool(st.session_state[key])


def _grow_feather(ws: Workspace) -> Action | None:
    key = f"adjust-{ws.id}-{ws.record.turn}"
    left, right = st.columns(2)
    with left:
        grow = st.slider("Grow (+) / shrink (−), px", -40, 40, 0, key=f"{key}-grow")
    with right:
        feather = st.slider("Feather, px", 0, 30, 0, key=f"{key}-feather")
    if st.button("Apply grow / feather", key=f"{key}-apply", disabled=not (grow or feather)):
        return Action("refine", args={k: v for k, v in (("grow", grow), ("feather", feather)) if v})
    return None
