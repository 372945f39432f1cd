"""Amounts said in relative words, read as the ones the rules take (`normalise`): a share of
what is there ("half as saturated", "saturation to 50%", "halve the contrast"), a multiple
of the resolution ("3x the resolution") (stops of exposure are `normalise`'s: "2 stops brighter"),
vague words for a little or a lot ("a tiny bit", "a few shades", "loads"), and an amount said
after the request ("blur the background, really heavily", "warmer, barely noticeable")."""

from __future__ import annotations

import re

from pixelsmith.agent.phrases import COLOUR_PHRASE
from pixelsmith.agent.vocabulary import pattern

_TONE_OF = {"saturated": "saturation", "bright": "brightness", "contrasty": "contrast", "warm": "warmth",
            "sharp": "sharpness", "colourful": "saturation", "colorful": "saturation",
            "vivid": "saturation"}  # fmt: skip
_TONE = r"(?P<tone>saturation|contrast|brightness|exposure|warmth|sharpness|vibrance)"
_TIMES = {"half": 0.5, "twice": 2.0, "double": 2.0, "three times": 3.0}
_AS_MUCH = re.compile(rf"\b(?P<k>half|twice|double|three times) as (?P<adj>{'|'.join(_TONE_OF)})\b")
_SET_TO = re.compile(
    rf"\b(?:(?:set|put|bring|turn|take|drop|lower|reduce|cut|knock) )?(?:the )?{_TONE}"
    r" (?:down |up )?(?:to|at) (?P<n>\d{1,3}) ?%"
)
# "halve the contrast", "cut the saturation in half" ("cut the saturation" alone: no share said)
_HALVED = re.compile(
    rf"\b(?P<verb>halve|reduce|cut|lower|drop|take) (?:the )?{_TONE}(?P<by> (?:by half|in half|by 50 ?%))?"
)
_DOUBLED = re.compile(rf"\bdouble (?:the )?{_TONE}")
_RESOLUTION = re.compile(
    r"\b(?:(?P<n>[234](?:\.5)?) ?x|(?P<word>double|triple|quadruple))"
    r" the (?:resolution|res|pixels|pixel count|size)\b"
)
_WORD_TIMES = {"double": "2", "triple": "3", "quadruple": "4"}
_A_LITTLE = re.compile(
    r"\b(?:just )?(?:a (?:tiny|teeny|wee|teeny tiny|little tiny|tiny little) bit|the tiniest bit|a few shades"
    r"|a shade|a notch|a smidge|a hair|a fraction|ever so slightly|very slightly|just slightly)\b"
)
_A_LOT = re.compile(r"\b(?:loads|lots|tons|heaps|a ton|a heap|hugely|really heavily|a huge amount)\b(?! of)")
_AMOUNT_FIRST = re.compile(
    r"(?:^|(?<=, ))(?P<amount>a little|a bit|a lot|a touch|slightly|much|way) (?P<way>more|less)"
    r" (?P<tone>contrast|saturation|brightness|warmth|sharpness|vibrance|exposure)\b"
)
# "sharpen it slightly more than it is now": the amount, not the comparison
_THAN_NOW = re.compile(
    r"(?<=\w) (?:more|less) than (?:it is now|it's now|it is|it's|now|before|at the moment)\b"
    r"|(?<=\bless) than (?:that|this|before|last time)\b"  # "a little less than that": less
)
_SAID_AFTER = re.compile(
    r", (?:like |but |so |and )?(?:only |just |really |very |super )?"
    r"(?P<amt>barely noticeable|nothing drastic|not a lot|not too much|not much|subtle|subtly|slightly"
    r"|a little|a bit|heavily|a lot|strongly)$"
)
_TONED = re.compile(
    r"\b(?:brighter|darker|warmer|cooler|sharper|softer|lighter|moodier|blur\w*|sharpen\w*|brighten|darken|lighten|saturat\w*|desaturate|contrast|vignette|warm|cool"
    r"|soften|exposure|vibrance)\b"
)
# "the bucket's a bit too red, tone it down a little": less of its colour, not another colour
_TOO_COLOURED = re.compile(
    r"^(?P<thing>(?:the|my|his|her) [\w -]+?)(?:'s| is| looks)(?: a bit| a little| way| far| much| slightly)?"
    rf" too (?:{COLOUR_PHRASE})"
    r"(?:,? (?:tone|turn|bring|dial) (?:it|that) down(?: a (?:bit|little|touch))?)?$"
)
# "that yellow car is so bright its painful, can you tone it down a bit": less of it
_TONE_IT_DOWN = re.compile(
    r"^(?P<thing>(?:the|that|this|my|his|her) [\w -]+?)(?:'s| is| looks) (?:so|really|very|way too|too|super)"
    rf" (?P<how>bright|glaring|colou?rful|vivid|saturated|garish|loud|{COLOUR_PHRASE})\b.*?,?"
    r" (?:can you |could you |please )?(?:tone|turn|bring|dial) (?:it|that) down(?: a (?:bit|little|touch))?$"
)


# "make the dog a little brown", "make the dog brown a little": the colour, painted
_SOFT = r"(?:a (?:little|bit|touch|tad)|slightly|somewhat)(?: more)?"
_COLOUR_AMOUNT = re.compile(
    rf"^(?P<verb>make|turn|paint|colou?r) (?P<thing>(?:the|my|his|her|their) [\w' -]+?)"
    rf" (?:{_SOFT} (?P<c1>{COLOUR_PHRASE})|(?P<c2>{COLOUR_PHRASE}) {_SOFT})$"
)

# "make it a bit sharper": a little sharpening ("sharper" alone restores detail, `rules_photo`)
_A_LITTLE_SHARPER = re.compile(
    rf"\bmake (?P<it>it|this|the (?:photo|picture|image|pic|shot)) (?:look )?{_SOFT}"
    r" (?:sharper|crisper|clearer)\b"
)


def said_plainly(text: str) -> str:
    """`text` (tidied, lower case) with its amounts said as the rules take them."""
    text = _AS_MUCH.sub(lambda m: _share(_TONE_OF[m["adj"]], _TIMES[m["k"]]), text)
    text = _SET_TO.sub(lambda m: _share(m["tone"], int(m["n"]) / 100), text)
    text = _HALVED.sub(lambda m: _share(m["tone"], 0.5) if m["verb"] == "halve" or m["by"] else m[0], text)
    text = _DOUBLED.sub(lambda m: _share(m["tone"], 2.0), text)
    text = _RESOLUTION.sub(lambda m: f"upscale {m['n'] or _WORD_TIMES[m['word']]}x", text)
    text = _A_LITTLE.sub("a little", text)
    text = re.sub(r"(?:^|(?<=, )|(?<=hmm )|(?<=ok )|(?<=oh ))(little|bit) (?=less|more)", r"a \1 ", text)
    text = _AMOUNT_FIRST.sub(r"\g<way> \g<tone> \g<amount>", text)  # "a little less saturation"
    text = _A_LOT.sub("a lot", text)
    text = _THAN_NOW.sub("", text).replace("  ", " ").strip(" ,")
    text = _COLOUR_AMOUNT.sub(lambda m: f"{m['verb']} {m['thing']} {m['c1'] or m['c2']}", text)
    text = re.sub(rf"({_TONED.pattern}) (?={_SOFT}$|a lot$)", r"\1, ", text)  # "brighter a little"
    if (after := _SAID_AFTER.search(text)) and after.start() > 0:
        text = _moved(text, after)
    text = _A_LITTLE_SHARPER.sub(lambda m: f"sharpen {m['it']} slightly", text)
    text = _TONE_IT_DOWN.sub(
        lambda m: f"make {_the(m['thing'])} a little {_LESS.get(m['how'], 'less saturated')}", text
    )
    return _TOO_COLOURED.sub(lambda m: f"make {m['thing']} a little less saturated", text)


_LESS = {"bright": "darker", "glaring": "darker"}


def _the(thing: str) -> str:
    return re.sub(r"^(?:that|this) ", "the ", thing)


def _share(tone: str, times: float) -> str:
    """ "saturation", 0.5 -> "saturation down 50%": what the tone rules read."""
    percent = round(abs(times - 1) * 100)
    return f"{tone} {'up' if times > 1 else 'down'} {percent}%" if percent else f"{tone} as it is"


def _moved(text: str, after: re.Match[str]) -> str:
    """An amount said after the request moved into it ("blur the background, really heavily"),
    or left out where the request says one already ("a little warmer, barely noticeable")."""
    before = text[: after.start()]
    said = re.search(rf"\b(?:{pattern('photo', 'a little')}|{pattern('photo', 'a lot')})\b|\d", before)
    if said or not _TONED.search(before):  # "crop it square, slightly": no amount to take
        return before
    amount = "a lot" if after["amt"] in ("heavily", "a lot", "strongly") else "a little"
    if (last := re.search(r"\b\w+er$", before)) and _TONED.fullmatch(last[0]):  # "a little warmer"
        return f"{before[: last.start()]}{amount} {last[0]}"
    return f"{before} {amount}"
