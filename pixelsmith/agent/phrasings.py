"""Fixed ways of saying an edit, rewritten as the offline rules read them (`normalise`): a
designer's shorthand ("Rotate 90° CW", "export 1080x1080px", "2000px long edge", "save as
PNG"), a restorer's ("make the colours normal again", "the wheel is chopped off at the left
edge, add the missing bit"), things named by where they are ("everything above the roof
line", "all the stuff behind her", "extend it past the right edge"), a zoom in on something
("tighter on the girl") and a shape got by cropping ("make it 16:9? by cropping i mean")."""

from __future__ import annotations

import re
from functools import cache

from PIL import ImageColor

from pixelsmith.agent import amounts, jargon, looks, moods, tempers, wishes
from pixelsmith.agent.phrases import COLOUR_PHRASE
from pixelsmith.agent.vocabulary import entries, pattern

_CLOSER = re.compile(
    r"(?:\b(?:zoom|crop|punch|push)(?: right)? in(?: a bit| a little)?(?:,? closer|,? tighter| more)?"
    r"(?: a bit| a little)?(?: on| to| towards| around)"
    r"|(?:^|(?<=, ))(?:crop |frame it |zoom )?tighter (?:on|around|to)"
    r"|\b(?:crop|frame it|zoom) closer (?:on|to))"
    r" (?=(?:the|my|his|her|their) (?!(?:left|right|top|bottom|background|foreground|details?|middle|centre"
    r"|center|corners?|edges?|sides?)\b))"
)
_EDGES = re.compile(
    r"\b(?:make the (?:edges|lines|details|outlines)|(?:can|could) the (?:edges|lines|details|outlines) be)"
    r" (?:a (?:bit|little) )?(?:crisper|sharper|clearer|more defined)\b"
)
# a designer's shorthand: "cw", "ccw"; a file format or a fill said with a size, dropped
_SPECS = {"cw": "clockwise", "ccw": "counter-clockwise", "format": "", "fill": ""}
_SPEC = re.compile(
    r"\b(?P<cw>cw)\b|\b(?P<ccw>ccw|acw)\b"
    r"|(?P<format>,? (?:and )?(?:save|export|output|deliver)(?: it)? as (?:a |an )?(?:png|jpe?g|webp|tiff?)\b"
    r"|(?:^|, )(?:as )?(?:a )?(?:png|jpe?g|webp|tiff?)(?: file)?(?=,|$))"
    r"|(?P<fill>,? (?:and )?fill (?:it |that |the (?:new )?(?:space|band|gap|area) )?with (?:a )?"
    r"(?:matching|more|the same|continuing) (?:sky|scene|background)\b)"
)
_NEED_SIZE = re.compile(
    r"\b(?:i |we )?need (?:it (?:at|to be) )?(?:a |an )?(?P<size>\d{3,5} ?x ?\d{3,5})(?: ?px| pixels)?"
    r"(?:(?: [\w-]+){0,2} (?:banner|header|cover|thumbnail|image|version|copy|print|post|hero)"
    r"(?: (?:from|of) (?:this|it|the (?:photo|picture|image)))?)?\b"
)
_ISOLATE = re.compile(
    r"\bisolate (?P<what>.+?) (?:on|against|with) (?:a |an )?(?:transparent|clear|see-through|empty)"
    r" (?:background|bg)\b"
)
_LONG_EDGE = re.compile(
    r"\b(?:resize |scale )?(?:(?:it|the long(?:est)? (?:edge|side)) )?(?:to )?(?P<n>\d{3,5}) ?(?:px|pixels)"
    r" (?:on the |along the |for the )?long(?:est)? (?:edge|side)\b"
)
# an old photo's faults put right: its colours ("make the colours normal again": auto levels), a
# thing cut off at an edge ("the wheel is chopped off at the left edge, add the missing bit")
_RESTORED = re.compile(
    r"\b(?:make|get|bring|put) the colou?rs (?:look )?(?:back to )?(?:normal|natural|right|true|accurate"
    r"|realistic)(?: again)?\b"
    r"|(?:^|(?<=, ))(?:fix|remove|get rid of|correct|lose) the (?:[\w-]+ )?(?:colou?r )?(?:cast|tint)"
    r"(?: (?:from|of|on|in) (?:it|the (?:photo|picture|image)))?(?=,|$)"
    r"|^.*?\b(?:is|are|got|gets|was|were) (?:cut|chopped|cropped) off (?:at|on|by) the"
    r" (?P<side>left|right|top|bottom)"
    r"(?: edge| side)?(?: of the (?:picture|photo|image|frame|shot))?,?(?: and [\w' ]+?[,.]?)?"
    r" (?:can you |could you |please )?"
    r"(?:(?:add|paint|fill in|show|put back|bring back|draw|give me) (?:in )?(?:the )?(?:missing|rest)"
    r"(?: (?:bit|part|piece|of (?:it|him|her|them|the [\w-]+)))?"
    r"|(?:extend|expand|widen) (?:it|the (?:picture|photo|image|frame|shot))"
    r"(?: so (?:it'?s|its|it is|everything is|he'?s|she'?s|the [\w-]+ is) (?:all )?in)?)"
)
# "a rough preview of the car in red": the edit, as a quick draft
_PREVIEW = re.compile(
    r"\b(?:give me |show me |do |make |just )*(?:a |an )?(?:rough |quick |fast |low-res |low res )?"
    r"(?:preview|draft|mock-?up) of (?P<what>.+?)(?=,|$)"
)
# things named by where they are, and a few fixed ways of saying a thing
_PLACES = re.compile(
    r"\b(?P<sky>everything (?:above|over) the (?:roof ?line|rooftops?|roofs?|houses?|buildings?|trees?"
    r"|tree ?line|horizon|skyline|hills?|mountains?))\b"  # the sky
    r"|\b(?P<past>(?:extend|expand|widen) it) (?:past|beyond|over) the (?=(?:left|right|top|bottom)\b)"
    r"|\b(?:blur|soften)(?: out)? (?:all )?(?:the )?(?P<behind>stuff|things|bits|everything) behind "
    r"|\b(?P<like>into|like|as) one of those "  # "turn it into one of those wanted posters"
    r"|\b(?P<tone>saturation|contrast|sharpness|vibrance) (?:to )?(?:the )?max(?:imum)?\b"
    r"|\bmax(?:imum)? (?P<tone2>saturation|contrast|sharpness|vibrance)\b"
)


def _placed(match: re.Match[str]) -> str:
    said = match.groupdict()
    if said["sky"]:
        return "the sky"
    if said["past"]:  # "extend it past the right edge"
        return f"{said['past']} to the "
    if said["behind"]:  # "blur all the stuff behind her"
        return "blur the background behind "
    if said["like"]:
        return f"{said['like']} a "
    return f"{said['tone'] or said['tone2']} up a lot"  # "MAXIMUM SATURATION"


# a shape got by cutting, nothing painted: "make it 16:9? by cropping i mean, dont add anything"
_BY_CROPPING = re.compile(
    r"\b(?:make|get) it (?P<shape>\d{1,2} \d{1,2}|square),? (?:by|with|just) (?:cropping|a crop|trimming)"
    r"(?: it)?"
    r"(?: i mean)?(?:,? (?:and )?(?:don't|dont|do not|without) (?:add|adding|extend|extending|paint|painting)"
    r" (?:anything|any(?:thing)? new|it|more))?\b"
)


# a colour code, said as the named colour nearest to it: the editors read words, not codes
_HEX = re.compile(r"(?<![\w#])#(?P<code>[0-9a-f]{6}|[0-9a-f]{3})\b")
_CLOUDS = re.compile(
    r"\b(?:get|bring|put|add) (?:some |the )?(?:cloud detail|clouds|detail in the sky) back"
    r"(?: in(?:to)? the sky)?"
)
_FOR_PRINT = re.compile(r"^for (?:an? |the |my )?[\w ]*?(?:print|poster|frame|canvas)(?: at \d+ ?dpi)?,? ")
# "recolour the front door to teal": the recolour the rules read
_RECOLOUR = re.compile(
    rf"\b(?:recolou?r|repaint|colou?r|paint|dye|change) (?P<thing>(?:the|my|his|her|their|our) [\w' -]+?)"
    rf" (?:to|in|into) (?:a |an )?(?P<colour>{COLOUR_PHRASE})(?: (?P<finish>{pattern('colours', 'shades')}))?"
    r"(?=[ ,]*$)"
)


_GREYISH = 24  # channels this close: a grey, whatever its faint tint
_GREYS = ((40, "black"), (100, "dark grey"), (170, "grey"), (235, "light grey"), (256, "white"))


@cache
def _named_colours() -> dict[str, tuple[int, int, int]]:
    """The colours the rules read ("teal", "sky blue", "dark green") that have an RGB value:
    the named web colours that are one of ours, or a shade of ours and one of ours."""
    hues, shades = set(entries("colours", "colours")), entries("colours", "shades")
    said = {}
    for name, value in ImageColor.colormap.items():
        shade = next((s for s in shades if name.startswith(s) and name[len(s) :] in hues), None)
        if name in hues or shade:
            said[f"{shade} {name[len(shade) :]}" if shade else name] = ImageColor.getrgb(value)[:3]
    return said


def _nearest(match: re.Match[str]) -> str:
    """ "#2e8b57" -> "forest green": the named colour nearest to the code; a grey by its lightness."""
    red, green, blue = ImageColor.getrgb(f"#{match['code']}")[:3]
    if max(red, green, blue) - min(red, green, blue) <= _GREYISH:  # "#333333": a grey, by how light
        light = (red + green + blue) / 3
        return next(name for below, name in _GREYS if light < below)
    return min(_named_colours().items(), key=lambda named: _apart(named[1], (red, green, blue)))[0]


def _apart(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    """How far apart two colours look: RGB distance weighted by the mean red ("redmean")."""
    mean_red = (one[0] + other[0]) / 2
    d_red, d_green, d_blue = (a - b for a, b in zip(one, other, strict=True))
    return (2 + mean_red / 256) * d_red**2 + 4 * d_green**2 + (2 + (255 - mean_red) / 256) * d_blue**2


def rephrased(text: str) -> str:
    """`text` (tidied, lower case) with these fixed ways of saying an edit rewritten."""
    text = tempers.calmed(text)  # "why is it so dark", "get it out of the pic"
    text = wishes.granted(text)  # "i wish it was brighter", "if only the sky was bluer"
    text = jargon.plain(text)  # "content-aware fill the bucket out", "the clarendon filter"
    text = amounts.said_plainly(text)  # "half as saturated", "bump exposure up 2 stops"
    text = _HEX.sub(_nearest, text)  # "#2E8B57" -> "forest green"
    text = _CLOUDS.sub("make the sky cloudy", text)  # "is there any way to get some cloud detail back"
    text = _FOR_PRINT.sub("", text)  # "for an a4 landscape print at 300 dpi i need 3508 x 2480 px"
    text = _RECOLOUR.sub(  # "recolour the front door to teal (matte)": "make the front door matte teal"
        lambda m: " ".join(filter(None, ("make", m["thing"], m["finish"], m["colour"]))), text
    )
    text = _PREVIEW.sub(r"\g<what>, preview", text)  # "give me a rough preview of the car in red"
    text = _CLOSER.sub("crop to ", text)  # "zoom in on the girl", "tighter on the girl"
    text = _EDGES.sub("sharpen it", text)  # "could the edges be crisper": the photo sharpened
    text = _SPEC.sub(lambda m: _SPECS[next(k for k, v in m.groupdict().items() if v is not None)], text)
    text = re.sub(
        r"\b(?:export|save|output|deliver)(?: it)?(?: at| as| to)? (?=\d{3,5} ?x ?\d{3,5}(?:\b|px))",
        "resize to ",
        text,
    )
    text = _NEED_SIZE.sub(r"\g<size>", text)  # "need a 1500x500 web banner from this"
    text = _ISOLATE.sub(r"cut out \g<what>", text)  # "isolate the girl on a transparent background"
    text = _LONG_EDGE.sub(r"resize the long edge to \g<n>", text)  # "2000px long edge"
    text = _PLACES.sub(_placed, text)
    text = _RESTORED.sub(lambda m: f"extend the {m['side']}" if m["side"] else "auto levels", text)
    text = _BY_CROPPING.sub(r"crop it to \g<shape>", text)  # "make it 16:9, by cropping i mean"
    text = re.sub(
        r"\b(rotate|turn|spin) it so (?:that )?(?:she|he|it|they|everything)(?:'s|s| is| are) upside down\b",
        r"\1 it upside down",
        text,
    )  # "rotate it so she's upside down"
    text = moods.felt_in(text)  # "can it feel calmer somehow", "dreamy + soft"
    return looks.restyled(text)  # "like a 90s disposable camera shot", "banksy stencil style"
