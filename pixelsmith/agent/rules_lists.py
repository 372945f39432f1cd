"""A message written as a list: numbered ("1. brighten it 2) crop to 4:5", "(1) …", "things:
1 get rid of the bucket, 2 …"), lettered ("(a) take out the jetty (b) mirror it"), bulleted
("- straighten it - then upscale 2x") or in ordinals ("first, …, second, …"). Each item is a
request of its own, whatever the rules make of it: one they cannot read is said as such, never
swallowed into the item before it ("1) replace the sky with a sunset 2) extend the lake")."""

from __future__ import annotations

import re

from pixelsmith.agent.normalise import tidied
from pixelsmith.agent.vocabulary import pattern

_NUMBERED = re.compile(r"(?:^|(?<=\s))(?:\d[.)]|\(\d\))\s+")
_ORDINAL = re.compile(r"(?:^|(?<=\s))(?:first|second|third|fourth|fifth)(?:ly)?[,:]\s+", re.IGNORECASE)
# "things: 1 get rid of the bucket, 2 the collar red": bare numbers, only where they count 1, 2, …
_BARE = re.compile(r"(?:^|(?<=[:,;)/]\s)|(?<=[:,;]))(?P<n>[1-9])\s+(?=[a-z])", re.IGNORECASE)
_LETTERED = re.compile(r"(?:^|(?<=\s))\(?(?P<letter>[a-h])\)\s+", re.IGNORECASE)
_BULLET = re.compile(r"(?:^|\s+)[-*•]\s+")
# an item that asks to leave a thing alone: "rod → leave it", "3. the rod stays as it is"
_LEFT_ALONE = re.compile(
    r"^(?:[\w' -]+? (?:becomes|stays|should stay|can stay|is|are|looks|look) )?"
    rf"{pattern('talk', 'left alone')}$"
)


def items(message: str) -> list[str] | None:
    """The items of `message` when it is a list of two or more, in order, each as said; None
    when it is not a list. What comes before the first item is an item when it asks something
    ("make these changes" does not, ending in ":")."""
    for marks in (_numbered, _lettered, _bulleted, _bare, _ordinals):
        if (starts := marks(message)) and len(starts) >= 2:
            break
    else:
        return None
    bounds = [*starts, (len(message), len(message))]
    found = [message[end : bounds[i + 1][0]] for i, (_, end) in enumerate(starts)]
    lead = message[: starts[0][0]].strip()
    if lead and not lead.endswith(":"):
        found.insert(0, lead)
    said = (item.strip(" \t.,;/") for item in found)
    return [item for item in said if item and not _LEFT_ALONE.match(tidied(item))] or None


Marks = list[tuple[int, int]]  # where each item's mark starts and ends


def _numbered(message: str) -> Marks:
    """ "1. …", "2) …", "(3) …": the numbers 1, 2, … in turn."""
    return _counted([(m.start(), m.end(), int(re.sub(r"\D", "", m[0]))) for m in _NUMBERED.finditer(message)])


def _bare(message: str) -> Marks:
    """ "1 get rid of the bucket, 2 the collar red": numbers after a colon or a comma."""
    return _counted([(m.start(), m.end(), int(m["n"])) for m in _BARE.finditer(message)])


def _lettered(message: str) -> Marks:
    """ "(a) …", "b) …": the letters a, b, … in turn."""
    marks = [
        (m.start(), m.end(), ord(m["letter"].lower()) - ord("a") + 1) for m in _LETTERED.finditer(message)
    ]
    return _counted(marks)


def _counted(marks: list[tuple[int, int, int]]) -> Marks:
    """The marks that count 1, 2, 3 … from the first 1 (a number in the text, "rotate 90",
    is no mark; neither is a "2" after "3")."""
    kept: Marks = []
    for start, end, number in marks:
        if number == len(kept) + 1:
            kept.append((start, end))
    return kept


def _bulleted(message: str) -> Marks:
    """ "- straighten it - then black and white - upscale 2x": a message that starts with a bullet."""
    if not _BULLET.match(message):
        return []
    return [(m.start(), m.end()) for m in _BULLET.finditer(message)]


def _ordinals(message: str) -> Marks:
    """ "first, brighten it, second, crop it": from the start of the message."""
    marks = [(m.start(), m.end()) for m in _ORDINAL.finditer(message)]
    return marks if marks and marks[0][0] == 0 else []
