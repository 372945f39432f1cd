"""A tone change everywhere but an object, or on the background, for the offline planner:
"black and white except the cat", "keep the dog in colour and make the rest black and white",
"darken the background". The change the words ask for (planned as on the whole photo) is made
outside the object's mask; "the background" is outside the photo's main subject, as
detectors do not find "the background"."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from pixelsmith.agent import rules_photo, rules_tones
from pixelsmith.agent.normalise import Request
from pixelsmith.agent.phrases import COLOUR_PHRASE
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_photo import BACKGROUND_BLUR
from pixelsmith.agent.rules_shared import (
    THING,
    Dispatch,
    Unclear,
    current_image,
    main_subject,
    masked_steps,
    subject_of,
)
from pixelsmith.agent.vocabulary import pattern
from pixelsmith.views import WorkspaceView

# "the rest", "everything else": the photo, in the body of "keep the cat ... and make the rest ..."
_REST = re.compile(
    r"\b(?:the rest(?: of (?:it|the (?:image|picture|photo)))?|everything else|all else"
    r"|the (?:background|bg))\b"
)
# how the kept object stays: "in colour", "as it is", or its own colour ("but keep the ball red")
_KEPT = rf"(?:{pattern('talk', 'kept')}|{COLOUR_PHRASE})"
EXCEPT = re.compile(
    rf"(?P<body>.+?),? (?:{pattern('talk', 'except')}) (?P<object>{THING}|this|that|it)"
    rf"(?: {_KEPT})?"
    rf"|(?:keep|leave) (?:just |only )?(?P<object2>{THING}) {_KEPT} and (?:then "
    rf")?(?P<body2>.+)"
)
# (blurring it is rules_photo's, with its own radius)
_BACKGROUND = re.compile(
    r"(?!(?:blur|soften|defocus)\b)(?P<pre>.+?) the (?:background|backdrop|bg)(?P<post>(?: .+)?)"
)


def plan(request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """The plan for a tone outside an object or on the background; None when it is not one."""
    if match := EXCEPT.fullmatch(request.text):
        return _except(match, request, view, dispatch)
    if match := _BACKGROUND.fullmatch(request.text):  # "darken the background", "make the bg grey"
        return _on_background(match, request, view, dispatch)
    return None


def reads(text: str) -> bool:
    """Whether `text` is a tone except an object (what comes before "except" is a tone)."""
    if match := EXCEPT.fullmatch(text):
        body = _REST.sub("it", match["body"] or match["body2"])
        return any(intent.pattern.fullmatch(body) for intent in rules_photo.INTENTS)
    return False


def _except(match: re.Match[str], request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """A tone change everywhere but an object: the change the body asks for, outside the
    object's mask ("black and white except the cat"). None when the body is not a tone."""
    said = match["body"] or match["body2"]
    body = _REST.sub("it", said)
    toned = [_tone_of(body, request, view, dispatch)]
    if toned[0] is None:  # "make it less dull and a bit warmer": both ("black and white" is one)
        toned = [_tone_of(part, request, view, dispatch) for part in rules_tones.pieces(body) or [body]]
    if None in toned:
        return None
    change: dict[str, Any] = {}
    for part_change, _ in toned:
        change |= part_change
    whys = [why for _, why in toned]
    if re.fullmatch(r"desaturate(?: it| everything| the rest| all)?", said):
        change["saturation"] = 0.0  # "desaturate everything but the cat": a colour splash
    if set(change) == {"blur"}:
        change["blur"] = max(change["blur"], BACKGROUND_BLUR)  # as "blur the background" blurs
    subject = subject_of(match["object"] or match["object2"], view, pronoun_ok=True)  # "except this"
    steps, mask = masked_steps(subject, request, view)
    call = {"image": current_image(view), **change, "mask": mask, "invert": True}
    why = f"{', '.join(whys)}, except the {subject.words}"
    return Plan(steps=[*steps, Step(tool="adjust", args=call, why=why)])


def _tone_of(text: str, request: Request, view: WorkspaceView, dispatch: Dispatch) -> tuple[dict, str] | None:
    """The adjust change `text` asks for on the whole photo, and why; None if it is not one."""
    try:
        body = dispatch(replace(request, text=text), view)
    except Unclear:
        return None
    if [s.tool for s in body.steps] != ["adjust"] or body.steps[0].args.get("invert"):
        return None
    return {k: v for k, v in body.steps[0].args.items() if k not in ("image", "mask")}, body.steps[0].why


def _on_background(
    match: re.Match[str], request: Request, view: WorkspaceView, dispatch: Dispatch
) -> Plan | None:
    """A tone on the background is the tone outside the main subject (detectors do not find
    "the background"): as "blur the background" does."""
    if rules_tones.pieces(match["pre"]):  # "sharpen it and blur the background": two changes, two places
        return None
    toned = _tone_of(f"{match['pre']} it{match['post']}", request, view, dispatch)
    if toned is None:
        return None
    change, why = toned
    steps, mask = masked_steps(main_subject(view), request, view)
    call = {"image": current_image(view), **change, "mask": mask, "invert": True}
    return Plan(steps=[*steps, Step(tool="adjust", args=call, why=f"{why} on the background")])
