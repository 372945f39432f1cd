"""Several tones asked for in one breath, for the offline rules: "brighter, more contrast",
"make it brighter and a little warmer", "warmer and black and white". Each piece is planned
alone by the rules; when every piece is one `adjust` of the same image (and the same mask),
they are one adjust step: one version, one undo. A tone said twice is joined only where both
say the same amount ("more colour, more saturated"; "too dark, brighten it" is one brightening,
"warmer and cooler" is not joined), and only the user's own
words, not a part another rule cut off."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from pixelsmith.agent.normalise import Request, clause, normalise
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_photo import INTENTS
from pixelsmith.agent.rules_shared import Dispatch, Unclear
from pixelsmith.agent.sentences import REMARK
from pixelsmith.views import WorkspaceView

_PIECES = re.compile(r"(?<!\bblack),? and (?:also |then )?|, (?:then )?(?:also )?|; | plus ")
# the intents of the photo rules that change tones (rules_photo.INTENTS), for `reads`
TONE_INTENTS = frozenset(
    {"tone", "black_and_white", "sepia", "negative", "auto_levels", "sharpen", "sharper", "blur", "vignette"}
)
_TONES = tuple(intent.pattern for intent in INTENTS if intent.name in TONE_INTENTS)
_SAME = ("image", "mask", "invert")  # what each piece must share to be one adjust
# "sharper" alone is detail restored (`upscale`); among tones it is sharpening: "sharper, brighter"
_SHARPER = re.compile(r"(?:a (?:bit|little|touch) |slightly |much |way )?(?:sharper|crisper|more crisp)")


def _tone(piece: str) -> str:
    return "sharpen it" if _SHARPER.fullmatch(piece) else piece


def pieces(text: str) -> list[str]:
    """The pieces of `text` between "and", commas and semicolons; [] for one piece."""
    found = [piece.strip() for piece in _PIECES.split(text) if piece.strip()]
    return found if len(found) > 1 else []


def reads(text: str) -> bool:
    """Whether every piece of `text` is a tone the photo rules have a shape for (so a message
    of tones stays one request, `rules_parts.split`)."""
    said = pieces(text)
    return bool(said) and all(any(t.fullmatch(_tone(normalise(p).text)) for t in _TONES) for p in said)


def plan(request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """One adjust for the tones of `request`, or None when it is not a list of tones."""
    # a remark is no tone of its own: "the colours look dull, punch them up" is one change
    said = [piece for piece in pieces(request.text) if not REMARK.match(piece)]
    if len(said) < 2 or request.rewrites:  # the user's own words (not a part another rule cut off)
        return None
    steps = []
    for piece in said:
        try:
            planned = dispatch(
                replace(request, text=_tone(clause(piece)), rewrites=request.rewrites + 1), view
            )
        except Unclear:
            return None
        if [step.tool for step in planned.steps] != ["adjust"]:
            return None
        steps.append(planned.steps[0])
    if any(step.args.get(key) != steps[0].args.get(key) for step in steps for key in _SAME):
        return None
    args: dict[str, Any] = {}
    for step in steps:  # each changes tones of its own, or one the same way ("more colour, more saturated")
        for name, value in step.args.items():
            if name in args and name not in (*_SAME, "feather") and args[name] != value:
                return None  # "too dark. brighten it": one change said twice, or undone
            args[name] = value
    return Plan(steps=[Step(tool="adjust", args=args, why="; ".join(step.why for step in steps))])
