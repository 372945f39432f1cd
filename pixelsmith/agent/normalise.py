"""The offline planner's first stage: a chat message to a `Request`: lower case, inline
parameters taken out ("seed 7", "4 candidates"), punctuation and polite wrappers
("could you", "please") removed. Linear in the message's length."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pixelsmith.agent import inline_params, phrases, phrasings, sentences
from pixelsmith.agent.phrases import NUMBER_WORDS
from pixelsmith.agent.sentences import CLAUSE_CUT, named
from pixelsmith.agent.vocabulary import alt, pairs

QUOTES = str.maketrans("‘’“”", "''\"\"")
SHORTHAND = pairs("polite", "shorthand")
EMOJI = pairs("polite", "emoji")
_EMOJI = re.compile(
    r"(?P<lead>\b(?:a|an|some|the|add|with|into|to|of) |= ?)"  # a word's place: "sky = 🌈", "add a 🦈"
    r"(?P<emoji>" + "|".join(map(re.escape, sorted(EMOJI, key=len, reverse=True))) + ")"
)
# "sky = 🌈": a thing becomes another; not a setting ("brightness = high", "style = watercolour")
_SAID_EQUAL = re.compile(
    r"(?<=[a-z])(?<!brightness)(?<!contrast)(?<!saturation)(?<!exposure)(?<!warmth)(?<!style)(?<!strength)"
    r"(?<!steps)(?<!seed)(?<!guidance)(?<!quality)(?<!size)(?<!mode)\s*=\s*(?=[a-z])"
)
_HASHTAG = re.compile(r"#(?!\d|[0-9a-f]{3,8}\b)\w+")  # "#throwback", not a colour "#ff8800"
_SHORTHAND = re.compile(rf"\b(?:{'|'.join(map(re.escape, SHORTHAND))})\b")


MAX_REWRITES = 4  # words said over, then over again (`Request.rewrites`): a chain of rewrites ends here


@dataclass(frozen=True)
class Request:
    """A message ready for the intent table."""

    message: str  # as the user wrote it
    text: str  # normalised, parameters taken out
    params: dict[str, Any]  # inline tool arguments: seed, guidance_scale, num_candidates, ...
    takes: Mapping[str, frozenset[str]] = field(default_factory=dict)  # tool -> its input names
    rewrites: int = 0  # times the words were said over (`rules_talk`): a rewrite never loops


def normalise(message: str, takes: Mapping[str, frozenset[str]] | None = None) -> Request:
    """Lower case, take out inline parameters, punctuation and polite wrappers."""
    text, params = message.lower().translate(QUOTES), {}
    for rule in inline_params.PARAM_RULES:
        match = rule.pattern.search(text)
        if match and rule.arg not in params:
            params[rule.arg] = rule.convert(match["value"])
            text = f"{text[: match.start()]} {text[match.end() :]}"
    text = _tidy(text)  # "my cat looks grumpy, cut him out": him is the cat (`sentences.clauses`)
    return Request(
        message,
        clause(text, someone=len(CLAUSE_CUT.split(text)) < 2 or not named(text)),
        params,
        dict(takes or {}),
    )


def tidied(message: str) -> str:
    """`message` in lower case with its punctuation tidied, nothing taken out."""
    return _tidy(message.lower().translate(QUOTES))


def clause(text: str, *, someone: bool = True) -> str:
    """A tidied clause without its polite wrappers and reasons, a statement as its request;
    with `someone`, "her" or "him" as a person ("cut her out", "blur everything behind him")."""
    text = _strip_wrappers(text)
    return sentences.rewrite(sentences.SOMEONE.sub("the person", text) if someone else text)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)  # first: a pattern with "\s*" then stays linear in a run of spaces
    # an emoji in a word's place is that word ("sky = 🌈", "add a 🦈"); others go with the punctuation
    text = _EMOJI.sub(lambda m: f"{m['lead']}{EMOJI[m['emoji']]} ", text)
    text = _HASHTAG.sub(" ", text)
    text = re.sub(r"\s*(?:→|->|=>|⇒|➡)\s*", " becomes ", text)  # "cushion → red"
    text = _SAID_EQUAL.sub(" becomes ", text)  # "sky = rainbow", not "brightness = high"
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)  # quotes, not apostrophes
    # "exposure +1" is a stop; "vibrance +15" a share
    text = text.replace("−", "-").replace("×", "x")  # a designer's minus and times signs
    text = _ASIDE.sub(_aside, text)  # "straighten it (tilts left, ~1.5 deg)"
    if "—" in text or "–" in text:  # a dash with a space is a clause break, not "t–shirt" (one space: linear)
        text = re.sub(r" [—–] ?| ?[—–] |—", ", ", re.sub(r"\s+", " ", text))
    text = _SHARE_FIRST.sub(lambda m: f"{m['noun']} {'up' if m['sign'] == '+' else 'down'} {m['n']}%", text)
    text = re.sub(r"\b(exposure|brightness) ?\+ ?([123])\b(?![.%\d])", r"\2 stops brighter", text)
    text = re.sub(r"\b(exposure|brightness) ?- ?([123])\b(?![.%\d])", r"\2 stops darker", text)
    text = re.sub(
        r"\b(vibrance|saturation|contrast|warmth|sharpness|clarity) ?\+ ?(\d{1,3})(?!\.\d|[\d%]| ?percent)",
        r"\1 up \2%",
        text,
    )
    text = re.sub(r"(?<=[a-z]) ?\+ ?(?=\d)", " up ", text)  # "contrast +20%"
    text = re.sub(r"(?<=[a-z]) ?\+ ?(?=[a-z])", " and ", text)  # "the coffee + croissant"
    text = re.sub(r"(?<=[a-z]) -(?=\d)", " down ", text)  # "brightness -10%"
    text = text.replace("&", " and ").replace("°", " degrees ")  # "black & white", "1.5°"
    text = re.sub(r"(?:(?<!\d)\.|\.(?!\d)|[?!;])+(?=\s+\w)", ",", text)  # a sentence's end, a clause's
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # full stops, not decimal points
    text = re.sub(r"(?<=[a-z]):\s", ", ", text)  # "a shallow depth of field look: keep her sharp"
    text = re.sub(r" / ", ", ", text)  # "sharper / brighter / warmer": a list
    text = re.sub(r"[^\w\s,'.#%-]", " ", text)  # "%": "extend it by 50%"
    text = re.sub(r"\s+", " ", text)  # first, so the comma rule below meets single spaces (linear)
    text = re.sub(r" -+ ", ", ", text)  # a dash between clauses: "a cable behind the sofa - take it out"
    text = re.sub(r"^(?=(?:looks|seems|feels) )", "it ", text)  # "looks washed out, can you fix it"
    text = _SHORTHAND.sub(lambda m: SHORTHAND[m[0]], text)  # "can u get rid of teh lamp"
    text = _spoken(text)
    text = re.sub(
        r"(?:^|(?<=, ))its (?=(?:too|to|so|a bit|way|really|very|quite|kind of|not|a little)\b)",
        "it's ",
        text,
    )
    text = _RUN_ON.sub(r"\g<said>, ", text)  # "it's so dark brighten it up"
    text = _REMARK_AFTER.sub(", ", text)  # "make the croissant pop more its looking a bit flat"
    text = _ASKED_AFTER.sub(r"\g<said>,", text)  # "its too dark i cant see my face make it brighter"
    text = re.sub(
        r"\b(but|and|then|so) (?:please|pls|plz) ", r"\1 ", text
    )  # "..., but please leave the ball"
    text = re.sub(
        r"(?<=\w)(?<!\byou)(?<!\bu)(?<!\bi) (?:please|pls|plz)(?= \w)", ",", text
    )  # "brighter pls its dark"
    text = re.sub(r" ?,[ ,]*", ", ", text)
    return text.strip(" ,-")


# an aside in brackets is a clause ("straighten it (tilts left, ~1.5 deg)"), a guess is left out
# ("the white specks (dust on my lens i think)")
_ASIDE = re.compile(r" ?\(([^()]{2,})\)")


def _aside(match: re.Match[str]) -> str:
    """An aside as a clause of its own; a word alone as a word ("teal (matte)"); a guess left out."""
    said = match[1].strip()
    return " " if _HEDGED.search(said) else f" {said}" if " " not in said else f", {said},"


_HEDGED = re.compile(r"\b(?:i think|i guess|i believe|i reckon|probably|maybe|not sure|lol|haha|i hope)\b")
# a change said before its tone: "+15% contrast", "-10% saturation"
_SHARE_FIRST = re.compile(
    r"(?<![\w%])(?P<sign>[+-]) ?(?P<n>\d{1,3}) ?% (?P<noun>contrast|brightness|saturation|warmth|vibrance"
    r"|exposure|sharpness|clarity)\b"
)


def _strip_wrappers(text: str) -> str:
    # the ends first: "okay so the lamp is distracting, ..." is no reason after "okay"
    text = _strip_ends(text)
    text = phrases.REASON_AFTER.sub("", phrases.REASON_BEFORE.sub("", phrases.PURPOSE.sub("", text), count=1))
    return _strip_ends(text)


def _strip_ends(text: str) -> str:
    while True:
        stripped = phrases.TRAILING.sub("", phrases.LEADING.sub("", text, count=1)).strip(" ,")
        if stripped == text:
            return text
        text = stripped


# how people talk, said as they would write it: fillers out, "more bright" as "brighter", a
# new sentence where a spoken one runs on ("... is distracting can you get rid of it")
_FILLERS = re.compile(
    r"(?:,? )?\b(?:u+m+|u+h+|e+r+m+|e+r+|uhm)\b,?"
    r"|\b(?:ngl|tbh|lmao|lol|omg|imo|smh|(?:ha){2,}h?|(?:he){2,})\b"
    r"|(?<=\byou) like(?= \w)"
    r"|,? (?:i guess|i mean|you know)\b"
)
_MORE = {"bright": "brighter", "dark": "darker", "warm": "warmer", "cold": "cooler", "cool": "cooler",
         "sharp": "sharper", "big": "bigger", "large": "larger", "small": "smaller", "soft": "softer",
         "clear": "clearer"}  # fmt: skip
_MORE_ADJ = re.compile(rf"\b(?:more|much) ({'|'.join(_MORE)})\b")
# a remark on the photo run on into the request: "it's so dark brighten it up"
_RUN_ON = re.compile(
    r"^(?P<said>(?:it's|it is|this is|that's|everything's|everything is|it looks|this looks)"
    r"(?: (?!and\b)[\w-]+){1,3}?)(?<!\bto)(?<!\bnot)"  # not "it's a shame to remove the dog"
    r" (?=(?:brighten|darken|lighten|make|fix|remove|crop|turn|change|get rid|take|please|pls|can|could)\b)"
)
# a remark run on after the request: "... pop more its looking a bit flat and sad"
_REMARK_AFTER = re.compile(
    r"(?<=\w)(?<!\blike)(?<!\bif)(?<!\bas)(?<!\bbecause)(?<!\bso)(?<!\bthat)(?<!\bwhen)(?<!\bsince)(?<!\bcause)"
    r" (?=(?:it's|its|it is|they're|they are|he's|she's)"
    r" (?:looking|a bit|too|so|kind of|really|my|our)\b)"
)
# a request run on after a remark with no full stop: "... i cant see my face make it brighter"
_ASKED_AFTER = re.compile(
    r"^(?P<said>(?:it's|it is|it looks|this is|this looks|everything is|everything's)\b"
    r"[^,]*?[a-z])(?<!\byou)(?<!\bu)(?<!\bto)(?<!\band)(?<!\bthen)(?<!\bjust)(?<!\bplease)(?<!\bpls)"
    r"(?<!\bme)(?<!\bso)(?<!\bnot)(?<!'d)(?<!\bcan)(?<!\bcould)(?<!\bwould)"
    r" (?=(?:make|turn) (?:it|the|this|my|him|her|them|everything)\b)"
)
_SAID_LONG = re.compile(r"(?<![#\w])[a-z]*([a-z])\1\1[a-z]*\b")  # a word, not a colour code "#aaa000"
# what someone holds or wears, named by that: "the cup he's holding", "whatever she's holding"
_HELD = re.compile(
    r"\b(?P<det>whatever|what|the|that|this|my) (?:(?P<noun>[\w-]+) )?(?:that |which )?(?P<who>he|she|they)"
    r"(?:'s| is| are) (?:holding|carrying|wearing)\b"
)
_HIS = {"he": "his", "she": "her", "they": "their"}


def _held(match: re.Match[str]) -> str:
    noun = match["noun"]
    if noun and noun not in ("thing", "stuff", "object", "one") and match["det"] not in ("whatever", "what"):
        return f"{match['det']} {noun}"
    return f"the thing in {_HIS[match['who']]} hand"


_UNDO_TWO = re.compile(
    r"\bundo (?:both(?: of (?:those|them|these))?|the last (?:two|2)(?: edits| changes| steps)?"
    r"|th[oe]se two)$"
)
_STOPS = re.compile(r"\b(?:bring|push) (it|this|that) up (?:by )?(?:half a|a|one|two|1|2) stops?\b")
# "two stops brighter", "darker by half a stop": a stop is a lot, half a stop a little
_STOPS_SAID = re.compile(
    r"\b(?:(?P<n>half a|a|one|two|three|[123]) stops? (?P<way>brighter|darker)"
    r"|(?P<way2>brighter|darker) by (?P<n2>half a|a|one|two|three|[123]) stops?)\b"
)
_EXPOSURE_STOPS = re.compile(
    r"\b(?P<verb>bump|push|raise|lift|increase|turn|crank|pump|boost|up|open|drop|lower|decrease|reduce|pull"
    r"|bring|cut|knock)(?: up| down)? (?:the )?(?:exposure|brightness) (?P<dir>up |down )?(?:by )?"
    r"(?P<n>[123]|one|two|three|a) (?:full )?stops?\b"
)


def _stops_said(match: re.Match[str]) -> str:
    down = (
        match["verb"] in ("drop", "lower", "decrease", "reduce", "pull", "cut", "knock")
        or match["dir"] == "down "
    )
    return f"{match['n']} stops {'darker' if down else 'brighter'}"


_STOP_AMOUNT = {"half a": "a little ", "a": "", "one": "", "1": ""}
_KELVIN = re.compile(r",? (?:by |to )?(?:(?:a few hundred|some|\d+) ?kelvin|\d{3,5} ?k)\b")  # not "4k"
# what a blurred background is for: "blur the background so the man stands out" is behind him
_STANDS_OUT = re.compile(
    r"\b(?P<blur>(?:blur|soften|defocus)(?: out)? the background(?: a little| a bit| a lot| more)?)"
    r"(?P<px>,? (?:with|by) (?:an? )?\d{1,2} ?(?:px|pixels?)(?: radius| blur)?)?,? "
    r"(?:so (?:that )?(?:(?:all )?(?:the )?focus is on (?P<a>[\w' ]+?)"
    r"|(?P<b>(?!(?:it|everything|they|she|he|i|we|you|them|him|her|us|the colou?rs|the tones)\b)[\w' ]+?)"
    r" (?:stands?|pops?)(?: out)?(?: more)?)"
    r"|(?:and |but )?keep(?:ing)? (?P<c>(?:the|my|his|her|their) [\w' ]+?) (?:sharp|in focus|crisp))[ ,]*$"
)
_CENTRED = re.compile(
    r"\bcrop (?:it |the (?:photo|picture|image) )?so (?:that )?(?P<thing>(?:the|my|his|her) [\w' ]+?)"
    r"(?:'s| is) (?:in the )?(?:centre|center|middle)\b"
)
_OUTSIDE = re.compile(
    r"\b(rain|snow|raining|snowing|sunny|stormy|foggy|misty) (?:outside|outdoors|out there)\b"
)
_FOR_WHOM = re.compile(
    r"(?:^|(?<=, ))for (?:my|his|her|our|their) [\w' -]+?,? "  # not "for the sky, make it bluer"
    r"(?=(?:i'?d|i would|i want|i need|could|can|would|please|make|turn|change|remove)\b)"
)
_ASKS = re.compile(r"(?<=\w) (?=(?:can|could|would) (?:you|u) (?!be\b))")


# a contented remark asks for nothing: "it's a bit dark but i like it"
_CONTENT = re.compile(
    r"\bbut (?:i|we) (?:really )?(?:like|love) it\b|\bthat's the (?:mood|look|vibe|feel) (?:i|we)\b"
    r"|\bis (?:that|this|it) normal\b|\bon purpose\b"
)
# numbers said in words before a unit or in a ratio: "twenty percent", "sixteen by nine"
_TENS = "|".join(w for w, n in NUMBER_WORDS.items() if n in range(20, 100, 10) and w.isalpha())
_UNITS = "|".join(w for w, n in NUMBER_WORDS.items() if 1 <= n <= 9 and w.isalpha())
_NUMBER = rf"(?:(?:{_TENS})[ -](?:{_UNITS})|{alt(NUMBER_WORDS)})"
_SAID_NUMBER = re.compile(
    rf"\b(?P<n>{_NUMBER})(?:(?P<by> by )(?P<m>{_NUMBER})\b|(?= by \d))"
    rf"|\b(?P<alone>{_NUMBER})(?=(?: |-)?(?:%|percent|per cent|degrees?|px|pixels?|times|x)\b)"
    rf"|(?<=\d by )(?P<after>{_NUMBER})\b"
)


def _numbers(match: re.Match[str]) -> str:
    """ "sixteen by nine" -> "16 by 9", "twenty percent" -> "20 percent"."""
    if match["n"]:
        return _number(match["n"]) + (f" by {_number(match['m'])}" if match["m"] else "")
    return _number(match["alone"] or match["after"])


def _number(said: str) -> str:
    """ "sixteen" -> "16", "twenty-five" -> "25"."""
    tens, _, unit = said.replace("-", " ").partition(" ")
    if tens in _TENS.split("|") and unit in _UNITS.split("|"):
        return str(NUMBER_WORDS[tens] + NUMBER_WORDS[unit])
    return str(NUMBER_WORDS[said])


def _spoken(text: str) -> str:
    text = _FILLERS.sub("", text)
    if _CONTENT.search(text):  # "it's a bit dark but i like it": a remark, no complaint (`rules_talk`)
        text = re.sub(r"\b(?:a bit|a little|slightly|kind of|a tad) (?=\w)", "", text)
    text = _SAID_NUMBER.sub(_numbers, text)
    text = re.sub(
        r"\b(it's|it is|its|is|are|looks?) to (?=(?:dark|bright|light|blurry|small|big|cold|warm|dull)\b)",
        r"\1 too ",
        text,
    )  # "its to dark"
    text = _SAID_LONG.sub(lambda m: re.sub(r"([a-z])\1{2,}", r"\1\1", m[0]), text)  # "sooo", "pleeease"
    text = re.sub(r"\bsoo\b", "so", text)
    text = re.sub(r"^cool(?:,| thanks| thank you)\s*", "", text)  # "cool, now ..." (not "cool it down")
    text = re.sub(r"\blike (?=(?:half|a bit|a little|twice|double|\d))", "", text)  # "like half the size"
    text = re.sub(
        r"\b(?:about|around|roughly|approximately|approx|some) (?=(?:an? )?\d)", "", text
    )  # "by about 30%"
    text = re.sub(r"\b(?:downsample|downscale|downsize|down-sample|down-scale)\b", "shrink", text)
    text = _UNDO_TWO.sub("undo twice", text)  # "undo both of those"
    text = re.sub(r"\bdodge\b", "brighten", text)  # a darkroom's word
    text = _STOPS.sub(r"brighten \1", text)  # "bring it up half a stop"
    text = _EXPOSURE_STOPS.sub(_stops_said, text)  # "bump exposure up 2 stops": "2 stops brighter"
    text = _STOPS_SAID.sub(
        lambda m: f"{_STOP_AMOUNT.get(m['n'] or m['n2'], 'a lot ')}{m['way'] or m['way2']}", text
    )
    text = _KELVIN.sub("", text)  # "warm it up a few hundred kelvin"
    text = re.sub(r"\bthrow the background out of focus\b", "blur the background", text)
    text = _CENTRED.sub(r"crop to \g<thing>", text)  # "crop it so the dog's in the centre"
    text = _STANDS_OUT.sub(lambda m: f"{m['blur']} behind {m['a'] or m['b'] or m['c']}{m['px'] or ''}", text)
    text = _OUTSIDE.sub(r"\1", text)  # "make it rain outside"
    text = phrasings.rephrased(text)  # a designer's, a restorer's, a place's fixed words
    text = _HELD.sub(_held, text)  # "the cup he's holding": the cup
    text = re.sub(r"\bbehind of\b", "behind", text)
    text = re.sub(r"\b(?:next|close) of\b", "next to", text)  # "next of the cat"
    text = _MORE_ADJ.sub(lambda m: _MORE[m[1]], text)  # "make more bright the picture"
    text = re.sub(r"\beven (?=\w+er\b)", "", text)  # "even warmer"
    text = re.sub(r"\b(scale|size|shrink)( it)? down\b", r"\1\2", text)  # "scale it down to 50%"
    text = re.sub(r"^(convert|change|switch|resize|scale|shrink) to ", r"\1 it to ", text)  # "convert to b&w"
    text = re.sub(r" of (?:the|its) (?:current|original|present|old) size\b", "", text)
    text = re.sub(r"^(need|want) (?=it |this |that )", r"i \1 ", text)  # "need it bigger"
    text = re.sub(
        r"(?<=[a-z]) 4 (?=(?:the|my|our|a|an|me|him|her|them|us)\b)", " for ", text
    )  # "a cartoon 4 the kids"
    text = _ASKS.sub(", ", text)
    text = _FOR_WHOM.sub("", text)  # "for his memorial i'd love to turn it into an oil painting"
    return re.sub(r"\s+", " ", text).strip()
