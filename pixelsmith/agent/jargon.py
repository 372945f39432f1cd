"""Other photo editors' words, read as the plain ones the rules know (`normalise`): a tool
("content-aware fill the bucket out", "magic wand the sky", "straighten tool pls"), a
filter ("put the clarendon filter on it"), the app itself ("like in lightroom"), and the name
of an edit said as a verb ("photoshop a hat onto him", "filter it black and white"). The
words are in `data/words/apps.txt`."""

from __future__ import annotations

import re
from functools import cache

from pixelsmith.agent.vocabulary import alt, pairs, pattern

_PLAIN_OBJECT = r"(?:the|that|this|those|these|his|her|my|their|a|an|some) [\w' -]+?"
# an edit said with the app's name as its verb: "photoshop a hat onto him", "photoshop out the sign"
_AS_VERB = re.compile(
    rf"\bphotoshop (?P<put>{_PLAIN_OBJECT}) (?:onto|on to|on|into|in) "
    rf"|\bphotoshop (?:out (?P<out>{_PLAIN_OBJECT})|(?P<out2>{_PLAIN_OBJECT}) out)\b"
    r"|\bfilter (?P<it>it|the (?:photo|picture|image|pic|whole thing)) (?=(?:to |into )?[\w-]+)"
)
# a slider said with its amount: "lightroom post-crop vignette, amount around -30, midpoint default"
_AMOUNT = re.compile(
    r"\b(?:add (?:a |an )?)?vignette,? (?:with (?:an? )?)?amount (?:around |about |of |at |to )?"
    r"(?:down |minus |up )?(?P<n>\d{1,3})\b(?:,? midpoint [\w ]+)?"
)
_DEHAZE = re.compile(r"\bdehaze(?: (?P<thing>the [\w ]+?)(?= a bit| a little| slightly| more|,|$)| it\b)?")
# "select subject -> remove bg": the subject cut out
_CUT_OUT = re.compile(
    r"\bselect (?P<thing>.+?),? (?:then |and |becomes )?(?:remove|delete|erase|knock out|drop|lose|hide)"
    r" (?:the )?background\b"
)
_TONES = r"(?:clarity|contrast|sharpness|saturation|vibrance|definition)"
_LIKE_A_TOOL = re.compile(
    r",? (?:just )?like (?:a |the )?(?:portrait mode|lens blur|a filter)(?: on (?:a|an|my|the) [\w]+)?(?=,|$)"
)
# an app's button: "hit auto tone", "tap enhance"
_BUTTON = re.compile(r"^(?:hit|click|press|tap|run|smash) (?:the )?(?=auto|enhance|one tap)")
# a thing taken out "of" where it is: "remove the red bucket out of the boat"
_OUT_OF = re.compile(rf"\bremove (?:out )?(?P<thing>{_PLAIN_OBJECT}) out(?P<of> of| from)?\b")
# "inpaint the bucket so its a cooler box instead": the thing turned into another
_SO_IT_IS = re.compile(
    rf"\b(?:change|edit|fix|redo|paint) (?P<thing>{_PLAIN_OBJECT}) so (?:that )?(?:it's|its|it is|it becomes)"
    r" (?P<new>an? [\w' -]+?)(?: instead)?(?=,|$)"
)


# loose words for an edit: "resize it to a square" (a crop), "mirror it upside down" (a flip),
# "crop the jetty out of it" (gone), "erase the background and make it white"
_PICTURE = r"(?:it|the (?:photo|picture|image|pic|shot|frame))"
_LOOSE = (
    (re.compile(rf"\bresize {_PICTURE} (?:in)?to (?:a )?square\b"), "crop it square"),
    (re.compile(rf"\bmirror {_PICTURE} (?:upside down|vertically|top to bottom)"), "flip it vertically"),
    (re.compile(rf"\bcrop (?P<thing>{_PLAIN_OBJECT}) out(?: of {_PICTURE})?(?=,|$)"), r"remove \g<thing>"),
    (re.compile(r"\bcolou?r in (?=(?:the|his|her|my|that|this) )"), "colour "),
    (
        re.compile(r"\b(extend|expand|widen|stretch) (it|the (?:canvas|image|photo|picture|frame)) out\b"),
        r"\1 \2",
    ),
    # "extend the lake at the bottom": more of the photo on that side
    (
        re.compile(
            r"\b(?:extend|expand|continue|add more of) the (?!(?:photo|picture|image|canvas|frame|pic)\b)"
            r"(?!.*\b(?:pixels?|px|percent)\b)[a-z ]+? (?:at|on|along|to) the"
            r" (bottom|top|left|right)(?: edge| side)?$"
        ),
        r"extend the \1",
    ),
    (
        re.compile(
            r"\b(?:erase|remove|delete|get rid of|lose) the background,? (?:and |then )?(?:make|turn|fill) it"
            r" (?P<colour>white|black|grey|gray|transparent)\b"
        ),
        r"make the background \g<colour>",
    ),
    (
        re.compile(
            r"^cut (?:off )?(?:the|that) [\w -]+? (?:off|out),? (?:as )?i (?:only|just) want"
            r" (?:to keep )?(?P<kept>the .+)$"
        ),
        r"crop to \g<kept>",
    ),
)


@cache
def _words() -> re.Pattern[str]:
    said = alt(re.escape(words) for words in pairs("apps", "app words"))
    return re.compile(rf"(?<![\w-])(?P<said>{said})(?![\w-])")


@cache
def _filter() -> re.Pattern[str]:
    names = alt(re.escape(name) for name in pairs("apps", "filters"))
    return re.compile(
        rf"(?:\b(?:put|add|apply|use|slap|throw|stick|give it|do) )?(?:(?:on )?(?:the|a|an|that) )?"
        rf"(?<![\w-])(?P<name>{names}) (?:filter|preset|look|effect)"
        r"(?: (?:on|to|over|onto) (?:it|the (?:photo|picture|image|pic)))?\b"
    )


@cache
def _apps() -> re.Pattern[str]:
    apps = pattern("apps", "apps")
    return re.compile(  # not "for insta": a purpose, read as one
        rf"(?:(?:,? (?:just )?(?:like|as)(?= (?:in|on|from) ))?(?:,? (?:in|on|from|with))?(?: the)? |^)"
        rf"(?<!\bfor ){apps}(?:'s| app)?(?: (?:thing|tool|feature|way|one))?(?=[ ,]|$)"
    )


def plain(text: str) -> str:
    """`text` (tidied, lower case) with other editors' words said plainly."""
    text = _AS_VERB.sub(_as_verb, text)
    for loose, plainly in _LOOSE:
        text = loose.sub(plainly, text)
    text = _filter().sub(lambda m: f"make it {pairs('apps', 'filters')[m['name']]}", text)
    text = _apps().sub("", text).strip(" ,")
    text = _LIKE_A_TOOL.sub("", text)  # "blur the background behind me like portrait mode on a phone"
    text = _words().sub(lambda m: pairs("apps", "app words")[m["said"]], text)
    text = _BUTTON.sub("", text)
    text = _CUT_OUT.sub(lambda m: f"cut out {m['thing']}", text)
    text = re.sub(rf"\badd (?:some |a bit of |a little |a touch of )?(?={_TONES}\b)", "more ", text)
    text = _AMOUNT.sub(lambda m: f"add a vignette {m['n']}%", text)
    text = _DEHAZE.sub(lambda m: f"more contrast on {m['thing']}" if m["thing"] else "more contrast", text)
    # "generative fill: a heron on the jetty", "magic edit - swap the bucket for a basket"
    text = re.sub(
        r"^(?:change|select|remove|extend), (?=(?:swap|replace|remove|change|turn|make|put|take)\b)", "", text
    )
    text = re.sub(r"^(add|change|remove|select|extend), ", r"\1 ", text)
    text = _OUT_OF.sub(lambda m: f"remove {m['thing']}{' from' if m['of'] else ''}", text)
    text = re.sub(r"\bremove out\b", "remove", text)  # "clone out that jetty"
    return _SO_IT_IS.sub(lambda m: f"turn {m['thing']} into {m['new']}", text)


def _as_verb(match: re.Match[str]) -> str:
    if match["put"]:
        return f"put {match['put']} on "
    if match["it"]:
        return f"make {match['it']} "
    return f"remove {match['out'] or match['out2']}"
