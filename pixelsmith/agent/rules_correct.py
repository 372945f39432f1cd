"""A change of mind inside one message, for the offline rules: the request it ends on.

People correct themselves as they type: "make the door blue, no wait, green", "remove the
car — actually no, just blur it", "replace the cat with a dog, or maybe a rabbit?? ok rabbit",
"Make the raincoat red. Sorry, I meant the front door, not the raincoat!". What follows the
correction word (`talk.txt` [corrections]) is either a request of its own ("just blur it":
"it" is what the first request named) or a piece of the first request said again: a colour,
a shape, an amount, a thing ("the front door") or what it becomes ("oil painting"), which
takes the place of its like in the first request. `corrected` gives the request the message
ends on, or None when it has no change of mind the rules can follow.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pixelsmith.agent.normalise import QUOTES
from pixelsmith.agent.phrases import COLOUR_PHRASE, COLOUR_WORD
from pixelsmith.agent.vocabulary import alt, entries, pattern
from pixelsmith.views import EditView

# a correction word starts a clause ("..., actually, sepia"); one of several words may run on
# ("make it blue no wait green"); "well not flip exactly" names what it takes back
_WORDS = entries("talk", "corrections")
_MARK = re.compile(
    rf"(?:(?:^|,)\s*(?:{alt(_WORDS)})|\s(?:{alt(w for w in _WORDS if ' ' in w)})"
    rf"|(?:^|,)\s*well not(?: [\w'-]+){{1,3}}?(?: exactly)?(?=,))\b(?:[ ,]+(?:{alt(_WORDS)})\b)*[ ,]*"
)
# more asked for, not a change of mind: "make it brighter. actually, also crop it"
_ADDED = re.compile(r"\b(?:also|too|as well|i forgot|and then|and also|plus)\b|(?:^|, )and\b")
# "or 4:5 is better", "ok rabbit": the words around a choice, not the choice (taken off one at a time)
_CHOSEN = re.compile(rf"^(?:{pattern('talk', 'chosen')})\b[ ,]*|[ ,]+(?:{pattern('talk', 'chosen')})$")
# "never mind", "forget it": the first request taken back, nothing asked instead
_NOTHING = re.compile(r"(?:never ?mind|forget (?:it|that)|leave it|don't bother|no need)")
_HESITATION = re.compile(r"(?:[ ,]+(?:hmm+|um+|erm+|uh+|oh|well|ok|okay|wait))+[ ,]*$")  # ", hmm, actually"
_NOT = re.compile(r"^(?:and )?not (?:the |that |this )?[\w' -]+$")  # "not the raincoat"
_ALREADY = re.compile(r"^(?:it|that|they|she|he)(?:'s| is| are) already(?: \w+)?$")  # "it already is"
_SHAPE = re.compile(r"\b(?:\d{1,2} ?: ?\d{1,2}|square|portrait|landscape|widescreen)\b")
_AMOUNT = re.compile(
    r"\b(?:a (?:lot|little|bit|touch|tad)|a little bit|slightly|loads|heaps|a ton|way more|much more"
    r"|a smidge)\b"
)
# the thing a request names: "the front door", "my dog", up to a word that is not part of its name
_STOP = (
    r"(?:from|on|in|with|to|into|over|under|by|at|behind|next|near|and|so|a|an|it|then|look|be)\b"
    rf"|{COLOUR_WORD.pattern}"
)
_THING = re.compile(rf"\b(?:the|my|his|her|their|our|that|this) (?:(?!{_STOP})[\w'-]+ ?){{1,3}}")
# where a request says what something becomes: "turn it into", "replace the cat with", "make it"
_BECOMES = re.compile(
    r"(?P<lead>\b(?:into|with|to look like|look like|like|as) |\bmake (?:it|them|the [\w'-]+) )"
    r"(?:an? )?(?=\S)"
)
_PLACED_THERE = re.compile(r"^(?:put|place|add|stick) (?P<what>.+?) there(?: instead)?(?: so .*)?$")
_REMOVE = re.compile(r"^(?:remove|erase|delete|get rid of|take out) (?P<thing>.+?)(?: from .*)?$")


Understood = Callable[[str], bool]  # whether the rules plan a request


def corrected(message: str, understood: Understood, last_edit: EditView | None = None) -> str | None:
    """The request `message` ends on when it changes its mind after a first request ("" when
    it takes the request back: "crop it square. actually never mind"); None when it does not,
    or when the change cannot be followed (`understood`: whether the rules plan a request).
    A message that starts with the change of mind takes back `last_edit` (`_said_again`)."""
    text = _clauses(message)
    if last_edit is not None and (again := _said_again(text, last_edit.tool, understood)):
        return again
    if last_edit is not None and (kept := _kept_in_colour(text, last_edit, understood)):
        return kept
    marks = [m for m in _MARK.finditer(text) if m.start() > 0]
    for mark in reversed(marks):  # the last change of mind holds
        first = _HESITATION.sub("", text[: mark.start()]).strip(" ,")
        if not first or not understood(first):
            continue
        after = text[mark.end() :]
        if _ADDED.search(after):  # "..., actually, also crop it to square": both asked
            return None
        if _NOTHING.fullmatch(_bare(after)):
            return ""
        if (said := _instead(first, after, understood)) is not None:
            return said
    return _chosen_or(text, understood)


# the last edit said again with a new piece: "crop to 16:9" >> "no wait, square instead"
_AGAIN = {"crop": "crop it to {}", "outpaint": "extend it to {}", "resize": "resize it to {}",
          "rotate": "rotate it {} degrees"}  # fmt: skip
_PIECE = {"crop": _SHAPE, "outpaint": _SHAPE, "resize": re.compile(r"\d+ ?(?:%|px|pixels)(?: wide| tall)?"),
          "rotate": re.compile(r"-?\d{1,3}(?:\.\d+)?")}  # fmt: skip


def _said_again(text: str, tool: str, understood: Understood) -> str | None:
    """ "undo that, then crop it to square" for "no wait, square instead" after a crop: the
    last edit undone and asked for again with the piece said (a shape, a size, an angle); None
    for anything else, which the follow-up rules read ("make it square instead", "no, go back")."""
    mark = _MARK.match(text) or re.match(r"no,\s*", text)
    if tool not in _AGAIN or (mark is None and not text.endswith(" instead")):
        return None
    piece = _bare(re.sub(r"\binstead\b", "", text[mark.end() if mark else 0 :]).strip(" ,"))
    if not _PIECE[tool].fullmatch(piece):  # "make it square instead", "no, go back": the rules' own
        return None
    request = _AGAIN[tool].format(piece)
    return f"undo that, then {request}" if understood(request) else None


# "keep the car yellow though" after black and white: the look again, on all but the car
_KEPT = re.compile(
    r"(?:(?:but|and|oh|ok|hmm),? )?(?:please )?(?:keep|leave) (?P<thing>(?:the|my|his|her|their) [\w' -]+?)"
    rf" (?:in colou?r|colou?red|in its (?:own )?colou?rs?|as it was|{COLOUR_PHRASE})"
    r"(?:,? (?:though|tho|please|pls|too))*"
)


def _kept_in_colour(text: str, edit: EditView, understood: Understood) -> str | None:
    """ "undo that, then make it black and white except the car" for "keep the car yellow
    though" after the whole photo was made black and white (or sepia); None for anything else."""
    look = next((name for name in ("black_and_white", "sepia") if edit.args.get(name)), None)
    kept = _KEPT.fullmatch(text)
    if edit.tool != "adjust" or look is None or edit.args.get("mask") or kept is None:
        return None
    request = f"make it {look.replace('_', ' ')} except {kept['thing']}"
    return f"undo that, then {request}" if understood(request) else None


def _clauses(message: str) -> str:
    """`message` in lower case, its sentences and asides as clauses: "a, b, c"; ratios,
    colour codes and decimal points kept ("4:5", "#2e8b57", "1.5")."""
    text = message.lower().translate(QUOTES)
    text = re.sub(r"(?:(?<!\d)\.|\.(?!\d)|[?!;…—–()]|\s-+\s)+", ",", text)
    text = re.sub(r"[\"“”]", " ", text)
    return re.sub(r"\s*,[\s,]*", ", ", re.sub(r"\s+", " ", text)).strip(" ,")


def _instead(first: str, after: str, understood: Understood) -> str | None:
    """The request `first` becomes with `after`, the words after the change of mind."""
    clauses = [c for c in (_bare(c) for c in after.split(",")) if c and not _NOT.fullmatch(c)]
    clauses = [c for c in clauses if not _kept_again(c, first)]
    if not clauses:
        return None
    if (put := _put_in(clauses[-1], first, understood)) is not None:  # "no wait, green"
        return put
    for said in (", ".join(clauses), *reversed(clauses)):  # "actually no, just blur it"
        if request := _as_request(said, first, understood):
            return request
    return None


def _bare(clause: str) -> str:
    """A clause without the words around a choice: "yeah go with 4:5" -> "4:5"."""
    clause = clause.strip()
    while (bare := _CHOSEN.sub("", clause).strip()) != clause:
        clause = bare
    return "" if _ALREADY.fullmatch(clause) else clause


def _kept_again(clause: str, first: str) -> bool:
    """ "keep the bike" after "remove the bike": the first request taken back, no request."""
    kept = re.fullmatch(r"(?:keep|leave) (?P<thing>.+)", clause)
    return bool(kept and kept["thing"] in first)


def _as_request(said: str, first: str, understood: Understood) -> str | None:
    """`said` as a request of its own, "it" the thing `first` named ("just blur it" after
    "remove the car"), "there" its place ("put a plant there" after "remove the cat")."""
    thing = _THING.search(first)
    if (placed := _PLACED_THERE.fullmatch(said)) and (removed := _REMOVE.fullmatch(first)):
        return f"replace {removed['thing']} with {placed['what']}"
    if thing and re.search(r"\bit\b", said) and not re.search(r"\bit\b", first[thing.end() :]):
        said = re.sub(r"\bit\b", thing[0].strip(), said, count=1)
    return said if understood(said) else None


def _put_in(piece: str, first: str, understood: Understood) -> str | None:
    """`first` with `piece` in the place of its like: a colour for its colour, a shape for
    its shape, an amount for its amount, a thing for its thing, else what it becomes."""
    for kind in (COLOUR_WORD, _SHAPE, _AMOUNT):
        if kind.fullmatch(piece) and (said := list(kind.finditer(first))):
            last = said[-1]
            return _checked(understood, f"{first[: last.start()]}{piece}{first[last.end() :]}")
    if (thing := _THING.fullmatch(piece)) and (named := _THING.search(first)):
        return _checked(understood, f"{first[: named.start()]}{thing[0].strip()} {first[named.end() :]}")
    if becomes := list(_BECOMES.finditer(first)):  # "with a dog" -> "with a rabbit", "into an oil painting"
        lead, had_article = becomes[-1].end("lead"), becomes[-1].end() > becomes[-1].end("lead")
        if had_article and not re.match(r"(?:an?|the|some|my|his|her|their|our) ", piece):
            piece = f"{'an' if piece[0] in 'aeiou' else 'a'} {piece}"
        return _checked(understood, first[:lead] + piece)
    return None


def _checked(understood: Understood, request: str) -> str | None:
    request = re.sub(r"\s+", " ", request).strip()
    return request if understood(request) else None


# "add a rainbow over the car, or the house, the house i think": a choice between two
_OR = re.compile(r"^(?P<first>.+?),? or (?:maybe )?(?P<other>[^,]+)(?:, (?P<again>.+))?$")


def _chosen_or(text: str, understood: Understood) -> str | None:
    """The request with the option chosen after an "or": "or purple, purple, yes" is purple;
    None when no option is said again or the first part is no request."""
    said = _OR.fullmatch(text)
    if said is None or not said["again"] or not understood(said["first"]):
        return None
    other = _bare(said["other"])
    again = next((c for c in reversed([_bare(c) for c in said["again"].split(",")]) if c), "")
    if not again or again not in other and other not in again:
        return None
    return _put_in(again, said["first"], understood)
