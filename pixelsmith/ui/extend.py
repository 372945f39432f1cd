"""The outpaint handles: grow the canvas by pulling a frame outwards, or by picking a ratio.

`panel(ws)` draws, for the current image, ratio chips ("Free" means drag), a canvas with
the photo shrunk into a grey margin and a red frame around it to pull outwards, a preview
of the new canvas (the new band hatched) with its size, and an Extend button; it returns
the one-step `outpaint` plan the button asks for, which `run` sends to the agent.

The geometry is plain functions, testable without Streamlit: the frame's fabric.js JSON →
pixels per side (`from_frame`), a ratio → pixels per side (`from_ratio`), and the preview
picture (`preview`). Canvas px are the drag canvas's; photo px are the image's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st
from PIL import Image

from pixelsmith.agent.plan import Plan, Step
from pixelsmith.drawing import outlined
from pixelsmith.errors import ToolInputError
from pixelsmith.tools.outpaint import MAX_SIDE, Input, canvas_for
from pixelsmith.ui import chat, session
from pixelsmith.workspace import Workspace

if TYPE_CHECKING:
    from pixelsmith.agent.agent import Agent

FREE = "Free"
RATIOS = (FREE, "16:9", "4:3", "3:2", "1:1", "9:16")
SIDES = ("left", "right", "top", "bottom")
PHOTO_SIDE = 280  # canvas px: the photo's long side on the drag canvas
MARGIN = 170  # canvas px of grey margin around it: room to pull the frame into
STROKE = 3  # canvas px: the frame's line
FRAME_COLOUR = "#ff4b4b"
PREVIEW_SIDE = 360  # px: the preview's long side, at most
TINT = np.array([255, 75, 75], np.float32)  # the new band's colour in the preview
_ORIGIN = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}


@dataclass(frozen=True)
class Layout:
    """The drag canvas: `width`×`height` canvas px, the photo's top-left corner at
    (`MARGIN`, `MARGIN`), `scale` canvas px per photo px."""

    photo: tuple[int, int]  # the photo's size, photo px
    scale: float
    width: int
    height: int

    @property
    def photo_box(self) -> tuple[float, float, float, float]:
        """The photo's edges on the canvas (x0, y0, x1, y1), canvas px."""
        return MARGIN, MARGIN, MARGIN + self.photo[0] * self.scale, MARGIN + self.photo[1] * self.scale


def layout(photo: tuple[int, int]) -> Layout:
    """The drag canvas for a photo of `photo` (width, height) px: its long side `PHOTO_SIDE`."""
    scale = PHOTO_SIDE / max(photo)
    shown = (round(photo[0] * scale), round(photo[1] * scale))
    return Layout(photo, scale, shown[0] + 2 * MARGIN, shown[1] + 2 * MARGIN)


@dataclass(frozen=True)
class Growth:
    """Photo px added on each side (each in [0, MAX_SIDE]); with `aspect`, they are what that
    ratio adds. `notes`: what was clamped or why nothing grows, for the user."""

    left: int = 0
    right: int = 0
    top: int = 0
    bottom: int = 0
    aspect: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def grows(self) -> bool:
        return any(getattr(self, side) for side in SIDES)

    def size(self, photo: tuple[int, int]) -> tuple[int, int]:
        """The new canvas's (width, height), px."""
        return photo[0] + self.left + self.right, photo[1] + self.top + self.bottom

    def args(self) -> dict[str, Any]:
        """The outpaint arguments besides the image: the ratio, or the sides that grow."""
        if self.aspect:
            return {"aspect": self.aspect}
        return {side: getattr(self, side) for side in SIDES if getattr(self, side)}

    def sides(self) -> str:
        """'+41 px left, +41 px right'."""
        return ", ".join(f"+{getattr(self, side)} px {side}" for side in SIDES if getattr(self, side))


def frame_drawing(lay: Layout) -> dict[str, Any]:
    """The canvas's `initial_drawing`: one fabric.js rect whose line runs along the photo's edges."""
    x0, y0, x1, y1 = lay.photo_box
    rect = {
        "type": "Rect",
        "left": x0 - STROKE / 2,  # with origin left/top, `left` is the outer edge of the line
        "top": y0 - STROKE / 2,
        "width": x1 - x0,
        "height": y1 - y0,
        "originX": "left",
        "originY": "top",
        "scaleX": 1,
        "scaleY": 1,
        "angle": 0,
        "fill": "rgba(0, 0, 0, 0)",
        "stroke": FRAME_COLOUR,
        "strokeWidth": STROKE,
        "strokeUniform": True,
        "strokeDashArray": [8, 5],
        "lockRotation": True,
        "lockSkewingX": True,
        "lockSkewingY": True,
    }
    return {"objects": [rect]}


def frame_box(drawing: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """The frame's line (x0, y0, x1, y1) in canvas px: the last rect of a fabric.js drawing
    (the one the user pulled or drew last), whatever its origin, scale and stroke."""
    rects = [o for o in (drawing or {}).get("objects", []) if str(o.get("type", "")).lower() == "rect"]
    if not rects:
        return None
    rect = rects[-1]
    scale = abs(float(rect.get("scaleX", 1))), abs(float(rect.get("scaleY", 1)))
    line = float(rect.get("width", 0)) * scale[0], float(rect.get("height", 0)) * scale[1]
    stroke = float(rect.get("strokeWidth", 0) or 0)
    if rect.get("strokeUniform"):  # the line keeps its width when scaled
        outer = line[0] + stroke, line[1] + stroke
    else:
        outer = (line[0] / scale[0] + stroke) * scale[0], (line[1] / scale[1] + stroke) * scale[1]
    centre = []
    for axis, (name, start) in enumerate((("originX", "left"), ("originY", "top"))):
        origin = rect.get(name, start)
        offset = float(origin) if isinstance(origin, (int, float)) else _ORIGIN.get(str(origin), 0.0)
        centre.append(float(rect.get(start, 0)) + (0.5 - offset) * outer[axis])
    return centre[0] - line[0] / 2, centre[1] - line[1] / 2, centre[0] + line[0] / 2, centre[1] + line[1] / 2


def from_frame(drawing: dict[str, Any] | None, lay: Layout) -> Growth:
    """Photo px per side from where the frame is: a side pulled into the photo is 0 (a canvas
    only grows; said in a note), one pulled further than `MAX_SIDE` is `MAX_SIDE`."""
    box = frame_box(drawing)
    if box is None:
        return Growth(notes=("There is no frame on the canvas; press the canvas's reset (bin) button.",))
    photo = lay.photo_box
    raw = {
        "left": photo[0] - box[0],
        "right": box[2] - photo[2],
        "top": photo[1] - box[1],
        "bottom": box[3] - photo[3],
    }
    pixels = {side: round(value / lay.scale) for side, value in raw.items()}
    inside = [side for side in SIDES if pixels[side] < 0]
    capped = [side for side in SIDES if pixels[side] > MAX_SIDE]
    notes = []
    if inside:
        notes.append(
            f"The frame cuts into the photo on the {_and(inside)}: "
            f"{'that side stays as it is' if len(inside) == 1 else 'those sides stay as they are'} "
            "(a canvas only grows here; to cut, ask for a crop)."
        )
    if capped:
        verb = "is" if len(capped) == 1 else "are"
        notes.append(f"At most {MAX_SIDE} px are added to a side: the {_and(capped)} {verb} capped.")
    sides = {side: min(MAX_SIDE, max(0, value)) for side, value in pixels.items()}
    return Growth(**sides, notes=tuple(notes))


def from_ratio(photo: tuple[int, int], ratio: str) -> Growth:
    """Photo px per side that make a photo of `photo` (width, height) `ratio` ("16:9"), as the
    outpaint tool computes them; a photo already that shape grows nothing (said in a note)."""
    try:
        canvas = canvas_for(Input(image="image", aspect=ratio), photo[0], photo[1], max_pixels=10**12)
    except ToolInputError as err:
        return Growth(notes=(str(err).removeprefix("outpaint: ").capitalize() + ".",))
    right = canvas.width - photo[0] - canvas.x
    bottom = canvas.height - photo[1] - canvas.y
    return Growth(left=canvas.x, right=right, top=canvas.y, bottom=bottom, aspect=ratio)


def describe(photo: tuple[int, int], growth: Growth) -> str:
    """'451×300 → 612×300 (+161 px right)', or with a ratio '… (16:9: +41 px left, …)'."""
    width, height = growth.size(photo)
    what = f"{growth.aspect}: {growth.sides()}" if growth.aspect else growth.sides()
    return f"{photo[0]}×{photo[1]} → {width}×{height} ({what or 'nothing grows yet'})"


def preview(photo: Image.Image, growth: Growth, *, side: int = PREVIEW_SIDE) -> Image.Image:
    """The new canvas before anything is painted, at most `side` px long: the photo in place,
    the new band a tinted, hatched checkerboard, the photo's edge dashed. RGB."""
    size = growth.size(photo.size)
    factor = min(1.0, side / max(size))
    width, height = max(1, round(size[0] * factor)), max(1, round(size[1] * factor))
    rows, cols = np.indices((height, width))
    board = np.where(((rows // 8 + cols // 8) % 2)[..., None] == 1, 204.0, 255.0).repeat(3, axis=2)
    band = board * 0.6 + TINT * 0.4
    band[(rows + cols) % 12 < 2] = TINT  # diagonal hatching
    out = Image.fromarray(band.astype(np.uint8), "RGB")
    x0, y0 = round(growth.left * factor), round(growth.top * factor)
    x1, y1 = width - round(growth.right * factor), height - round(growth.bottom * factor)
    out.paste(photo.convert("RGB").resize((max(1, x1 - x0), max(1, y1 - y0))), (x0, y0))
    return outlined(out, (x0, y0, x1, y1)) if growth.grows else out


def plan_for(image: str, growth: Growth) -> Plan:
    """The Extend button's plan: one outpaint step on `image`."""
    if not growth.grows:
        raise ValueError(f"nothing grows: {growth}")
    step = Step(tool="outpaint", args={"image": image, **growth.args()}, why="extend the canvas")
    return Plan(steps=[step])


def summary(plan: Plan) -> str:
    """What the plan's outpaint does, for the chat: 'to 16:9' or '+161 px right'."""
    args = plan.steps[0].args
    if args.get("aspect"):
        return f"to {args['aspect']}"
    return Growth(**{side: args[side] for side in SIDES if side in args}).sides()


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# -- Streamlit ------------------------------------------------------------------------------


def panel(ws: Workspace) -> Plan | None:
    """Draw the Extend panel for the current image; the plan its Extend button asks for in this
    run, or None (no current image, not pressed)."""
    image = ws.record.current_image
    if not image:
        return None
    holder = st.empty()
    with holder.container():
        plan = _draw(ws, image)
    if plan is not None:
        holder.empty()  # its button is not live while the extension runs
    return plan


def _draw(ws: Workspace, image: str) -> Plan | None:
    key = f"extend-{ws.id}"
    box = st.expander("Extend the canvas (outpaint)", key=f"{key}-open", on_change="rerun")
    with box:
        if not box.open:  # drawn only when open: the canvas is not cheap
            return None
        ratio = st.segmented_control(
            "New shape", RATIOS, default=FREE, required=True, key=f"{key}-ratio",
            help="Free: pull the frame's edges. A ratio: the short way grows, half on each side.",
        )  # fmt: skip
        photo = ws.image(image)
        growth = _drag(photo, f"{key}-{image}") if ratio in (None, FREE) else from_ratio(photo.size, ratio)
        st.caption(describe(photo.size, growth))
        for note in growth.notes:
            st.caption(note)
        if growth.grows:
            st.image(preview(photo, growth), caption="The new band (hatched) is painted by the inpainter.")
        pressed = st.button("Extend", type="primary", disabled=not growth.grows, key=f"{key}-{image}-go")
    return plan_for(image, growth) if pressed and growth.grows else None


def _drag(photo: Image.Image, key: str) -> Growth:
    """The drag canvas: the photo in a grey margin, a frame to pull; what the frame says."""
    from streamlit_drawable_canvas import st_canvas  # only inside a running app

    lay = layout(photo.size)
    st.caption(
        "Press ✎ (Edit) in the canvas's toolbar, click the red frame and pull an edge's handle into "
        "the grey; or drag across the canvas to draw the new frame."
    )
    result = st_canvas(
        fill_color="rgba(0, 0, 0, 0)",
        stroke_width=STROKE,
        stroke_color=FRAME_COLOUR,
        background_image=backdrop(photo, lay),
        width=lay.width,
        height=lay.height,
        drawing_mode="rect",  # this canvas version has no "transform" mode: editing is a toggle
        initial_drawing=frame_drawing(lay),
        key=f"{key}-canvas",
    )
    return from_frame(result.json_data, lay)


def backdrop(photo: Image.Image, lay: Layout) -> Image.Image:
    """The drag canvas's background: a grey checkerboard with the photo shrunk into its middle."""
    rows, cols = np.indices((lay.height, lay.width))
    board = np.where((rows // 10 + cols // 10) % 2 == 1, 170, 200).astype(np.uint8)
    out = Image.fromarray(board, "L").convert("RGB")
    shown = (lay.width - 2 * MARGIN, lay.height - 2 * MARGIN)
    out.paste(photo.convert("RGB").resize(shown), (MARGIN, MARGIN))
    return out


def run(agent: Agent, ws: Workspace, plan: Plan) -> None:
    """Run the Extend button's plan as one agent turn, drawn live in the chat."""
    text = f"Extend the canvas: {summary(plan)}"
    with st.chat_message("user"):
        st.markdown(chat.safe(text))
    with st.chat_message("assistant"):
        session.run(lambda: agent.send(text, plan=plan), chat.LiveRenderer(ws), ws=ws, cancel=agent.cancel)
