"""Reviewing a paused plan: after segmentation the agent waits (`ReviewNeeded`) while the
user picks a candidate mask, clicks to add or remove parts, or grows/feathers it; then
`resume` runs the rest of the plan with the chosen mask.

`Review` is a part of `Agent` (its base class): it uses the agent's workspace,
`_run_step`, `_action`, `_finish_turn` and `interactive`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pixelsmith.agent.events import Done, Event, ReviewNeeded
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.errors import UserError

if TYPE_CHECKING:
    from pixelsmith.agent.agent import _Result


class Review:
    """The review half of `Agent`."""

    def _should_pause(self, plan: Plan, step: Step, result: _Result) -> bool:
        later = plan.steps[plan.steps.index(step) + 1 :]
        return self.interactive and plan.review and result.kind == "masks" and bool(later)

    def _pause(self, remaining: list[Step], made: dict[int, str], done: int, planner: str) -> Iterator[Event]:
        record = self.workspace.record
        mask_step = max(made)
        record.pending = {
            "steps": [s.model_dump() for s in remaining],
            "made": {str(k): v for k, v in made.items()},
            "mask_step": mask_step,
            "done": done,
            "planner": planner,
        }
        self.workspace.save()
        masks = list(record.last_masks)
        yield ReviewNeeded(
            record.current_image or "",
            masks,
            f"{len(masks)} candidate mask(s), best first. Pick one, click to add or "
            "remove parts, grow or shrink it, then continue.",
        )

    def _pending(self) -> dict:
        if not self.workspace.record.pending:
            raise UserError("there is no paused edit to continue; send a new request")
        return self.workspace.record.pending

    def choose(self, mask_id: str) -> None:
        """Use `mask_id` for the rest of the paused plan."""
        pending = self._pending()
        self.workspace.artifact(mask_id, "mask")
        pending["made"][str(pending["mask_step"])] = mask_id
        self._action("select", {"id": mask_id})
        self.workspace.save()

    def refine(self, **args: Any) -> Iterator[Event]:
        """Refine the chosen mask (`segment` clicks or `refine_mask` grow/feather) while paused.

        `points=[{"x":..,"y":..,"positive":..}]` re-segments with clicks plus a box around
        the chosen mask (widened to take in positive clicks outside it), so that one negative
        click trims the object rather than starting from nothing; `grow`/`feather` go to
        refine_mask. The new mask becomes the choice.
        """
        pending = self._pending()
        chosen = pending["made"][str(pending["mask_step"])]
        if "points" in args:
            call = {"image": self.workspace.record.current_image, "points": args["points"]}
            call["multimask"] = False
            box = _around(self.workspace.mask(chosen), args["points"])
            tool, call = "segment", call | ({"boxes": [box]} if box else {})
        else:
            tool, call = "refine_mask", {"mask": chosen, **args}
        result = yield from self._run_step(0, Step(tool=tool, args=call), {})
        if result.ok:
            new = self.workspace.record.steps[-1].outputs[0]
            self.choose(new)
            yield ReviewNeeded(
                self.workspace.record.current_image or "",
                [new] + [m for m in self.workspace.record.last_masks if m != new],
                f"{new} is chosen; continue when ready.",
            )

    def resume(self) -> Iterator[Event]:
        """Run the rest of the paused plan with the chosen mask."""
        start, self.model_seconds = time.perf_counter(), 0.0
        pending = self._pending()
        made = {int(k): v for k, v in pending["made"].items()}
        steps = [Step.model_validate(s) for s in pending["steps"]]
        self.workspace.record.pending = None
        self.workspace.save()
        number = pending["done"]
        for step in steps:
            number += 1
            result = yield from self._run_step(number, step, made)
            if not result.ok:
                break
        else:
            yield from self._finish_turn("")
        yield Done(self.workspace.record.current_image, time.perf_counter() - start, self.model_seconds)


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
