"""Offline rules for a request about the user's selection (`agent.selection`).

With a selection on the photo, "remove it", "remove", "fill it with grass", "put a vase of
tulips here", "turn this into a pond", "make it red" and a bare description ("a vase of
tulips") are edits of that mask, found by no step. They are tried before the other rules;
requests that name an object ("remove the cat") are left to those, and the photo rules put
"make it brighter" or "cut it out" inside the selection themselves (`rules_photo._adjust`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from pixelsmith.agent.normalise import Request
from pixelsmith.agent.phrases import GENERIC_KIND
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import current_image, params_for
from pixelsmith.views import WorkspaceView

BLUR = 12.0  # px: "blur it" (a face, a number plate) hides it, as rules_photo's plain blur does
_AREA = r"(?:area|part|region|spot|bit|patch|place|zone)"
# what the selection is called: "it", "this", "here", "the selection", "the marked area"
_SELECTION = (
    rf"it|this|that|here|there|them|these|those|(?:the|this|my) selection|the selected {_AREA}"
    rf"|the (?:marked|masked|painted|highlighted) {_AREA}|(?:this|that|the) {_AREA}"
)
# "remove this person": the one selected (not where a new thing goes: "put sunglasses on this man")
_THIS_ONE = (
    r"(?:this|that) (?!(?:is|was|one|way|time|much|many|a|an|the|some|bit|part|background|foreground|sky|rest"
    r"|photo|picture|image|whole)\b)[a-z][\w-]*"
)
SELECTED = rf"(?:{_THIS_ONE}|{_SELECTION})"
_PLACE = rf"(?:here|there|in it|in there|inside(?: it)?|(?:in|on|into|onto|over|inside) (?:{_SELECTION}))"
_REMOVE = r"(?:remove|erase|delete|get rid of|clean up|clear|wipe(?: out)?|take (?:out|away)|cut away)"
# "a plate of croissants", not a degree or a shade: "a tiny bit warmer", "a darker shade"
_NEW_THING = (
    r"(?!(?:(?:tiny|wee|little|small) )?(?:bit|little|lot|touch|tad)\b|.*\b(?:shade|tone|hue|colou?r)$)"
)
# a question, a word to the planner, an edit not understood ("crop to this please") or a remark
# ("i can't make it out"): no thing to paint
_NOT_A_DESCRIPTION = re.compile(
    r"(?:what|how|why|who|when|where|which|can|could|would|will|is|are|do|does|did|hi|hello|hey|thanks|"
    r"thank|ok|okay|yes|no|help|undo|redo|stop|use|show|select|choose|pick|try|again|continue"
    r"|crop|zoom|rotate|turn|flip|mirror|resize|upscale|straighten|extend|sharpen|blur|brighten|darken"
    r"|save|export|cut|move|keep|i|i'm|i'd|i've|we|you|he|she|they|it's|its|there's)\b"
)

INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "crop to this", "zoom in here": the photo cut down to the selection
    (
        "crop",
        re.compile(
            r"(?:crop|zoom|punch|cut)(?: (?:it|down|in|right in|in closer|closer))?"
            rf"(?: (?:to|on|around|into|onto|in on))? (?:just |only )?(?:{_SELECTION})"
            r"|zoom(?: in| right in| in closer)?"  # "zoom in here": "in here" is said of the photo
        ),
    ),
    ("remove", re.compile(rf"{_REMOVE}(?: {SELECTED})?(?: (?:out|away|completely))?")),
    ("remove", re.compile(rf"make {SELECTED} (?:disappear|go away|vanish)")),
    ("remove", re.compile(rf"{SELECTED},? (?:gone|removed|deleted|begone|out)")),  # "that, gone"
    ("blur", re.compile(rf"(?:blur|soften|defocus|obscure|hide) {SELECTED}(?: out)?")),
    (
        "fill",
        re.compile(rf"(?:fill|replace|cover|swap)(?: in| up)?(?: {SELECTED})? (?:with|by) (?P<what>.+)"),
    ),
    (
        "fill",
        re.compile(
            rf"(?:put|place|add|draw|paint|insert|create|generate|make|show|i want|give me) "
            rf"(?P<what>.+?) {_PLACE}"
        ),
    ),
    ("fill", re.compile(rf"(?:turn|change|make|transform|convert) {SELECTED} (?:into|to) (?P<what>.+)")),
    # "make this bit a plate of croissants": a new thing there (not "make it a bit brighter")
    (
        "fill",
        re.compile(rf"(?:make|turn) {SELECTED} (?P<what>(?:an?|some) {_NEW_THING}.+)"),
    ),
    ("fill", re.compile(rf"(?P<what>.+?) {_PLACE}")),
    (
        "instruct",
        re.compile(
            rf"(?:make|colou?r|paint|dye) {SELECTED} "
            r"(?P<how>(?!\d|(?:bigger|larger|smaller|wider|taller|square|landscape|portrait)\b).+)"
        ),
    ),
)


# a person selected, said as one: "make him a bit brighter", "blur her", "remove them"
_PERSON = re.compile(
    r"\b(?:him|them|her(?=$|,| (?:a bit|a little|slightly|much|way|more|less|out|up|down)\b"
    r"| \w+er\b))"
)


def as_selected(request: Request, view: WorkspaceView) -> Request:
    """`request` with "him", "her" or "them" as "it" when there is a selection: what it names."""
    if not view.selection or not _PERSON.search(request.text):
        return request
    return replace(request, text=_PERSON.sub("it", request.text))


def plan(request: Request, view: WorkspaceView) -> Plan | None:
    """The plan for `request` as an edit of `view.selection`, or None when it is not one."""
    if not view.selection:
        return None
    for name, pattern in INTENTS:
        if match := pattern.fullmatch(request.text):
            return HANDLERS[name](match, request, view)
    return None


def described(request: Request, view: WorkspaceView) -> Plan | None:
    """A description alone ("a vase of tulips") is what to paint in the selection; tried
    after every other rule, so it never takes a request they understand. A text of several
    clauses is one only when it starts with "a" or "some" ("a vase, tall and blue"); else its
    clauses are tried ("the left half is too dark, brighten it")."""
    text = request.text.strip()
    if not view.selection or "?" in request.message or _NOT_A_DESCRIPTION.match(text):
        return None
    if "," in text and not re.match(r"(?:an?|some) ", text):
        return None
    if len(text.split()) < 1 or not re.search(r"[a-z]", text):
        return None
    return _paint(GENERIC_KIND.sub("", text) or text, request, view)


def _remove(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    args = {"image": current_image(view), "mask": view.selection, **params_for("remove", request)}
    return Plan(steps=[Step(tool="remove", args=args, why=f"erase the selection ({view.selection})")])


def _fill(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    return _paint(match["what"], request, view)


def _paint(what: str, request: Request, view: WorkspaceView) -> Plan:
    prompt = re.sub(r"^(?:with |some )", "", what.strip()) or what
    args = {"image": current_image(view), "mask": view.selection, "prompt": prompt}
    args |= params_for("inpaint", request)
    return Plan(steps=[Step(tool="inpaint", args=args, why=f"paint {prompt} in the selection")])


def _blur(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    args = {"image": current_image(view), "mask": view.selection, "blur": BLUR}
    args |= params_for("adjust", request)
    return Plan(steps=[Step(tool="adjust", args=args, why=f"blur the selection ({view.selection})")])


def _crop(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    args = {"image": current_image(view), "around": view.selection}
    return Plan(steps=[Step(tool="crop", args=args, why=f"crop to the selection ({view.selection})")])


def _instruct(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    prompt = f"make it {match['how']}"
    args = {"image": current_image(view), "mask": view.selection, "prompt": prompt}
    args |= params_for("instruct", request)
    return Plan(steps=[Step(tool="instruct", args=args, why=f"{prompt}, inside the selection")])


Handler = Callable[[re.Match[str], Request, WorkspaceView], Plan]
HANDLERS: dict[str, Handler] = {
    "crop": _crop,
    "remove": _remove,
    "blur": _blur,
    "fill": _fill,
    "instruct": _instruct,
}
