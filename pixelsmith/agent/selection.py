"""Selecting on the photo before typing: the canvas-first start of an edit.

The user brushes, draws a rectangle or a lasso, or clicks objects (SAM points, + adds and
- takes away) on the current photo; that mask becomes the session's `Selection`, and the
next request's "it", "this", "here" or "the selection" is that mask, whichever planner reads
it (`WorkspaceView.selection`). A request that used it clears it; so does a new photo of
another size. Clicks run `segment` through the step runner like any other step, recorded
with the request that follows; brush and shapes are kept as masks of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from pixelsmith.agent.events import Event
from pixelsmith.agent.plan import Step
from pixelsmith.agent.steps import StepRunner
from pixelsmith.errors import UserError
from pixelsmith.records import Selection

SHAPES = ("brush", "rectangle", "lasso", "upload")
MAX_CLICKS = 32  # clicks on one selection; more is a runaway widget, not a person


class SelectionController:
    """Makes, keeps and clears one session's selection."""

    def __init__(self, runner: StepRunner) -> None:
        self.runner = runner

    @property
    def workspace(self):
        return self.runner.workspace

    def current(self) -> Selection | None:
        return self.workspace.selection()

    def adopt(self, image: Image.Image, name: str) -> str:
        """A photo staged in the UI becomes the current image, so it can be selected on
        before any message is sent; returns its id."""
        with self.workspace.transaction():
            image_id = self.workspace.add_image(image, tool="upload", note=f"uploaded {name}".strip())
            self.workspace.set_current(image_id)
        return image_id

    def click(self, points: Sequence[dict[str, Any]]) -> Iterator[Event]:
        """Select the object under the clicks (all of them so far: `{"x", "y", "positive"}`,
        in the photo's pixels) with `segment`; the mask it makes is the selection."""
        image = self._image()
        if not points:
            raise UserError("no click was given; click on the object to select")
        if len(points) > MAX_CLICKS:
            raise UserError(f"{len(points)} clicks is over the limit of {MAX_CLICKS}; clear and start again")
        call = {"image": image, "points": [dict(p) for p in points], "multimask": False}
        turn, self.runner.turn = self.runner.turn, self.workspace.record.turn + 1  # shown with the request
        try:
            yield from self.runner.run(0, Step(tool="segment", args=call, why="select what was clicked"), {})
        finally:
            self.runner.turn = turn
        if self.runner.result.ok:
            self._keep(Selection(mask=self.runner.result.ids[0], how="clicks", clicks=call["points"]))

    def shape(self, layer: np.ndarray, how: str, *, photo: Image.Image | None = None, name: str = "") -> str:
        """`layer` ((H, W) uint8, white = selected, the image's size) drawn with the brush, a
        rectangle or a lasso, or uploaded (`how`), becomes the selection; returns its mask id.
        With `photo`, that photo (`name`) becomes the current image first, once the layer
        is known to fit it: a refused selection leaves the session as it was."""
        if how not in SHAPES:
            raise UserError(f"unknown way to select {how!r}; use one of {', '.join(SHAPES)}")
        width, height = photo.size if photo is not None else self.workspace.image(self._image()).size
        if layer.ndim != 2 or layer.shape != (height, width):
            got = "x".join(str(n) for n in layer.shape[1::-1])
            raise UserError(
                f"the selection is {got} but the image is {width}x{height}; make it the same size"
            )
        if not np.any(layer > 127) and how == "upload":
            raise UserError("the selection mask is empty (no white pixel); make the part to edit white")
        if not np.any(layer > 127):
            raise UserError(f"nothing was selected with the {how}; draw over the part to edit, then use it")
        kept = (layer > 127).astype(np.uint8) * 255
        with self.workspace.transaction():
            image = self.adopt(photo, name) if photo is not None else self._image()
            mask = self.workspace.add_mask(kept, tool=how, note=f"selected with the {how}", parents=[image])
            self._keep(Selection(mask=mask, how=how))
        return mask

    def clear(self) -> None:
        with self.workspace.transaction() as record:
            record.selection = None

    def used(self, turn: int) -> None:
        """Clear the selection when a step of `turn` edited with it (it has done its job;
        "it" in the next request is that edit's mask, as after any edit)."""
        selected = self.workspace.record.selection
        if selected is None:
            return
        steps = [s for s in self.workspace.record.steps if s.turn == turn and not s.error]
        if any(selected.mask in _ids(s.args) for s in steps if s.tool not in ("segment", "select")):
            self.clear()

    def _keep(self, selection: Selection) -> None:
        with self.workspace.transaction() as record:
            record.selection = selection
            self.workspace.set_last_masks([selection.mask])

    def _image(self) -> str:
        image = self.workspace.record.current_image
        if image is None:
            raise UserError("there is no photo to select on; add a photo first")
        return image


def _ids(args: dict[str, Any]) -> set[str]:
    values = [v for value in args.values() for v in (value if isinstance(value, list) else [value])]
    return {v for v in values if isinstance(v, str)}


def box_layer(size: tuple[int, int], box: Sequence[float]) -> np.ndarray:
    """An (H, W) uint8 layer of `size` (W, H), white inside `box` (x0, y0, x1, y1, in pixels;
    clipped to the image)."""
    width, height = size
    x0, y0, x1, y1 = (round(v) for v in box)
    layer = np.zeros((height, width), np.uint8)
    layer[max(0, min(y0, y1)) : max(0, max(y0, y1)), max(0, min(x0, x1)) : max(0, max(x0, x1))] = 255
    return layer


def polygon_layer(size: tuple[int, int], points: Sequence[tuple[float, float]]) -> np.ndarray:
    """An (H, W) uint8 layer of `size` (W, H), white inside the closed polygon `points`
    ((x, y) in pixels): a lasso's outline, filled."""
    picture = Image.new("L", size, 0)
    if len(points) >= 3:
        ImageDraw.Draw(picture).polygon([(float(x), float(y)) for x, y in points], fill=255, outline=255)
    return np.asarray(picture)
