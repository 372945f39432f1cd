"""The photo's frame in words, for the offline rules: a side cut off ("crop off the left side",
a quarter unless the words say; "trim the bottom strip", "chop 10% off the top"), a part of
it kept ("keep only the top two thirds", "crop to the left half"), both a box in the photo's
pixels, so the photo's size must be known; and a lean said somewhere in the message ("it
leans to the right by about three degrees. Please straighten it."), turned back; lines that
converge ("fix the perspective", "the buildings lean inwards"), stood upright; a zoom in on the
middle ("zoom in a bit"); a stretch out of shape, asked for ("stretch it out all wide"); and a
new size (`resize`, a handler of `rules_photo`'s intents: 4x bigger or more is upscaled first;
"but don't crop it" extends to the new shape) or a named one ("4k", `named_size`)."""

from __future__ import annotations

import math
import re

from pixelsmith.agent.normalise import Request, tidied
from pixelsmith.agent.phrases import NUM, to_int
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import THE_PHOTO, Unclear, current_image
from pixelsmith.agent.vocabulary import pattern
from pixelsmith.views import WorkspaceView

# a share of the photo's width or height each word names
SHARES = {"half": 0.5, "third": 1 / 3, "quarter": 0.25, "edge": 0.1, "bit": 0.1, "strip": 0.1,
          "two thirds": 2 / 3, "three quarters": 0.75}  # fmt: skip
_SHARE = r"(?:side|edge|part|half|third|quarter|bit|strip)"
_KEPT = r"(?:half|third|quarter|two thirds|three quarters|part)"
_OPPOSITE = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}

CROP_SIDE = re.compile(
    r"(?:crop|cut|trim|chop)(?: out| off| away)? (?:the )?"
    r"(?:(?:(?P<pct>\d{1,2}) ?(?:%|percent)|(?P<px>\d{1,5}) ?(?:px|pixels?))"
    r" (?:on |of |off |from )?(?:the )?)?"
    r"(?P<side>left|right|top|bottom)"
    rf"(?: (?P<share>{_SHARE}))?"
    r"(?: (?P<pct2>\d{1,2}) ?(?:%|percent)| (?P<bit>a (?:little )?bit|a little|slightly|a touch))?"
    rf"(?: (?:of|from) {THE_PHOTO})?"
)
# the part to keep: "keep only the top two thirds", "crop it to the left half"
KEEP_SIDE = re.compile(
    rf"(?:keep|leave|crop(?: {THE_PHOTO})? to|crop(?: {THE_PHOTO})? down to|cut(?: {THE_PHOTO})? down to)"
    r" (?:only |just )?the (?P<side>left|right|top|bottom)"
    rf" (?:(?P<pct>\d{{1,2}}) ?(?:%|percent)|(?P<share>{_KEPT}))(?: (?:of|from) {THE_PHOTO})?"
)
# lines that converge, straightened (the `perspective` tool): "fix the perspective", "keystone
# correction", "the buildings lean inwards", "make the walls upright"
_LINES = rf"(?:the )?(?:{pattern('photo', 'converging')})"
_AMOUNT = rf"(?: (?P<amount>{pattern('photo', 'a little')}|{pattern('photo', 'a lot')}))?"
PERSPECTIVE = re.compile(
    rf"(?:(?:correct|fix|straighten|sort out|adjust|repair) (?:the |its )?(?:vertical |horizontal )?"
    rf"(?:perspective|keystoning|keystone)(?: distortion| correction)?(?: (?P<pct>\d{{1,2}}) ?(?:%|percent))?"
    rf"|{_LINES}(?: all)? (?:lean|leaning|converge|converging|tilt|tilting) (?:in|inwards?)"
    rf" (?:towards|toward|at) the top"  # with where, a complaint: "the walls lean in towards the top"
    rf"|(?:do |apply |add )?(?:an? )?"
    rf"(?:(?P<how>{pattern('photo', 'soft')}|{pattern('photo', 'strong')}) )?"
    rf"keystone(?: correction| fix| it)?"
    rf"|(?:correct|fix|straighten|sort out) (?:the )?(?:converging|leaning|falling|tilting|slanted) {_LINES}"
    rf"|make {_LINES} (?:straight|upright|vertical|parallel|stand up straight)"
    rf"|{_LINES} (?:leans?|are leaning|is leaning|converge|are converging|tilt|are tilting|fall|are falling)"
    rf"(?: (?P<way>in|inwards?|toward each other|towards each other|back|backwards|out|outwards?))?"
    rf",? (?:(?:can|could) you )?(?:fix|correct|straighten) (?:it|that|them)){_AMOUNT}"  # alone: a remark
)
# closer in on the middle: "zoom in a bit", "punch in", "crop in tighter"
ZOOM_IN = re.compile(
    rf"(?:zoom|crop|punch|push|move|get) in(?: closer| tighter| more| further)?"
    rf"(?: (?P<amount>{pattern('photo', 'a little')}|{pattern('photo', 'a lot')}))?(?: on {THE_PHOTO})?"
)
# a new shape said without cutting: "1080x1080 but don't crop it", "extend the sides rather than crop"
_UNCROPPED = re.compile(
    r"\b(?:don'?t|do not|without|not|never|no|rather than|instead of) (?:crop|cropping|cut|cutting)\b"
    r"|\buncropped\b"
)
UPSCALE_FROM = 4.0  # a new size 4x bigger or more is upscaled first (real detail, not spread pixels)
_ZOOMED = {"": 0.8, "a little": 0.9, "a lot": 0.6}  # the share of each side kept
# a stretch out of shape, asked for: "stretch it out all wide and squished like a cursed image"
STRETCH = re.compile(
    rf"stretch {THE_PHOTO}(?: out)?(?: (?:all|really|super|way|really really))?"
    r" (?P<way>wide|wider|horizontally|sideways|tall|taller|vertically|long|longer)"
    r"(?: and [\w ]+?)?(?:,? like .+)?"
)
SHAPES = (CROP_SIDE, KEEP_SIDE, PERSPECTIVE, ZOOM_IN, STRETCH)
# how far and which way the photo leans, anywhere in the message
_TOWARDS = (
    r"(?:(?: over)?(?: to(?:wards)? the| to| towards)? "
    r"(?P<{}>left|right|clockwise|(?:counter|anti)-?clockwise))"
)
_LEAN = re.compile(
    r"\b(?:lean(?:s|ing)?|tilt(?:s|ed|ing)?|slant(?:s|ed|ing)?|slop(?:es|ed|ing)|is (?:crooked|wonky))"
    rf"(?: a bit| a little| slightly)?{_TOWARDS.format('way')}?,?(?: by)?"
    r" (?:about |around |roughly |approximately |maybe |almost )?"
    rf"(?P<n>\d+(?:\.\d+)?|{NUM}) ?(?:degrees?|°){_TOWARDS.format('way2')}?"
)


def plan(text: str, view: WorkspaceView) -> Plan | None:
    """The crop `text` asks for, or None when it is none of these shapes."""
    if match := CROP_SIDE.fullmatch(text):
        pct = match["pct"] or match["pct2"]
        share = int(pct) / 100 if pct else SHARES.get(match["share"] or ("bit" if match["bit"] else ""), 0.25)
        if match["px"] and not int(match["px"]):
            raise Unclear("Cutting 0 px off changes nothing: say how many, e.g. 'crop 100px off the left'.")
        if match["px"]:  # "crop 100px off the left"
            return _cut(
                match["side"], 0, view, f"crop {match['px']} px off the {match['side']}", int(match["px"])
            )
        return _cut(match["side"], share, view, f"crop {round(share * 100)}% off the {match['side']}")
    if match := PERSPECTIVE.fullmatch(text):
        return _upright(match, view)
    if match := STRETCH.fullmatch(text):
        return _stretched(match["way"] in ("tall", "taller", "vertically", "long", "longer"), view)
    if match := ZOOM_IN.fullmatch(text):
        return _middle(match["amount"] or "", view)
    if match := KEEP_SIDE.fullmatch(text):
        kept = int(match["pct"]) / 100 if match["pct"] else SHARES.get(match["share"], 0.5)
        why = f"keep the {match['side']} {round(kept * 100)}%"
        return _cut(_OPPOSITE[match["side"]], 1 - kept, view, why)
    return None


def straightened(request: Request, view: WorkspaceView) -> Plan | None:
    """The rotation that levels a photo the message says leans N degrees one way; None when it
    does not say both how far and which way."""
    lean = _LEAN.search(tidied(request.message))
    if lean is None or not (way := lean["way"] or lean["way2"]):
        return None
    n = lean["n"]
    by = float(n) if n[0].isdigit() else float(to_int(n))
    # leaning right (turned clockwise): turned back counter-clockwise
    degrees = -by if way in ("right", "clockwise") else by
    why = f"straighten: turn {by:g} degrees {'counter-clockwise' if degrees < 0 else 'clockwise'}"
    args = {"image": current_image(view), "degrees": degrees, "straighten": True}
    return Plan(steps=[Step(tool="rotate", args=args, why=why)])


def _upright(match: re.Match[str], view: WorkspaceView) -> Plan:
    """The perspective correction the words ask for: 0.3 unless they say a little or a lot;
    lines that lean out (a camera tilted down) the other way."""
    amount = match["amount"] or ""
    share = 0.15 if re.fullmatch(pattern("photo", "a little"), amount) else 0.5 if amount else 0.3
    share = int(match["pct"]) / 100 if match["pct"] else share  # "correct vertical keystone ~30%"
    if how := match["how"]:  # "a slight keystone correction"
        share = 0.15 if re.fullmatch(pattern("photo", "soft"), how) else 0.5
    vertical = -share if (match["way"] or "").startswith("out") else share
    why = f"straighten the converging lines (vertical {vertical:+g})"
    return Plan(
        steps=[Step(tool="perspective", args={"image": current_image(view), "vertical": vertical}, why=why)]
    )


def _stretched(tall: bool, view: WorkspaceView) -> Plan:
    """The photo stretched to twice its width (or height), the other side kept: out of shape,
    as asked."""
    image = current_image(view)
    found = view.get(image)
    if found is None or not found.size:
        raise Unclear(f"I do not know how big {image} is; say the size, e.g. 'resize to 1200x400'.")
    width, height = found.size
    size = {"width": width, "height": height * 2} if tall else {"width": width * 2, "height": height}
    why = f"stretch to {size['width']}x{size['height']} (out of shape, as asked)"
    return Plan(steps=[Step(tool="resize", args={"image": image, **size}, why=why)])


def _middle(amount: str, view: WorkspaceView) -> Plan:
    """A crop to the middle of the photo, as a zoom in: 80% of each side (90% "a little",
    60% "a lot")."""
    how = (
        "a little"
        if amount and re.fullmatch(pattern("photo", "a little"), amount)
        else "a lot"
        if amount
        else ""
    )
    image, kept = current_image(view), _ZOOMED[how]
    found = view.get(image)
    if found is None or not found.size:
        raise Unclear(f"I do not know how big {image} is; say the box, e.g. 'crop to 16:9'.")
    width, height = found.size
    x0, y0 = round(width * (1 - kept) / 2), round(height * (1 - kept) / 2)
    box = [x0, y0, width - x0, height - y0]
    return Plan(
        steps=[
            Step(tool="crop", args={"image": image, "box": box}, why=f"zoom in: keep the middle {kept:.0%}")
        ]
    )


def _cut(side: str, share: float, view: WorkspaceView, why: str, pixels: int = 0) -> Plan:
    """A crop that cuts `share` of the photo (or so many `pixels`) off `side`."""
    image = current_image(view)
    found = view.get(image)
    if found is None or not found.size:
        raise Unclear(f"I do not know how big {image} is; say the box, e.g. 'crop to 16:9'.")
    width, height = found.size
    cut_x, cut_y = (pixels, pixels) if pixels else (round(width * share), round(height * share))
    across = side in ("left", "right")
    if (cut_x if across else cut_y) >= (width if across else height):
        raise Unclear(
            f"{image} is {width}x{height} px: cutting {pixels} px off the {side} leaves nothing: "
            f"say fewer than {width if across else height} px."
        )
    box = {"left": [cut_x, 0, width, height], "right": [0, 0, width - cut_x, height],
           "top": [0, cut_y, width, height], "bottom": [0, 0, width, height - cut_y]}[side]  # fmt: skip
    return Plan(steps=[Step(tool="crop", args={"image": image, "box": box}, why=why)])


def resize(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    """A new size: a width, a height, both (a crop to their shape first: "1080x1080" of a
    landscape photo is never stretched), a percentage or a share ("half the size")."""
    said = match.groupdict()
    if said.get("long"):  # "2000px long edge": the width of a landscape photo, the height of a portrait
        found = view.get(current_image(view))
        if found is None or not found.size:
            raise Unclear("I do not know which edge is the long one; say 'resize to 2000 px wide'.")
        said["w" if found.size[0] >= found.size[1] else "h"] = said["long"]
    if said.get("w2"):
        args = {"width": int(said["w2"]), "height": int(said["h2"])}
    elif said.get("w") or said.get("h"):
        args = {"width": int(said["w"])} if said.get("w") else {"height": int(said["h"])}
    elif said.get("pct"):
        if int(said["pct"]) == 0:
            raise Unclear("A size of 0% leaves nothing; say how big, e.g. 'resize it to 50%'.")
        args = {"scale": min(8.0, int(said["pct"]) / 100)}
    else:
        shares = {"a quarter of": 0.25, "a third of": round(1 / 3, 4)}
        args = {"scale": shares.get(said.get("half") or "", 0.5)}
    why = "resize to " + ", ".join(f"{k} {v}" for k, v in args.items())
    image, steps = current_image(view), []
    found = view.get(image)
    if found is None or not found.size:
        return Plan(steps=[Step(tool="resize", args={"image": image, **args}, why=why)])
    kept = found.size
    if "height" in args and "width" in args:
        width, height = args["width"], args["height"]  # "1080x1080" of a landscape photo: no stretching
        if abs(width / height - kept[0] / kept[1]) > 0.01 * width / height:
            aspect = f"{width // math.gcd(width, height)}:{height // math.gcd(width, height)}"
            if _UNCROPPED.search(tidied(request.message)):  # "1080x1080 but don't crop it": extended
                steps.append(
                    Step(tool="outpaint", args={"image": image, "aspect": aspect}, why=f"extend to {aspect}")
                )
                image, kept = "$1", _extended(kept, width / height)
            else:
                steps.append(
                    Step(tool="crop", args={"image": image, "aspect": aspect}, why=f"crop to {aspect}")
                )
                image, kept = "$1", _cropped(kept, width / height)
    grown = args["width"] / kept[0] if "width" in args else args.get("height", 0) / kept[1]
    said_resize = re.match(r"(?:resize|rescale|scale|shrink)\b", request.text)  # the word said: a resize
    if grown >= UPSCALE_FROM and not said_resize:  # "make it 4096x4096" of a small photo: detail first
        steps.append(Step(tool="upscale", args={"image": image, "scale": 4}, why="upscale 4x first"))
        image = f"${len(steps)}"
    return Plan(steps=[*steps, Step(tool="resize", args={"image": image, **args}, why=why)])


def _extended(size: tuple[int, int], aspect: float) -> tuple[int, int]:
    """The size an outpaint to `aspect` (width / height) makes of a photo of `size`."""
    width, height = size
    return (round(height * aspect), height) if width / height < aspect else (width, round(width / aspect))


def _cropped(size: tuple[int, int], aspect: float) -> tuple[int, int]:
    """The size a crop to `aspect` (width / height) leaves of a photo of `size`."""
    width, height = size
    return (width, round(width / aspect)) if width / height < aspect else (round(height * aspect), height)


def named_size(name: str, target: int, view: WorkspaceView) -> Plan:
    """Upscale until the long side reaches the named resolution's (4k: 3840 px), 4x at most."""
    image = current_image(view)
    found = view.get(image)
    longest = max(found.size) if found is not None and found.size else None
    if longest is None:
        scale = 2.0
    elif longest >= target:
        raise Unclear(
            f"{image} is already {longest} px on its long side, {name} or more; "
            "say 'upscale it 2x' to make it bigger still."
        )
    else:
        scale = min(4.0, math.ceil(target / longest * 100) / 100)
    why = f"upscale {scale:g}x" + (
        f" towards {name}" if scale == 4.0 and longest * 4 < target else f" to {name}"
    )
    return Plan(steps=[Step(tool="upscale", args={"image": image, "scale": scale}, why=why)])
