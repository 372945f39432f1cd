"""Reviewing a paused plan: after segmentation the agent waits (`ReviewNeeded`) while the
user picks a candidate mask, clicks to add or remove parts, or grows/feathers it; then
`resume` runs the rest of the plan with the chosen mask.

The paused plan is a typed `PendingReview` kept in the session record, so a review
survives a restart and a second tab sees it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from pixelsmith.agent.events import Done, Event, ReviewNeeded
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.steps import StepResult, StepRunner
from pixelsmith.errors import UserError
from pixelsmith.records import PendingReview


class ReviewController:
    """Pauses a plan for review and carries it on; runs its steps with `runner`."""

    def __init__(self, runner: StepRunner, *, interactive: bool = False) -> None:
        self.runner = runner
        self.interactive = interactive

    @property
    def workspace(self):
        return self.runner.workspace

    def should_pause(self, plan: Plan, step: Step, result: StepResult) -> bool:
        later = plan.steps[plan.steps.index(step) + 1 :]
        return self.interactive and plan.review and result.kind == "masks" and bool(later)

    def pause(self, remaining: list[Step], made: dict[int, str], done: int, planner: str) -> Iterator[Event]:
        with self.workspace.transaction() as record:
            record.pending = PendingReview(
                steps=[s.model_dump() for s in remaining],
                made=dict(made),
                mask_step=max(made),
                done=done,
                planner=planner,
            )
            masks = list(record.last_masks)
        yield ReviewNeeded(
            record.current_image or "",
            masks,
            f"{len(masks)} candidate mask(s), best first. Pick one, click to add or "
            "remove parts, grow or shrink it, then continue.",
        )

    def pending(self) -> PendingReview:
        if not self.workspace.record.pending:
            raise UserError("there is no paused edit to continue; send a new request")
        return self.workspace.record.pending

    def choose(self, mask_id: str, *, clicks: list[dict] | None = None) -> None:
        """Use `mask_id` for the rest of the paused plan; `clicks`: those that made it (kept
        with the session, so a reload shows them and the next click adds to them)."""
        self.workspace.artifact(mask_id, "mask")
        with self.workspace.transaction():  # the pending review as saved (another tab may have moved it)
            pending = self.pending()
            pending.made[pending.mask_step] = mask_id
            pending.clicks = list(clicks or [])

    def refine(self, **args: Any) -> Iterator[Event]:
        """Refine the chosen mask (`segment` clicks or `refine_mask` grow/feather) while paused.

        `points=[{"x":..,"y":..,"positive":..}]` re-segments with clicks plus a box around
        the chosen mask (widened to take in positive clicks outside it), so that one negative
        click trims the object rather than starting from nothing; `grow`/`feather` go to
        refine_mask. The new mask becomes the choice.
        """
        chosen = self.pending().chosen
        if "points" in args:
            call = {
                "image": self.workspace.record.current_image,
                "points": args["points"],
                "multimask": False,
            }
            box = _around(self.workspace.mask(chosen), args["points"])
            tool, call = "segment", call | ({"boxes": [box]} if box else {})
        else:
            tool, call = "refine_mask", {"mask": chosen, **args}
        yield from self.runner.run(0, Step(tool=tool, args=call), {})
        if self.runner.result.ok:
            new = self.workspace.record.steps[-1].outputs[0]
            self.choose(new, clicks=args.get("points"))
            yield ReviewNeeded(
                self.workspace.record.current_image or "",
                [new] + [m for m in self.workspace.record.last_masks if m != new],
                f"{new} is chosen; continue when ready.",
            )

    def paint(self, layer: np.ndarray, *, erase: bool = False) -> Iterator[Event]:
        """Brush strokes (an (H, W) mask at the image's size) added to, or with `erase`
        taken from, the chosen mask: the strokes are kept as a mask of their own and
        `refine_mask` combines the two, so the step is in the record like any other."""
        self.pending()
        if not np.any(layer > 127):
            raise UserError("nothing was painted; paint over the image, then apply")
        strokes = self._keep(layer, "brush", "painted by hand")
        yield from self.refine(other=strokes, combine="difference" if erase else "union")

    def upload(self, mask: np.ndarray, name: str) -> str:
        """A mask the user made elsewhere becomes the choice (it must be the image's size)."""
        self.pending()
        kept = self._keep(mask, "upload", f"uploaded {name}")
        self.choose(kept)
        return kept

    def _keep(self, mask: np.ndarray, tool: str, note: str) -> str:
        image = self.workspace.record.current_image
        width, height = self.workspace.image(image).size if image else (0, 0)
        if mask.ndim != 2 or mask.shape != (height, width):
            got = "x".join(str(n) for n in mask.shape[1::-1])
            raise UserError(f"the mask is {got} but the image is {width}x{height}; make it the same size")
        with self.workspace.transaction():
            return self.workspace.add_mask(mask.astype(np.uint8), tool=tool, note=note, parents=[image])

    def resume(self) -> Iterator[Event]:
        """Run the rest of the paused plan with the chosen mask."""
        start, self.runner.model_seconds = time.perf_counter(), 0.0
        pending = self.pending()
        with self.workspace.transaction() as record:
            record.pending = None
        made, number, ok = dict(pending.made), pending.done, True
        for step in (Step.model_validate(s) for s in pending.steps):
            number += 1
            yield from self.runner.run(number, step, made)
            if not (ok := self.runner.result.ok):
                break
        else:
            yield from self.runner.answer("")
        seconds = time.perf_counter() - start
        yield Done(self.workspace.record.current_image, seconds, self.runner.model_seconds, ok)


def _around(mask, points: list) -> list[float] | None:
    """The box of `mask`'s pixels, widened to take in the positive `points`; None if empty."""
    from pixelsmith.masks import bbox
    from pixelsmith.tools.segment import Point

    box = bbox(mask)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    height, width = mask.shape[:2]
    for p in (Point.model_validate(p) for p in points):
        if p.positive:
            x0, y0 = min(x0, p.x), min(y0, p.y)
            x1, y1 = min(width, max(x1, p.x + 1)), min(height, max(y1, p.y + 1))
    return [float(x0), float(y0), float(x1), float(y1)]
