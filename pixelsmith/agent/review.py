"""Reviewing masks before they are used, whichever planner made the plan.

In interactive mode (the UI, `pixelsmith chat` in a terminal) the turn pauses before the
first step that uses a mask of a segmentation made in this turn (`pause_before`): the
offline rules' detect → segment → inpaint, and an LLM that sends segment in one reply and
inpaint in the next, pause at the same place. The user picks a candidate, clicks to add or
remove parts, paints, grows/shrinks or uploads a mask (`choose`, `refine`, `paint`,
`upload`); Continue runs the paused step with that mask (`Agent.resume`), and a planner that
takes feedback is told what the user chose.

The paused turn is a typed `PendingReview` in the session record, so a review survives a
restart and a second tab sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from pixelsmith.agent.events import Event, ReviewNeeded
from pixelsmith.agent.plan import STEP_REF, Step
from pixelsmith.agent.steps import StepRunner
from pixelsmith.errors import UserError
from pixelsmith.records import PendingReview

MASK_ARGS = ("mask", "other")  # the arguments that take a mask (agent.validate.ARG_KINDS)
GO_ON = re.compile(r"ok(?:ay)?|yes|continue|go on|go ahead|proceed|looks good|good|fine|do it|next")
CHOOSE = re.compile(
    r"(?:(?:use|pick|take|choose|select|try) )?(?:the )?mask(?P<dash>-)? ?(?P<n>\d+)"
    r"(?:,? (?:and )?(?P<go>continue|go on|go ahead|proceed))?"
)
CLICK = re.compile(
    r"(?P<minus>remove |negative |-)?click (?:at )?\(?(?P<x>\d+(?:\.\d+)?)[ ,]+(?P<y>\d+(?:\.\d+)?)\)?"
)
GROW = re.compile(r"(?P<op>grow|shrink|feather) (?:it |the mask )?(?:by )?(?P<px>\d+)(?: ?px| pixels?)?")


@dataclass(frozen=True)
class Answer:
    """A chat message read as a review action: choose a mask, refine it, or go on."""

    mask: str = ""  # choose this mask
    refine: dict[str, Any] | None = None  # refine the chosen mask with these arguments
    go_on: bool = False  # continue the paused turn


class ReviewController:
    """Pauses a turn for review, records what the user does, and hands the turn back."""

    def __init__(self, runner: StepRunner, *, interactive: bool = False, enabled: bool = True) -> None:
        self.runner = runner
        self.interactive = interactive  # a face that can show the review
        self.enabled = enabled  # the `review` setting: off never pauses

    @property
    def workspace(self):
        return self.runner.workspace

    # -- when to pause ------------------------------------------------------------------
    def pause_before(self, step: Step, unreviewed: dict[int, list[str]]) -> tuple[int, str] | None:
        """(segmentation step, the mask `step` would use) when `step` uses a mask of a
        segmentation in `unreviewed` and the user should look first; else None."""
        if not (self.interactive and self.enabled):
            return None
        for name in MASK_ARGS:
            value = step.args.get(name)
            for item in value if isinstance(value, list) else [value]:
                for number, masks in unreviewed.items():
                    if item == f"${number}" or item in masks:
                        return number, item
        return None

    def pause(self, remaining: list[Step], pending: PendingReview, used: str) -> Iterator[Event]:
        """Keep the turn as `pending` (the mask `used` by the next step is the first choice)
        and say so; the remaining steps take the chosen mask through `$mask_step`."""
        ref, chosen = f"${pending.mask_step}", used
        if STEP_REF.match(used):
            chosen = pending.made[pending.mask_step]
        steps = [s.model_copy(deep=True) for s in remaining]
        for step in steps:  # an LLM names the mask by id: the user's choice takes its place
            step.args = {k: (ref if k in MASK_ARGS and v == used else v) for k, v in step.args.items()}
        pending.steps = [s.model_dump() for s in steps]
        pending.made[pending.mask_step] = chosen
        with self.workspace.transaction() as record:
            record.pending = pending
        if self.placed(chosen):
            text = (
                f"{chosen} is where the new object goes. Click where it should go, grow or shrink "
                f"it, then continue."
            )
        else:
            text = (
                f"{len(pending.masks)} candidate mask(s), best first; {chosen} is chosen. Pick another, "
                f"click to add or remove parts, grow or shrink it, then continue."
            )
        shown = [chosen, *(m for m in pending.masks if m != chosen)]
        yield ReviewNeeded(record.current_image or "", shown, text)

    def pending(self) -> PendingReview:
        if not self.workspace.record.pending:
            raise UserError("there is no paused edit to continue; send a new request")
        return self.workspace.record.pending

    def take(self) -> PendingReview:
        """The paused turn, taken out of the record (Continue)."""
        with self.workspace.transaction() as record:
            pending = self.pending()
            record.pending = None
        return pending

    # -- what the user does -------------------------------------------------------------
    def answer(self, message: str) -> Answer | None:
        """A message read as a review action ("use mask 2", "click 120 80", "grow 10",
        "continue"), or None for a new request."""
        text = message.strip().lower().rstrip(".!")
        if GO_ON.fullmatch(text):
            return Answer(go_on=True)
        if chosen := CHOOSE.fullmatch(text):
            number, masks = int(chosen["n"]), self.pending().masks or self.workspace.record.last_masks
            mask = masks[number - 1] if not chosen["dash"] and 0 < number <= len(masks) else f"mask-{number}"
            return Answer(mask=mask, go_on=chosen["go"] is not None)
        if click := CLICK.fullmatch(text):
            point = {"x": float(click["x"]), "y": float(click["y"]), "positive": not click["minus"]}
            return Answer(refine={"points": [*self.pending().clicks, point]})
        if grow := GROW.fullmatch(text):
            px = int(grow["px"])
            if grow["op"] == "feather":
                return Answer(refine={"feather": float(px)})
            return Answer(refine={"grow": -px if grow["op"] == "shrink" else px})
        return None

    def choose(self, mask_id: str, *, clicks: list[dict] | None = None, did: str | None = None) -> None:
        """Use `mask_id` for the rest of the paused turn; `clicks`: those that made it (kept
        with the session, so a reload shows them and the next click adds to them)."""
        self.workspace.artifact(mask_id, "mask")
        with self.workspace.transaction():  # the pending review as saved (another tab may have moved it)
            pending = self.pending()
            pending.made[pending.mask_step] = mask_id
            pending.clicks = list(clicks or [])
            pending.did.append(did or f"chose {mask_id}")

    def refine(self, **args: Any) -> Iterator[Event]:
        """Refine the chosen mask (`segment` clicks or `refine_mask` grow/feather) while paused.

        `points=[{"x":..,"y":..,"positive":..}]` re-segments with clicks plus a box around
        the chosen mask (widened to take in positive clicks outside it), so that one negative
        click trims the object rather than starting from nothing; `grow`/`feather` go to
        refine_mask. The new mask becomes the choice.
        """
        chosen = self.pending().chosen
        if "points" in args and self.placed(chosen):  # where a new object goes: a click moves it
            moved = _onto(self.workspace.mask(chosen), args["points"])
            tool, call, args = "refine_mask", {"mask": chosen, "move": moved}, {"moved": moved}
        elif "points" in args:
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
            self.choose(new, clicks=args.get("points"), did=_said(args, new))
            yield ReviewNeeded(
                self.workspace.record.current_image or "",
                [new] + [m for m in self.pending().masks if m != new],
                f"{new} is chosen; continue when ready.",
            )

    def placed(self, mask_id: str) -> bool:
        return placed(self.workspace, mask_id)

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
        """A mask the user made elsewhere becomes the choice (it must be the image's size,
        and mark something: an all-black mask would edit nothing)."""
        self.pending()
        if not np.any(mask > 127):
            raise UserError(
                f"{name} is empty (no white pixel): it would edit nothing; paint the part to edit white"
            )
        kept = self._keep(mask, "upload", f"uploaded {name}")
        self.choose(kept, did=f"uploaded {name} ({kept})")
        return kept

    def _keep(self, mask: np.ndarray, tool: str, note: str) -> str:
        image = self.workspace.record.current_image
        width, height = self.workspace.image(image).size if image else (0, 0)
        if mask.ndim != 2 or mask.shape != (height, width):
            got = "x".join(str(n) for n in mask.shape[1::-1])
            raise UserError(f"the mask is {got} but the image is {width}x{height}; make it the same size")
        with self.workspace.transaction():
            return self.workspace.add_mask(mask.astype(np.uint8), tool=tool, note=note, parents=[image])


def _said(args: dict[str, Any], made: str) -> str:
    """One refinement in words, for the planner and the transcript."""
    if "moved" in args:
        return f"moved it by {args['moved'][0]}, {args['moved'][1]} px ({made})"
    if "points" in args:
        count = len(args["points"])
        return f"refined it with {count} click{'s' * (count != 1)} ({made})"
    if "other" in args:
        return f"{'erased' if args.get('combine') == 'difference' else 'painted'} with the brush ({made})"
    change = ", ".join(f"{k} {v}" for k, v in args.items())
    return f"changed it: {change} ({made})"


def placed(workspace: Any, mask_id: str) -> bool:
    """Whether `mask_id` is the region a new object goes in (made by place, or a change of one):
    a click moves it rather than re-segmenting."""
    record = workspace.artifact(mask_id)
    while record.tool == "refine_mask" and record.parents:
        record = workspace.artifact(record.parents[0])
    return record.tool == "place"


def _onto(mask, points: list) -> tuple[int, int]:
    """(dx, dy) that moves `mask`'s box centre to the last positive click (no move without one)."""
    from pixelsmith.masks import bbox
    from pixelsmith.tools.segment import Point

    box, clicked = bbox(mask), [p for p in map(Point.model_validate, points) if p.positive]
    if box is None or not clicked:
        return 0, 0
    x0, y0, x1, y1 = box
    return round(clicked[-1].x - (x0 + x1) / 2), round(clicked[-1].y - (y0 + y1) / 2)


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
