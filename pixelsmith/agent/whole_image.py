"""The offline planner's whole-image intents, tried before the object ones: instructions
("make it winter", "make the sky stormy"), restyling ("as a pencil sketch", "in the style
of van gogh"), extending the canvas ("extend it to the left", "make it 16:9", "zoom out")
and their follow-ups ("stronger", "less"). Each vocabulary is closed, so "make the cat
red" or "turn the cat into a dragon" still reach the object intents."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pixelsmith.agent.normalise import Request
from pixelsmith.agent.phrases import COLOUR_PHRASE, NUM, Intent, to_int
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import (
    current_image,
    find_steps,
    params_for,
    rerun,
    subject_of,
    unclear,
)
from pixelsmith.agent.vocabulary import alt, entries, pairs, pattern
from pixelsmith.views import WorkspaceView

# -- vocabularies (pixelsmith/data/words/scene.txt) ------------------------------------------
_CONDITION = rf"(?:{pattern('scene', 'condition words')} )?{pattern('scene', 'conditions')}"
_ADDABLE = pattern("scene", "addable")
RESTORATIONS = pairs("scene", "restorations")
_PHOTO = r"(?:photo|picture|image|pic)"
_STYLE = pattern("scene", "styles")
_WHOLE = (
    r"(?:it|this|that|everything|(?:the|this|that|my|our) (?:whole |entire )?(?:[\w-]+ )?"
    r"(?:image|picture|photo|photograph|scene|shot|thing|pic|selfie|portrait|canvas))"
)
_GENTLY = pattern("scene", "gently")
_FULLY = pattern("scene", "fully")
_SIDE = pattern("scene", "sides")
_EXTEND = pattern("verbs", "extend")
RATIOS = {name: tuple(ratio.split(":")) for name, ratio in pairs("scene", "ratios").items()}
_WHERE_IN = (
    r"(?: on the (?:left|right)| in the (?:middle|centre|center|back|front))?"  # "the woman on the right"
)
_ANIMATE = rf"(?:the|my|our|his|her|their|this|that) (?:[\w-]+ )?{pattern('nouns', 'animate')}"
_PEOPLE = rf"(?:{pattern('nouns', 'people')}|{_ANIMATE}){_WHERE_IN}"
_POSES = rf"{pattern('scene', 'poses')}(?: (?:up|down|nicely|properly|still|straight|upright|please))*"
_LOOKS = rf"(?:{pattern('scene', 'looks')}|{_POSES})"
_FEATURES = pattern("scene", "features")
_PLACES = pattern("scene", "places")
# a feature with a word or two before it: "a friendly smile", "some red lipstick"
_FEATURE = (
    rf"(?:{_FEATURES}|(?:an? |some )?(?:[\w-]+ ){{0,2}}?(?:smile|grin|frown|expression|beard|moustache"
    r"|mustache|tan|freckles|makeup|lipstick|hair|haircut|glasses|sunglasses|tattoo|wrinkles|eyeliner|blush"
    r"|outline|glow|halo))"
)
_NAMED_RATIO = alt(map(re.escape, RATIOS))
# "16 9", "4x5", "3 by 2": two numbers, never the digits of one ("180" is no "18:0")
_RATIO = rf"(?P<w>[1-9]\d*(?:\.\d+)?) ?(?:x|by|to| ) ?(?P<h>[1-9]\d*(?:\.\d+)?)|(?P<named>{_NAMED_RATIO})"
ADJECTIVE_STYLES = entries("scene", "adjective styles")
DEFAULT_SHARE = 0.25  # of the width (left/right) or height (top/bottom) added per side when unsaid


def _intent(name: str, pattern: str) -> Intent:
    return Intent(name, re.compile(pattern))


_REDRAW = pattern("verbs", "redraw")
_HOW = rf"(?:{_GENTLY}|{_FULLY})"
# "the sky", "those trees": no article inside, so "the sky a sunset" is not a part
_PART = r"(?:the|that|this|those|these)(?: (?!(?:an?|some|look)\b)[\w-]+){1,4}?"
_MORE_OF = (
    r"(?P<what>sky|ground|floor|foreground|space|room|background|scene|canvas|of the scene|of the room)"
)

INTENTS = (
    # extend the canvas
    _intent("outpaint_ratio", rf"(?:(?:make|crop|change|turn|set|extend|expand|reframe|convert)(?: {_WHOLE})?"
                              rf"(?: to| into| in| as)? (?:an? )?)?"
                              rf"(?:(?:portrait|landscape|vertical|horizontal) )?(?:{_RATIO})"
                              r"(?: aspect(?: ratio)?| ratio| format| orientation| shape| image| picture)?"),
    _intent("outpaint_zoom", r"(?:pull|zoom|step|move) back(?P<gently> a bit| a little)?"),
    _intent("outpaint_zoom", rf"zoom out(?P<gently> {_GENTLY}| more| a lot| much more)?(?: on {_WHOLE})?"
                             r"(?:,? (?:and )?show (?:me )?more of the [\w ]+)?"),  # "..., show more of it"
    _intent("outpaint_wider", rf"make {_WHOLE} (?P<way>wider|taller|bigger|larger)"
                              r"(?: (?:on|at) (?:both|all|each|either) (?:sides|edges|ends))?"
                              rf"(?:,? (?:perhaps |maybe |say |to |about |like )?(?:{_RATIO}))?"),
    _intent("outpaint_more", rf"(?:(?:show|paint|add) )?more (?:on|at) (?:the )?(?P<side>{_SIDE})"),
    _intent("outpaint_more", r"(?:show|include|give me) more of (?:the )?(?P<what>[\w ]+?)"
                             r"(?: around (?:them|it|him|her|us))?"),
    _intent("outpaint_more", r"(?:add|show|give me|give it|i want|i need|need|include)"
                             rf" (?:some |a bit )?more {_MORE_OF}"
                             rf"(?: (?:on|at|to) (?:the )?(?P<side>{_SIDE}))?"
                             r"(?:,? (?:about |around |roughly |say )?(?P<px>\d{1,4}) ?(?:px|pixels))?"),
    _intent("outpaint_more", rf"add (?P<px>\d{{1,4}}) ?(?:px|pixels)(?: (?:of )?(?:extra |more )?{_MORE_OF})?"
                             rf"(?: (?:on|at|to) (?:the )?(?P<side>{_SIDE}))?(?: sides?| edges?)?"),
    _intent("outpaint", rf"{_EXTEND}(?: out)?(?: {_WHOLE}| the (?:canvas|frame|background|borders?|edges?))?"
                        rf"(?: (?:(?:to|on|at|towards?|in|into|from) )?(?:the )?(?P<side>{_SIDE}))?"
                        r"(?: side| edge)?"
                        rf"(?: (?:by )?(?P<amount>\d+|{NUM}) ?(?P<unit>px|pixels|%|percent)?)?"),
    _intent("outpaint", rf"{_EXTEND}(?: out)?(?: {_WHOLE}| the (?:canvas|frame))?(?: by)? "
                        rf"(?P<amount>\d+|{NUM}) ?"
                        r"(?P<unit>px|pixels|%|percent)? (?:(?:to|on|at|towards?) (?:the )?)?"
                        rf"(?P<side>{_SIDE})(?: side)?"),
    # redraw in a style
    _intent("restyle", rf"(?:(?P<how>{_HOW}) )?{_REDRAW}(?: {_WHOLE})?(?: (?P<how2>{_HOW}))?"
                       rf"(?: into| to| as| look like| like| in)? (?:an? |the )?(?P<style>{_STYLE})"
                       r"(?: style| version| look| drawing| painting| illustration| picture| image)?"),
    _intent("restyle", rf"(?:(?:make|render|redo|do|paint|draw) {_WHOLE} )?(?:in|as) (?:an? |the )?"
                       rf"(?P<style>{_STYLE})(?: style| version)?"),
    _intent("restyle", rf"(?P<style>{_STYLE}) (?:style|version|look)"),
    _intent("restyle", rf"(?:(?:make|render|redo|do|paint|draw|restyle) {_WHOLE} )?(?:in|like) the style of "
                       r"(?P<artist>.+)"),
    _intent("restyle", rf"(?:restyle|stylize|stylise) {_WHOLE}(?: as| like| in| into)? (?P<free>.+)"),
    # instructions on the whole image or a part of it
    _intent("instruct", rf"(?:make|turn|change) {_WHOLE}(?: look| feel| seem)?(?: like)?(?: it'?s)?"
                        rf"(?: (?:into|to))?(?: an?)? (?P<cond>{_CONDITION})"
                        r"(?: time| scene| season| weather)?(?P<extra> with [\w ]+)?"),
    _intent("instruct", rf"make (?:{_WHOLE}|the [\w ]+?) look (?:like )?(?:it was|it's been) "
                        r"(?:photographed|taken|shot) "
                        rf"(?:at|in|during|on) (?:an? |the )?(?P<cond>{_CONDITION})"),
    _intent("instruct", rf"give {_WHOLE} (?:an? )?(?P<cond>(?:{_CONDITION})(?: {_CONDITION})?) "
                        r"(?:feel|feeling|look|vibe|mood|atmosphere)"),
    _intent("instruct", rf"(?:what if|imagine|pretend) (?:it|this) (?:was|were|is) (?P<cond>{_CONDITION})"),
    _intent("instruct", rf"(?:add|put|make it) (?:some |more |a (?:bit|little|touch|few)(?: more)?(?: of)? )?"
                        rf"(?P<add>{_ADDABLE})"
                        r"(?: (?:falling|floating|flying|hanging|drifting|rolling|lying|everywhere"
                        r"|all over))*"
                        r"(?: (?P<prep>to|in|into|on|over|across) "
                        rf"(?:{_WHOLE}|(?P<place>{_PLACES})))?"),
    # an old photo mended: "colourise it", "remove the dust and scratches", "restore this old photo"
    _intent("instruct", rf"(?!(?:restore|repair)(?: (?:it|this|that)(?: {_PHOTO})?$| the (?:original|previous"
                        rf"|earlier|first|{_PHOTO})\b| to\b|$))"  # "restore the original photo": a revert
                        rf"(?P<fix>{alt(map(re.escape, RESTORATIONS))})"
                        rf"(?: (?:to |in )?(?:{_WHOLE}|the (?:old )?(?:photo|picture|image|print|scan)))?"
                        r"(?: (?:back )?in| back)?(?: (?:from|on|in) [\w ]+)?"),
    # expressions and looks of a person (or a pet): "make her smile", "give him a beard"
    _intent("instruct", rf"(?:make|let) (?P<who>{_PEOPLE}) (?P<how>(?:look |seem |appear |be )?{_LOOKS})"
                        r"(?: (?:a (?:bit|little|lot) |much )?more)?"),
    _intent("instruct", rf"make (?P<who>{_PEOPLE}) look like "
                        r"(?:i'?m|i am|he'?s|she'?s|they'?re|he is|she is) "
                        rf"(?P<age>\d+|{NUM})(?: years old)?"),
    _intent("instruct", rf"what would (?P<who>{_PEOPLE}) look like (?:with )?(?P<how>{_LOOKS}|{_FEATURE})"),
    _intent("instruct", r"(?P<how>(?:open|close) (?:her|his|their|my|the baby's) (?:eyes|mouth))"),
    _intent("instruct", rf"(?:give|add) (?P<who>{_PEOPLE}) (?P<feature>{_FEATURE})"),
    _intent("instruct", rf"(?:put|add|draw) (?P<feature>{_FEATURE}) (?:on|to|round|around) "
                        rf"(?P<who>{_PEOPLE})"),
    _intent("instruct", rf"(?P<who>{_PEOPLE}) (?:should|could|must|needs to|might|would|can) "
                        rf"(?:be (?:shown|made|seen) )?(?P<how>(?:look |seem |be )?{_LOOKS})"),
    _intent("instruct", rf"(?:can|could|would|will|might|have|get) (?P<who>{_PEOPLE}) (?:to )?"
                        rf"(?P<how>(?:look |seem |be )?{_POSES})"),
    _intent("instruct", rf"(?:put|add) (?P<feature>{_FEATURES}) (?:on|to) (?P<who>{_PEOPLE})"),
    _intent("instruct", rf"(?:give|add) (?P<who>{_PEOPLE}) (?P<feature>{_FEATURES})"),
    _intent("instruct_region", rf"make (?P<object>{_PART}) (?:look )?"
                               rf"(?P<cond>(?:{COLOUR_PHRASE} and )?{_CONDITION})"),  # "blue and sunny"
    # follow-ups of a restyle or an instruction
    _intent("instruct", rf"(?:change|set|switch) the (?:season|weather|time of day|time|lighting|light) "
                        rf"(?:to|into) (?:an? )?(?P<cond>{_CONDITION})"),
    _intent("instruct", rf"(?:turn|change) (?:the )?(?:day|daytime|daylight) (?:into|to) (?:an? )?"
                        rf"(?P<cond>{_CONDITION})"),
    _intent("instruct", rf"(?:set|put|place) (?:{_WHOLE}|the scene) "
                        r"(?:(?:at|in|during|on|into) )?(?:an? |the )?"
                        rf"(?P<cond>{_CONDITION})"),
    _intent("instruct", rf"(?:what would|how would) {_WHOLE} look (?:like )?(?:at|in|during|on|with|under) "
                        rf"(?:an? |the )?(?P<cond>{_CONDITION})"),
    _intent("stronger", r"(?P<way>go further|push it further|further|go more)(?: still| please)?"),
    _intent("stronger", r"(?P<way>tone) (?:it|that|this) down(?: a (?:bit|little|touch))?"),
    _intent("stronger", r"(?:make it |do it |a bit |a little |much |even )?(?P<way>stronger|more|weaker|less"
                        r"|subtler|softer|more subtle|less strong|not so much|too much|harder|more intense)"
                        r"(?: please| of (?:it|that)| effect| strong)?"),
)  # fmt: skip

# a look said in free words ("turn it into a stained glass window", "make it look like a faded
# polaroid"): tried after placing a new object, so a closed vocabulary wins where it can
OPEN_INTENTS = (
    _intent("restyle", rf"(?:turn|transform|convert|change) {_WHOLE} into (?P<free>(?:an?|the) .+)"),
    _intent("restyle", rf"make {_WHOLE} look like (?P<free>(?:an?|the) .+)"),
    _intent("restyle", r"(?:make|create|do|give me) an? (?P<free>.+?) version"
                       rf"(?: of (?:this|it|that|{_WHOLE}))?"),
    _intent("restyle", rf"(?:paint|draw|redo|do|redraw) {_WHOLE} (?:the way|like|as) "
                       r"(?P<artist>[\w ]+?) would"
                       r"(?: (?:paint|draw|do) it)?"),
    _intent("restyle", rf"(?:make|render|do|redo) {_WHOLE} in (?:an? |the )?(?P<free>[\w -]+? style)"),
)  # fmt: skip


# -- handlers ----------------------------------------------------------------------------------
def _size(view: WorkspaceView) -> tuple[int, int]:
    found = view.get(current_image(view))
    if found is None or not found.size:
        raise unclear(
            "I do not know the size of the current image; say the pixels, e.g. 'extend left by 200 px'."
        )
    return found.size


def _extend(request: Request, view: WorkspaceView, why: str, **sides: int) -> Plan:
    args = {"image": current_image(view), **sides, **params_for("outpaint", request)}
    return Plan(steps=[Step(tool="outpaint", args=args, why=why)])


def _sides(side: str, width: int, height: int, share: float) -> dict[str, int]:
    across, down = round(width * share), round(height * share)
    if side in ("left", "right"):
        return {side: across}
    if side in ("top", "up", "upwards", "upward", "above"):
        return {"top": down}
    if side in ("bottom", "down", "downwards", "downward", "below"):
        return {"bottom": down}
    if side in ("sides", "both sides", "left and right", "each side"):
        return {"left": across, "right": across}
    if side == "top and bottom":
        return {"top": down, "bottom": down}
    return {"left": across, "right": across, "top": down, "bottom": down}  # everywhere, all sides


def _outpaint(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    side = match["side"]
    if not side:
        raise unclear(
            "Which way should I extend it: left, right, up, down, all sides, or to a ratio such as 16:9?"
        )
    width, height = _size(view)
    amount, unit = match["amount"], match["unit"] or "px"
    if amount and unit in ("%", "percent"):
        sides = _sides(side, width, height, to_int(amount) / 100)
    elif amount:
        sides = {k: to_int(amount) for k in _sides(side, width, height, DEFAULT_SHARE)}
    else:
        sides = _sides(side, width, height, DEFAULT_SHARE)
    return _extend(
        request, view, f"extend the picture ({', '.join(f'{k} {v} px' for k, v in sides.items())})", **sides
    )


def _outpaint_ratio(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    w, h = RATIOS[match["named"]] if match["named"] else (match["w"], match["h"])
    aspect = f"{w}:{h}"
    args = {"image": current_image(view), "aspect": aspect, **params_for("outpaint", request)}
    return Plan(steps=[Step(tool="outpaint", args=args, why=f"extend the picture to {aspect}")])


def _outpaint_zoom(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    gently = (match.groupdict().get("gently") or "").strip()
    share = 0.125 if gently and gently not in ("more", "a lot", "much more") else 0.25
    share = 0.5 if gently in ("a lot", "much more") else share
    width, height = _size(view)
    return _extend(request, view, "zoom out: extend every side", **_sides("all sides", width, height, share))


def _outpaint_wider(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    if match["w"] or match["named"]:  # the shape said: "make it wider on both sides, perhaps 16:9"
        return _outpaint_ratio(match, request, view)
    side = {"wider": "both sides", "taller": "top and bottom"}.get(match["way"], "all sides")
    return _extend(request, view, f"make it {match['way']}", **_sides(side, *_size(view), DEFAULT_SHARE))


def _outpaint_more(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    said = match.groupdict()
    what = said.get("what") or "of the scene"
    side = said.get("side") or {
        "sky": "top",
        "ground": "bottom",
        "floor": "bottom",
        "foreground": "bottom",
    }.get(what, "all sides")
    sides = _sides(side, *_size(view), DEFAULT_SHARE)
    if said.get("px"):  # "add more floor at the bottom, about 200 pixels"
        sides = dict.fromkeys(sides, int(said["px"]))
    plan = _extend(request, view, f"show more {what}", **sides)
    if what in ("sky", "ground", "floor", "foreground"):
        plan.steps[0].args.setdefault("prompt", f"more {what}, a seamless natural continuation of the scene")
    return plan


def _restyle(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    groups = match.groupdict()
    if groups.get("artist"):
        prompt = f"in the style of {groups['artist']}"
    elif groups.get("free"):
        prompt = groups["free"]
    else:
        style = groups["style"]
        if style in ADJECTIVE_STYLES:  # "anime style", not "an anime"
            prompt = f"{style} style"
        else:
            prompt = f"{'an' if style[0] in 'aeiou' else 'a'} {style}"
    how = groups.get("how") or groups.get("how2") or ""
    args: dict[str, Any] = {"image": current_image(view), "prompt": prompt}
    if re.fullmatch(_GENTLY, how):
        args["strength"] = 0.4
    elif how:
        args["strength"] = 0.85
    args |= params_for("restyle", request)
    return Plan(steps=[Step(tool="restyle", args=args, why=f"redraw it as {prompt}")])


def _instruction(match: re.Match[str]) -> str:
    said = match.groupdict()
    if said.get("fix"):
        return RESTORATIONS[said["fix"]]
    if said.get("feature"):
        return f"give {said['who']} {said['feature']}"
    if said.get("how") and said.get("who"):
        return f"make {said['who']} {said['how']}"
    if said.get("add"):
        return f"add {said['add']}" + (
            f" {said.get('prep') or 'in'} {said['place']}" if said.get("place") else ""
        )
    if said.get("age"):
        return f"make {said['who']} look {said['age']} years old"
    if said.get("how"):  # "open her eyes"
        return said["how"]
    return f"make it {said['cond']}{said.get('extra') or ''}"


def _instruct(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    prompt = _instruction(match)
    args = {"image": current_image(view), "prompt": prompt, **params_for("instruct", request)}
    return Plan(steps=[Step(tool="instruct", args=args, why=prompt)])


def _instruct_region(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    subject = subject_of(match["object"], view)
    prompt = f"make the {subject.words} {match['cond']}"
    args = {"image": current_image(view), "mask": "$2", "prompt": prompt, **params_for("instruct", request)}
    return Plan(
        steps=[*find_steps(subject, request, view, cut=True), Step(tool="instruct", args=args, why=prompt)]
    )


def _stronger(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    edit = view.last_edit
    more = match["way"] in (
        "stronger",
        "more",
        "harder",
        "more intense",
        "go further",
        "push it further",
        "further",
        "go more",
    )
    if edit is not None and edit.tool == "perspective":  # the lines straightened further, or less
        change = {k: round(max(-1.0, min(1.0, float(v) * (1.5 if more else 0.5))), 3)
                  for k, v in edit.args.items() if k in ("vertical", "horizontal") and v}  # fmt: skip
        return Plan(steps=[rerun(view, request, f"the same, {'more' if more else 'less'}", **change)])
    if edit is not None and edit.tool == "adjust":
        return Plan(
            steps=[rerun(view, request, f"the same, {'more' if more else 'less'}", **_toned(edit.args, more))]
        )
    if edit is None or edit.tool not in ("restyle", "instruct", "inpaint"):
        raise unclear("There is no restyle or instruction to make stronger or weaker yet.")
    if edit.tool == "instruct":  # the photo's weight: lower lets the instruction change more
        now = float(edit.args.get("image_guidance_scale") or 1.5)
        change = {"image_guidance_scale": round(max(0.5, now * 0.7) if more else min(5.0, now * 1.4), 2)}
    else:
        now = float(edit.args.get("strength") or (0.6 if edit.tool == "restyle" else 1.0))
        change = {"strength": round(min(1.0, now + 0.2) if more else max(0.1, now - 0.2), 2)}
    word = "stronger" if more else "less strong"
    return Plan(steps=[rerun(view, request, f"the same, {word}", **change)])


def _toned(args: dict[str, Any], more: bool) -> dict[str, Any]:
    """An adjustment's changes half as far again ("more") or half as far ("less")."""
    times = 1.5 if more else 0.5
    change: dict[str, Any] = {}
    for name in ("brightness", "contrast", "saturation", "sharpness", "gamma"):
        if name in args and args[name] != 1.0:
            change[name] = round(max(0.0, 1 + (float(args[name]) - 1) * times), 3)
    for name, top in (("warmth", 1.0), ("vignette", 1.0), ("blur", 100.0)):
        if args.get(name):
            change[name] = round(max(-top, min(top, float(args[name]) * times)), 3)
    return change


Handler = Callable[[re.Match[str], Request, WorkspaceView], Plan]
HANDLERS: dict[str, Handler] = {
    "outpaint": _outpaint,
    "outpaint_ratio": _outpaint_ratio,
    "outpaint_zoom": _outpaint_zoom,
    "outpaint_wider": _outpaint_wider,
    "outpaint_more": _outpaint_more,
    "restyle": _restyle,
    "instruct": _instruct,
    "instruct_region": _instruct_region,
    "stronger": _stronger,
}
