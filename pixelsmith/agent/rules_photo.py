"""The offline planner's everyday photo operations: tones ("make it brighter", "increase the
contrast a little", "black and white", "make the sky brighter", "blur the background"),
crop, rotate, flip, resize, upscale, cut-outs ("cut out the cat", "remove the background")
and a new background (placing a new object is `rules_place`). Tried before the other intents: their
vocabularies are closed (`data/words/photo.txt`), so "make the cat red" still reaches the
object intents. Amounts: "a little" is 10%, none said 25%, "a lot" 50%, "by 30%" 30%.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pixelsmith.agent import rules_frame
from pixelsmith.agent.normalise import Request
from pixelsmith.agent.phrases import NUM, Intent, to_int
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import (
    current_image,
    find_steps,
    main_subject,
    masked_steps,
    params_for,
    subject_of,
)
from pixelsmith.agent.vocabulary import pairs, pattern
from pixelsmith.agent.whole_image import RATIOS
from pixelsmith.views import WorkspaceView

TONES = {name: pattern("photo", name) for name in (
    "brighter", "darker", "more contrast", "less contrast", "more saturated", "less saturated", "warmer",
    "cooler")}  # fmt: skip
# the adjust argument and the way each tone word moves it
TONE_ARG = {
    "brighter": ("brightness", 1), "darker": ("brightness", -1), "more contrast": ("contrast", 1),
    "less contrast": ("contrast", -1), "more saturated": ("saturation", 1),
    "less saturated": ("saturation", -1), "warmer": ("warmth", 1), "cooler": ("warmth", -1),
}  # fmt: skip
NOUNS = pairs("photo", "tone nouns")
BACKGROUND_BLUR = 8.0  # px, "blur the background"
# regions of the photo or of a mask, not things to hide: "blur the edges", "blur the rest"
_NOT_A_PART = r"(?!(?:the|its) (?:background|backdrop|foreground|edges?|corners?|borders?|rest|mask|selection"
_NOT_A_PART += r"|sides?)\b)"
PART_BLUR = 16.0  # px, "blur his face": past recognising
_PHOTO = r"(?:image|picture|photo|photograph|shot|canvas)"
# a request that names the whole photo is about all of it, whatever is selected
_NAMES_WHOLE = re.compile(rf"\b(?:{_PHOTO}|everything|whole|entire|all over)\b")
_WHOLE = rf"(?:it|this|that|everything|(?:the|this|that|my) (?:whole |entire )?(?:{_PHOTO}|thing|scene))"
_AMOUNTS = rf"{pattern('photo', 'a little')}|{pattern('photo', 'a lot')}"
_AMOUNT = rf"(?P<amount>{_AMOUNTS})"
_PCT = r"(?:,? (?:by )?(?P<pct>\d{1,3}) ?(?:%|percent))?"  # "by 20%", "warm it 10%"
_PCT_BEFORE = r"(?P<pct2>\d{1,3}) ?(?:%|percent) "  # "20% brighter"
_ANY_TONE = "|".join(f"(?P<t{i}>{p})" for i, p in enumerate(TONES.values()))
# an object; "the colours", "the lighting" are the whole photo's
PART = (
    r"(?:the|that|this|those|these|his|her|its|their|my) "
    r"(?!(?:image|picture|photo|colou?rs|tones|lighting|light|exposure|whole)\b)[\w' -]+?"
)
# an object that does not run on into a second request: "crop to the cat and then make it 16:9"
_PART_ONE = PART.replace(r"[\w' -]+?", r"(?:(?! and (?:then |also )?[a-z]+ (?:it|the|this|that)\b)[\w' -])+?")
_BW = pattern("photo", "black and white")
_CLEAR = (
    r"(?:make |leave )?(?:the |a )?(?:background )?(?:transparent|see-through|see through)(?: background)?"
    r"|(?:with )?no background|without (?:a |the |any )?background"
)
_LOOK = rf"the (?:colou?rs|tones|lighting|light)(?: (?:of|in) {_WHOLE})?"
# "give the car a chrome finish", "give the boy a big grin": a look or a material, not an object
LOOKS = (
    r"(?:[\w-]+ )*?(?:finish|look|texture|coat|colou?r|makeover|style|grin|smile|frown|expression|tan"
    r"|haircut|hairstyle)$"
)
_FILTER = r"(?:look|feel|effect|filter|finish|style)"
# an object phrase that does not run on into a second request ("cut out the cat and make it ...")
_ONE = r"(?:(?:,| and) (?:make|turn|then|crop|resize|rotate|flip|upscale|scale|blur|add|put|remove)\b)"
_ONE = rf"(?:(?!{_ONE}).)+?"
_RATIO = rf"\d+(?:\.\d+)? ?(?:[:x/ ]|by) ?\d+(?:\.\d+)?|{'|'.join(map(re.escape, RATIOS))}"
_DETAIL = r" with (?:more|better|extra|added|proper|real|fine|full) (?:detail|details)| with detail recovery"
_DIR = r"(?P<dir>clockwise|counter-?clockwise|anti-?clockwise|to the left|to the right|left|right)"


def _intent(name: str, text: str) -> Intent:
    return Intent(name, re.compile(text))


INTENTS = (
    # a vignette ("add a subtle vignette", "darken the corners"), before a part's tone takes "the corners"
    _intent("vignette", rf"(?:(?:add|apply|put|use|do|give {_WHOLE}) )?(?:an? |some )?(?:{_AMOUNT} )?"
                        rf"(?:(?P<how>{pattern('photo', 'soft')}|{pattern('photo', 'strong')}) )?"
                        rf"(?:{pattern('photo', 'vignette')})(?: (?:to |on )?{_WHOLE})?{_PCT}"
                        r"(?: (?:around|on|at|in|to) the (?:edges|corners|sides))?"
                        r"(?:,? (?:at |of )?(?P<val>0?\.\d{1,2}))?"
                        rf"|(?:{pattern('photo', 'vignette verbs')})"),
    # tones on the whole photo, or on a part of it
    _intent("tone", rf"(?:(?:make|turn|get) (?:{_WHOLE}|{_LOOK}) )?(?:look )?(?:{_AMOUNT} |{_PCT_BEFORE})?"
                    rf"(?:{_ANY_TONE})"
                    rf"(?: tones?| colou?rs| tint| look)?{_PCT}(?: please)?"),
    _intent("tone", rf"(?:{_AMOUNT} )?(?:{_ANY_TONE}) (?:{_WHOLE}|{_LOOK})(?: up| down)?"
                    rf"(?: (?P<after>{_AMOUNTS}))?"
                    rf"{_PCT}"),
    _intent("tone", rf"(?P<dir>{pattern('photo', 'up')}|{pattern('photo', 'down')}) (?:the )?"
                    rf"(?P<noun>{'|'.join(NOUNS)})(?: (?:of|in|on) {_WHOLE})?(?: up| down)?"
                    rf"(?: {_AMOUNT})?{_PCT}"),
    _intent("tone", rf"(?:turn|tone|bring|dial|knock|pull|take|crank|pump|bump|push|ramp|jack) (?:the )?"
                    rf"(?P<noun>{'|'.join(NOUNS)})(?: (?:of|in|on) {_WHOLE})? (?P<dir>up|down)"
                    rf"(?: {_AMOUNT})?{_PCT}"),
    _intent("tone", rf"(?:(?:boost|push|bump|set) (?:the )?)?(?P<noun>{'|'.join(NOUNS)}) (?P<dir>up|down)"
                    rf"(?: {_AMOUNT})?"
                    r"(?:(?: by)? (?P<pct>\d{1,3}) ?(?:%|percent))?"),  # "contrast +20%", "contrast up a bit"
    _intent("tone_part", rf"(?P<dir>{pattern('photo', 'up')}|{pattern('photo', 'down')}) (?:the )?"
                         rf"(?P<noun>{'|'.join(NOUNS)}) (?:of|in|on) (?P<object>{PART})(?: only)?"
                         rf"(?: {_AMOUNT})?{_PCT}"),
    _intent("tone_part", rf"(?:turn|tone|bring|dial|knock|pull|take|push|bump) (?:the )?"
                         rf"(?P<noun>{'|'.join(NOUNS)}) (?P<dir>up|down) (?:of|in|on) (?P<object>{PART})"
                         r"(?: only)?"
                         rf"(?: {_AMOUNT})?{_PCT}"),  # "pull the highlights down in the sky only"
    _intent("tone_part", rf"make (?P<object>{PART}) (?:look )?(?:{_AMOUNT} )?(?:{_ANY_TONE}){_PCT}"),
    _intent("tone_part", rf"(?:{_ANY_TONE}) (?:just |only )?(?P<object>{PART})(?: (?P<after>{_AMOUNTS}))?"
                         rf"{_PCT}"),
    _intent("black_and_white", rf"(?:(?:make|turn|convert|change|render|show) {_WHOLE} )?(?:in|into|to|as)? ?"
                               rf"(?:an? )?(?:{_BW})(?: photo| image| picture| version| please)?"
                               r"(?:,? like .+)?"),
    _intent("sepia", rf"(?:(?:make|turn|convert|change) {_WHOLE} )?(?:in|into|to|as)? ?(?:a )?"
                     rf"{pattern('photo', 'sepia')}(?: photo| image| picture| version| tones?)?"
                     r"(?:,? like .+)?"),
    _intent("black_and_white", rf"(?:give|make) {_WHOLE} (?:an? )?(?:{_BW}) {_FILTER}"),
    _intent("negative", rf"(?:(?:make|turn) {_WHOLE} (?:into )?(?:an? )?)?{pattern('photo', 'negative')}"
                        rf"(?: {_WHOLE})?(?:,? like .+)?"),
    _intent("sepia", rf"give {_WHOLE} (?:an? )?{pattern('photo', 'sepia')} (?:tone|tint|wash|{_FILTER})"
                     r"(?:,? like .+)?"),
    _intent("auto_levels", rf"(?:do |apply |run )?{pattern('photo', 'auto levels')}"
                           rf"(?: the (?:levels|colou?rs|exposure|lighting|contrast))?"
                           rf"(?: (?:(?:on|of|to) )?{_WHOLE})?"),
    _intent("sharpen", rf"sharpen(?: {_WHOLE})?(?: up)?(?: {_AMOUNT})?"
                       r"|(?:add|apply|do) (?:some |a bit of |a little |moderate |light |gentle |strong )?"
                       r"(?:output |capture |final )?sharpening"),
    _intent("blur_background", r"(?:blur|soften|defocus)(?: out)? (?:the |its )?background"
                               rf"(?: (?P<amount2>{_AMOUNTS}|more))?"
                               r"(?: (?:behind|around) (?P<object>(?:the |my |his |her |their )?[\w' -]+?))?"
                               r"(?:,? (?:with|by|to) (?:an? )?(?P<px>\d{1,2}(?:\.\d)?) ?(?:px|pixels?)"
                               r"(?: radius| blur)?)?"
                               r"|(?:make|put) the background (?:blurry|blurred|out of focus|soft)"
                               r"|(?:add )?(?:a )?(?:bokeh|portrait mode)(?: effect)?"),
    _intent("blur", rf"(?:blur|soften) {_WHOLE}(?: (?:{_AMOUNT}))?"
                    rf"|make {_WHOLE} (?:{_AMOUNTS} )?(?:blurry|blurred|soft)"),
    # a part hidden ("blur the licence plate", "pixelate his face"): blurred past recognising
    _intent("blur_part", rf"(?:{pattern('photo', 'blur a part')}) {_NOT_A_PART}(?P<object>{_PART_ONE})"
                         rf"(?: (?:{_AMOUNT}))?"),
    # geometry
    _intent("crop_ratio", rf"crop (?:{_WHOLE} )?(?:to |into |as |for )?(?:a |an )?(?P<ratio>{_RATIO})"
                          r"(?: ratio| format| shape| aspect(?: ratio)?)?(?: portrait| landscape)?"),
    _intent("crop_ratio", rf"(?:make it )?(?:an? )?(?P<ratio>{'|'.join(map(re.escape, RATIOS))}"
                          r"|\d+ ?[:x/ ] ?\d+) crop"
                          r"(?: it| please)?"),
    # "crop it to a square around the cat", "a square crop with the dog in the middle"
    _intent("crop_object", rf"(?:crop (?:{_WHOLE} )?(?:to |into |as )?(?:an? )?(?P<ratio>{_RATIO})(?: crop)?"
                           rf"|(?:make it )?(?:an? )?(?P<ratio2>{_RATIO}) crop)"
                           rf" (?:around|on|with|centred on|centered on|keeping|of) (?P<object>{_PART_ONE})"
                           r"(?: (?:in the|at the) (?:middle|centre|center))?"),
    _intent("crop_object", rf"crop (?:{_WHOLE} )?(?:(?:in )?(?:tight(?:ly)?|close(?:ly)?) )?"
                           rf"(?:(?:to|around|down to|in on|on|in to) )?(?P<object>{_PART_ONE})"),
    _intent("rotate", rf"(?:rotate|turn|spin|tilt|straighten) (?:{_WHOLE} )?(?:by )?"
                      r"(?:about |around |roughly |approximately |some |just )?"
                      rf"(?P<deg>\d{{1,3}}(?:\.\d+)?|{NUM}) ?"
                      rf"(?:degrees?|deg|°)?(?: {_DIR})?"),
    _intent("rotate", rf"(?:rotate|turn) (?:{_WHOLE} )?{_DIR}"),
    _intent("flip", rf"flip (?:{_WHOLE} )?(?P<way>upside down)"),  # mirrored top to bottom: a flip
    _intent("upside_down", rf"(?:turn|rotate) {_WHOLE} upside down|upside down"
                           rf"|(?:turn|flip|rotate|put|get) {_WHOLE} (?:back )?(?:the )?right"
                           r" (?:way|side) up"),
    _intent("flip", rf"(?:flip|mirror) (?:{_WHOLE})?(?: round| around| over)?"
                    r"(?: (?P<way>horizontally|vertically|left to right|right to left|top to bottom"
                    r"|sideways))?"),
    _intent("resize", rf"(?:make|resize|scale|shrink) (?:{_WHOLE} )?(?:to )?(?P<w>\d{{2,5}}) ?(?:px|pixels)? "
                      r"(?:wide|across|in width)"),
    _intent("resize", rf"(?:make|resize|scale|shrink) (?:{_WHOLE} )?(?:to )?(?P<h>\d{{2,5}}) ?(?:px|pixels)? "
                      r"(?:tall|high|in height)"),
    _intent("resize", rf"(?:resize|scale) (?:{_WHOLE} )?to (?P<w2>\d{{2,5}}) ?(?:x|by) ?(?P<h2>\d{{2,5}})"
                      r"(?: ?px| pixels)?"),
    # a bare size: "1080x1080 for insta" (a crop to its shape first: never stretched)
    _intent("resize", rf"(?:make {_WHOLE} )?(?P<w2>\d{{3,5}}) ?x ?(?P<h2>\d{{3,5}})(?: ?px| pixels)?"),
    _intent("resize", r"(?:at |to )?(?P<half>half|a quarter of|a third of) (?:the |its )?(?:original )?size"),
    _intent("resize", r"resize the long(?:est)? (?:edge|side) to (?P<long>\d{3,5})(?: ?px| pixels)?"),
    _intent("resize", rf"(?:resize|scale|shrink|make) (?:{_WHOLE} )?(?:to |by )?(?P<pct>\d{{1,3}}) ?"
                      r"(?:%|percent)(?: of (?:its|the) (?:size|original size))?"),
    _intent("resize", rf"(?:make|resize|shrink|scale) {_WHOLE} (?:down )?(?:to )?"
                      r"(?P<half>half|a quarter of|a third of) (?:the|its) (?:original )?size"
                      rf"|(?:make|shrink) {_WHOLE} smaller"),
    _intent("upscale", rf"(?:upscale|upsample|enlarge|super-?resolve)(?: {_WHOLE})?"
                       rf"(?: (?:by |to )?(?P<n>[234]) ?x| by (?P<n2>{NUM})| (?P<n3>{NUM}) times)?"
                       rf"(?:{_DETAIL})?"),
    _intent("upscale", rf"make {_WHOLE} (?:(?P<n3>{NUM}) times )?(?:bigger|larger)"
                       rf"(?:{_DETAIL}| and sharper"
                       r"| without (?:it )?(?:going |getting |looking |turning )?(?:all |too )?"
                       r"(?:pixelated|pixely|blurry|grainy|blocky)"
                       r"| without losing (?:quality|detail|sharpness))?"
                       r"|(?:increase|raise|double) the (?:resolution|size)"),
    _intent("sharper", rf"make {_WHOLE} (?:look )?(?:sharper|crisper|clearer|less blurry)"
                       r"|(?:enhance|improve|restore) the (?:detail|details|quality|sharpness)"
                       rf"|denoise(?: {_WHOLE})?|(?:reduce|remove|clean up|get rid of) (?:the |some )?"
                       r"(?:noise|grain|graininess)(?: in (?:it|the (?:photo|picture|image)))?"),
    # cut-outs
    _intent("cutout", rf"cut (?P<object>{_ONE}) out(?: of (?:the|this) {_PHOTO})?"
                      rf"(?: (?:and|with) (?:{_CLEAR})| (?:{_CLEAR}))?"),
    _intent("cutout", rf"cut out (?P<object>{_ONE})"
                      rf"(?:,? (?:and |with )?(?:{_CLEAR})| on (?:a )?(?:{_CLEAR}))?"),
    _intent("backdrop", rf"give {_WHOLE} (?P<what>(?:an?|some) .+?) (?:background|backdrop)"),
    _intent("backdrop", r"(?:put|place|move|show) (?P<who>(?:the|my|our|me|us|him|her|them)\b[\w' ]*?) "
                        r"(?:in front of|at|on|in|by|near|under) (?P<what>(?:the|a|an|some) .+)"),
    _intent("cutout_background", rf"(?:remove|delete|erase|get rid of|drop) the background|make (?:{_CLEAR})"
                                 r"|(?:give it|with) a transparent background"),
)  # fmt: skip


# -- handlers -------------------------------------------------------------------------------------
def _amount(match: re.Match[str]) -> float:
    """How much: a share of 1 (0.25 unless the words say)."""
    said = match.groupdict()
    if pct := said.get("pct") or said.get("pct2"):
        return min(int(pct), 400) / 100
    amount = said.get("amount") or said.get("after") or ""
    if re.fullmatch(pattern("photo", "a little"), amount):
        return 0.1
    return 0.5 if amount else 0.25


def _tone(match: re.Match[str]) -> dict[str, Any]:
    """adjust's arguments for the tone the words ask for."""
    said = match.groupdict()
    if said.get("noun"):
        arg = NOUNS[said["noun"]]
        way = 1 if re.fullmatch(pattern("photo", "up"), said["dir"]) else -1
    else:
        name = next(n for i, n in enumerate(TONES) if said.get(f"t{i}"))
        arg, way = TONE_ARG[name]
    share = _amount(match)
    if arg == "warmth":
        return {"warmth": round(way * min(1.0, share * 2), 3)}
    if arg == "sharpness":
        return {"sharpness": round(1 + way * share * 4, 3)}
    return {arg: round(max(0.0, 1 + way * share), 3)}


def adjust_plan(request: Request, view: WorkspaceView, why: str, **args: Any) -> Plan:
    """`adjust` on the whole photo, or inside the user's selection when there is one and the
    request does not name the whole photo ("make it brighter" after selecting the sky)."""
    call = {"image": current_image(view), **args, **params_for("adjust", request)}
    if view.selection and not _NAMES_WHOLE.search(request.text):
        call["mask"], why = view.selection, f"{why} inside {view.selection}"
    return Plan(steps=[Step(tool="adjust", args=call, why=why)])


def _masked(subject, request: Request, view: WorkspaceView, tool: str, why: str, **args: Any) -> Plan:
    """Find and cut out `subject`, then run `tool` with that mask ("$2"); "it" or "the
    selection" is the selection (or the current mask), found by no step."""
    steps, mask = masked_steps(subject, request, view)
    call = {"image": current_image(view), "mask": mask, **args, **params_for(tool, request)}
    return Plan(steps=[*steps, Step(tool=tool, args=call, why=why)])


def tone(match, request, view) -> Plan:
    change = _tone(match)
    return adjust_plan(request, view, f"adjust {', '.join(f'{k} {v}' for k, v in change.items())}", **change)


def tone_part(match, request, view) -> Plan:
    subject = subject_of(match["object"], view, pronoun_ok=True)
    why = f"adjust the {subject.words or 'selection'}"
    return _masked(subject, request, view, "adjust", why, **_tone(match))


def vignette(match, request, view) -> Plan:
    if match.groupdict().get("val"):  # "add a subtle vignette, around 0.3"
        return adjust_plan(request, view, "vignette", vignette=float(match["val"]))
    share = _amount(match)  # a quarter unless said: a vignette of 0.4
    if how := match.groupdict().get("how"):
        share = 0.1 if re.fullmatch(pattern("photo", "soft"), how) else 0.6
    strength = min(1.0, share) if match.groupdict().get("pct") else round(0.2 + 0.8 * share, 2)
    return adjust_plan(request, view, "vignette", vignette=strength)


# a change said by its name alone: the adjust argument set, and what the step is called
_FLAGS = {"black_and_white": "black and white", "sepia": "sepia", "negative": "colours inverted",
          "auto_levels": "auto levels"}  # fmt: skip


def _flag(name: str) -> Handler:
    return lambda match, request, view: adjust_plan(request, view, _FLAGS[name], **{name: True})


def sharpen(match, request, view) -> Plan:
    return adjust_plan(request, view, "sharpen", sharpness=round(1 + 4 * _amount(match), 3))


def blur(match, request, view) -> Plan:
    return adjust_plan(request, view, "blur", blur=round(12 * _amount(match), 1))


def blur_part(match, request, view) -> Plan:
    subject = subject_of(match["object"], view, pronoun_ok=True)
    radius = round(PART_BLUR * 4 * _amount(match), 1)  # "a little" less, "a lot" more
    return _masked(subject, request, view, "adjust", f"blur the {subject.words or 'selection'}", blur=radius)


def blur_background(match, request, view) -> Plan:
    said = match.groupdict().get("amount2") or ""
    radius = 14.0 if said == "more" or re.fullmatch(pattern("photo", "a lot"), said) else BACKGROUND_BLUR
    radius = 5.0 if re.fullmatch(pattern("photo", "a little"), said) else radius
    radius = float(match["px"]) if match["px"] else radius  # "with a 12px radius"
    subject = subject_of(match["object"], view) if match["object"] else main_subject(view)
    return _masked(subject, request, view, "adjust", "blur the background", blur=radius, invert=True)


def _ratio(named: str) -> str:
    return ":".join(RATIOS[named]) if named in RATIOS else re.sub(r" ?(?:[x/]|by) ?| ", ":", named)


def crop_ratio(match, request, view) -> Plan:
    ratio = _ratio(match["ratio"])
    step = Step(tool="crop", args={"image": current_image(view), "aspect": ratio}, why=f"crop to {ratio}")
    return Plan(steps=[step])


def crop_object(match, request, view) -> Plan:
    subject = subject_of(match["object"], view)
    steps = find_steps(subject, request, view, cut=False)
    call = {"image": current_image(view), "around": "$1"}
    if ratio := match.groupdict().get("ratio") or match.groupdict().get("ratio2"):
        call["aspect"] = _ratio(ratio)
    return Plan(steps=[*steps, Step(tool="crop", args=call, why=f"crop to the {subject.words}")])


def rotate(match, request, view) -> Plan:
    said = match.groupdict()
    direction = said.get("dir") or "clockwise"
    said_deg = said.get("deg") or "90"
    degrees = float(said_deg) if re.fullmatch(r"[\d.]+", said_deg) else float(to_int(said_deg))
    if direction in ("left", "to the left") or "counter" in direction or "anti" in direction:
        degrees = -degrees
    why = f"rotate {abs(degrees):g} degrees {'clockwise' if degrees > 0 else 'counter-clockwise'}"
    return Plan(steps=[Step(tool="rotate", args={"image": current_image(view), "degrees": degrees}, why=why)])


def upside_down(match, request, view) -> Plan:
    call = {"image": current_image(view), "degrees": 180}
    return Plan(steps=[Step(tool="rotate", args=call, why="upside down")])


def flip(match, request, view) -> Plan:
    way = match["way"] or "horizontally"
    direction = "vertical" if way in ("vertically", "top to bottom", "upside down") else "horizontal"
    step = Step(tool="flip", args={"image": current_image(view), "direction": direction}, why=f"flip {way}")
    return Plan(steps=[step])


def upscale(match, request, view) -> Plan:
    said = match.groupdict()
    times = said.get("n") or said.get("n2") or said.get("n3")
    scale = min(4, to_int(times)) if times else 2
    step = Step(tool="upscale", args={"image": current_image(view), "scale": scale}, why=f"upscale {scale}x")
    return Plan(steps=[step])


def sharper(match, request, view) -> Plan:
    args = {"image": current_image(view), "keep_size": True}
    return Plan(steps=[Step(tool="upscale", args=args, why="restore detail at the same size")])


def cutout(match, request, view) -> Plan:
    subject = subject_of(match["object"], view, pronoun_ok=True)
    return _masked(subject, request, view, "cutout", f"cut out the {subject.words or 'selection'}")


def cutout_background(match, request, view) -> Plan:
    return _masked(main_subject(view), request, view, "cutout", "make the background transparent")


PRONOUN_WHO = re.compile(r"me|us|him|her|them|it")  # put me on a beach: the main subject


def backdrop(match, request, view) -> Plan:
    """A new background: all but the subject (the one named, or the main one), painted as the
    words say."""
    what = match["what"].strip()
    prompt = what if what.endswith(("background", "backdrop")) else f"{what} in the background"
    who = match.groupdict().get("who")
    if who and not PRONOUN_WHO.fullmatch(who):  # "him and the dog": the person and the dog
        who = re.sub(r"\b(?:him|her)\b", "the person", who)
    behind = f"the background behind {who}" if who and not PRONOUN_WHO.fullmatch(who) else "the background"
    return _masked(subject_of(behind, view), request, view, "inpaint", f"paint {prompt}", prompt=prompt)


Handler = Callable[[re.Match[str], Request, WorkspaceView], Plan]
# each intent's handler is the function of its name here; a new size is `rules_frame.resize`
HANDLERS: dict[str, Handler] = {
    name: rules_frame.resize if name == "resize" else _flag(name) if name in _FLAGS else globals()[name]
    for name in {i.name for i in INTENTS}
}
