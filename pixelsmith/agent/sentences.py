"""How people put a request in a sentence, for the offline rules.

- `rewrite`: a wish said as a statement becomes the request it means: "the curtains should
  be cream" -> "make the curtains cream", "can the floor be concrete" -> "make the floor
  concrete", "I'd like the ring to be silver" -> "make the ring silver"; what it replaces
  is left out ("... instead of gold", "..., not this orange", "from blue to black").
- `clauses`: a message that is not one request as a whole may hold one among remarks ("the
  lamp is ugly, replace it with a modern floor lamp"; "my son is frowning here, could you
  make him look cheerful"); the clauses are tried one by one, and a pronoun in the request
  ("replace it") stands for what the remark was about ("the lamp").
"""

from __future__ import annotations

import re

from pixelsmith.agent.phrases import COLOUR_PHRASE
from pixelsmith.agent.vocabulary import alt, pairs

_THING = r"(?P<x>(?:the|my|our|his|her|their|this|that|these|those) [\w' -]+?)"
_WHO = {"she": "her", "he": "him", "they": "them", "i": "me", "we": "us"}
_PERSON = r"(?P<who>she|he|they|i|we)"

# (pattern, replacement) on the normalised text, in order; each applies at most once
_BE = r"(?P<v>be|look|become|seem)(?: (?:shown|made|seen|drawn))?"
_WANT = r"(?:i'?d|i would|i should) (?:very much |really |so much )?(?:like|love|prefer)|i want|i need"
_LOST = r"(?:the |this |that |its |his |her |my )?[\w' -]+$"
_DONE = pairs("verbs", "done to it")  # "turned" -> "turn"
_MODAL = r"(?:could|can|would|might|should|will)"
_IT = r"(?:it|this|that|the (?:photo|picture|image))"
_NEXT = r"(?=,| and | then |$)"  # where a phrase ends: the next request is kept


def _verb(stem: str, double: str | None) -> str:
    """The verb of a gerund: "cropping" -> "crop", "adding" -> "add", "making" -> "make"."""
    if double:  # "add" keeps its double letter; "crop", "put", "blur" do not
        return stem + double * 2 if stem + double * 2 == "add" else stem + double
    return _base(stem)


def _base(stem: str) -> str:
    """The verb of a gerund's stem: "mak" -> "make", "remov" -> "remove", "eras" -> "erase"; "blur" stays."""
    return (
        stem + "e"
        if re.search(r"(?:[^aeiou][aeiou][kvzc]|[^aeiou][ae]t|chang|ras|[^aeiou]os|[^aeiou]al)$", stem)
        else stem
    )


def _make(match: re.Match[str]) -> str:
    """ "make X Y", or "make X look Y" when the wish said how it should look."""
    said = match.groupdict()
    who = said.get("x") or _WHO[said["who"]]
    return f"make {who} {'look ' if said['v'] in ('look', 'seem') else ''}{said['y']}"


# (pattern, replacement) on the normalised text, in order; each applies at most once
REWRITES = [
    # what the change replaces: said, not asked for
    (re.compile(rf"(?:,? (?:instead of|rather than)|, not) {_LOST}"), ""),
    (re.compile(rf" from {COLOUR_PHRASE} (?:to|into) "), " "),
    # a tone said not wanted is left out: "brighten it, no vignette"
    (re.compile(r"(?:^|,? )(?:no|without|not|don't add|do not add|without any)(?: a| any)? "
                r"(?:vignette|vignetting|dark corners|dark edges)(?: please)?(?=,|$)"), ""),
    # "the sky all pink and purple like candy floss": the colours
    (re.compile(rf"\b(?P<c>{COLOUR_PHRASE}),? like (?:an? |the |some )?[\w' -]+?{_NEXT}"), r"\g<c>"),
    (re.compile(rf"\b(?:all|completely|totally|entirely) (?=(?:{COLOUR_PHRASE})\b)"), ""),
    (re.compile(rf",? without (?:cutting|cropping|chopping|losing) (?:off |out )?[\w' -]+?{_NEXT}"), ""),
    (re.compile(r",? without (?:changing|touching|affecting|altering) (?:the |its )?"
                r"(?:colou?rs|tones|anything else|the rest|lighting|composition)$"), ""),
    (re.compile(r" (?:behind|around) (?:me|them|us)\b|(?<=background) (?:behind|around) the person\b"), ""),
    (re.compile(r" like (?:a |on a )?(?:portrait mode|a phone|an iphone)(?: [\w ]+)?$"), ""),
    (re.compile(r" each$"), ""),
    # "(would you) mind making it disappear", "make just the cat look like a cartoon"
    (re.compile(r"^(?:would you |do you |would u )?mind "
                r"(?P<v>[a-z]+?)(?:(?P<double>[bdgmnprt])(?P=double))?ing\b"),
     lambda m: _verb(m["v"], m["double"])),
    (re.compile(r"^(?P<v>make|turn|change|paint|colou?r) (?:just|only) (?=(?:the|my|his|her|their|our) )"),
     r"\g<v> "),
    # asked in the passive: "could it be turned into black and white", "it could be made to look like ..."
    (re.compile(rf"^(?:{_MODAL} (?P<x>{_IT})|(?P<x2>{_IT}) (?:could|can|might|should)) be "
                rf"(?P<done>{alt(_DONE)})(?: to(?= look\b))?\b(?!.*, so )"),
     lambda m: f"{_DONE[m['done']]} {m['x'] or m['x2']}"),
    # a wish as a statement
    (re.compile(rf"^(?:can|could) {_THING} {_BE} (?P<y>.+)$"), _make),
    (re.compile(rf"^{_THING} (?:should|could|must|needs? to|has to|ought to) {_BE} (?P<y>.+)$"), _make),
    (re.compile(rf"^{_PERSON} (?:should|could|must|needs? to) {_BE} (?P<y>.+)$"), _make),
    (re.compile(rf"^(?:{_WANT}) {_THING} to {_BE} (?P<y>.+)$"), _make),
    (re.compile(rf"^(?:{_WANT}) (?P<x>it|this|that) (?P<y>[\w-]+er)$"), r"make \g<x> \g<y>"),
    (re.compile(rf"^(?:{_WANT}) (?:this|the|my|our) (?:[\w-]+ )?"
                r"(?:photo|picture|image|pic|shot) (?P<y>(?:in|as) .+)$"), r"make it \g<y>"),
]  # fmt: skip

# a remark about a thing: "the lamp is ugly", "my son is frowning here", "he looks too serious"
REMARK = re.compile(
    r"^(?:(?P<thing>(?:the|my|our|his|her|their|this|that|these|those)"
    r"(?: (?!(?:and|to|is|are|was|were|be|for|wants?|needs?)\b)[\w'-]+){1,4}?)"  # a thing, not "... and it"
    r"|she|he|they|it|i|we)"
    r"(?:'s| is| are| was| were| looks?| seems?| has| have| had| would| will| missed| keeps?"
    r"| came out| comes out| turned out)\b"
)
_THE_PHOTO = re.compile(
    r"(?:the|this|that|my|our) (?:photo|picture|pic|image|shot|file|thing|whole thing|resolution|quality"
    r"|size)"
)
_REGION = re.compile(
    r"(?:the|this|that) (?:(?:top|bottom|left|right|upper|lower|far|whole) ){0,2}"
    r"(?:half|side|corner|top|bottom|edge|edges|part|area|bit|strip|third|middle|centre|center)"
)
# "her" or "him" said of someone in the photo, not of their things ("her hat"): a person, unless a
# remark named them ("my cat looks grumpy, cut him out"); beside them, the rules place a new
# thing by the photo's main subject
SOMEONE = re.compile(
    r"(?<!next to )(?<!beside )(?<!near )\b(?:her|him)\b"
    r"(?=$|,| (?:out|up|off|sharp|alone|only|on its own|in focus|and|from|with|at|into|over|behind|in the"
    r"|on the|there)\b)"
)
PRONOUN = re.compile(rf"\b(?:it|them)\b|{SOMEONE.pattern}")
# a thing named alone before what to do with it: "the round red thing, make it green"
_NAMED = re.compile(
    r"(?P<thing>(?:the|that|this|those|these) (?!(?:photo|picture|image|pic)\b)[\w'-]+(?: [\w'-]+){0,5})"
    r"(?<!\bleans)(?<!\blean)(?<!\bleaning)(?<!\btilts)(?<!\bconverge)(?<!\blooks)(?<!\bseems)"  # no remark
)
# a thing disliked: "sick of looking at that skateboard", "i hate the bin"
_DISLIKED = re.compile(
    r"(?:(?:i'?m|i am) )?(?:(?:so|honestly|really|just) )?(?:(?:sick|tired) of (?:looking at |seeing )?"
    r"|i (?:hate|can'?t stand|cannot stand|don'?t like|do not like|dislike) )"
    r"(?P<thing>(?:the|that|this|those|these) [\w'-]+(?: [\w'-]+){0,3})"
)
_WORN = re.compile(r"\b(?:her|his|their|its) (?=[a-z])")  # what the named one wears or has
CLAUSE_CUT = re.compile(r"\s*(?:[,;:!?]|\.(?!\d)|\bbut\b)\s*")


def rewrite(text: str) -> str:
    """`text` with a statement turned into the request it means (see the module docstring)."""
    for pattern, replacement in REWRITES:
        text = pattern.sub(replacement, text, count=1)
    return text.strip(" ,")


def named(text: str) -> list[str]:
    """The things the remarks of `text` are about: what a pronoun in its request stands for."""
    parts = [p for p in CLAUSE_CUT.split(text) if p and p.strip()]
    pieces = [piece for p in parts for piece in p.split(" and ")]  # "... and the bowl is in the way"
    said = (REMARK.match, _NAMED.fullmatch, _DISLIKED.fullmatch)
    found = (next(filter(None, (read(p) for read in said)), None) for p in pieces)
    things = [m["thing"] for m in found if m and m["thing"]]
    things = [re.sub(r"^(?:that|this) ", "the ", t) for t in things]  # "that parked thing, make it a taxi"
    # "the file's massive": it is the photo; "the left half is too dark": a part of it, not a thing
    return [t for t in things if not _THE_PHOTO.fullmatch(t) and not _REGION.fullmatch(t)]


def clauses(text: str) -> list[str]:
    """Each clause of `text` that may be the request, a pronoun in it carried from a remark
    ("the lamp is ugly, replace it" -> "replace the lamp"); [] for a message of one clause."""
    parts = [p for p in CLAUSE_CUT.split(text) if p and p.strip()]
    if len(parts) < 2:
        return []
    things = named(text)
    found, remarks = [], []
    for part in parts:
        if REMARK.match(part):  # tried last: "it looks washed out" may be the request itself
            remarks.append(part)
            continue
        if things and PRONOUN.search(part):  # then as written: "the shelf is wonky, tilt it 5 degrees"
            found.append(PRONOUN.sub(things[0], part, count=1))
        elif things and (worn := _WORN.sub("the ", part, count=1)) != part:  # "the girl, make her coat red"
            found.append(worn)
        found.append(part)
    return found + remarks
