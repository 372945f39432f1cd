"""The offline planner's turn: a request in parts, each planned on the result of the one before.

"remove the person and make it look like sunset" is two edits. A message is cut at "and",
"then", ", then", ";" or the end of a sentence where every piece is a request the rules
have a sentence shape for; otherwise it stays whole ("remove the cat and the dog", "make
the cat black and white"). Each part is planned when the one before has run, so it sees
that part's result (its image, its edit for "now make it red"), and each part's edit is
a version of its own: undo goes back one part. Parameters said at the end ("..., seed 7")
hold for every part.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from pixelsmith.agent import (
    phrases,
    rules_lists,
    rules_photo,
    rules_place,
    rules_talk,
    rules_text,
    rules_tones,
    sentences,
    tempers,
    whole_image,
)
from pixelsmith.agent.normalise import normalise, tidied
from pixelsmith.agent.plan import Plan, shift_refs
from pixelsmith.agent.planner_protocol import Observation
from pixelsmith.agent.vocabulary import entries, known_words, pattern
from pixelsmith.views import WorkspaceView

# Where a request may be cut: the words between two parts.
SEPARATOR = re.compile(
    r"\s*(?:;|\s/(?=\s)|[.!?](?=\s)|,?\s+and\s+then\b|,?\s+and\s+also\b|,\s*then\b|\s+then\b|,?\s+and\b|"
    r",?\s+after\s+that\b|,(?=\s*(?:contrast|brightness|saturation|warmth|sharpness|exposure)\b)"
    r"|,(?=\s*(?:crop|resize|export|rotate|flip|upscale|sharpen|convert|\d{2,5} ?px"
    r"|png|jpe?g)\b))[\s,]*",
)
_SIZE = re.compile(r"\d{3,5} ?[x×] ?\d{3,5}")  # "1500×500"
_NOT_CROPPED = re.compile(r"\b(?:rather than|instead of|not|don'?t|without) crop(?:ping)?\b")
MAX_CUTS = 8  # separators in a message, at most: one with more stays whole
MAX_TYPOS = 2  # words mended in one message, at most
MAX_MENDED = 12  # words: a longer message gets an example, not a mended version of itself
TYPO = 0.8  # how alike (difflib's ratio) a word must be to a known one to be read as it
CLOSE = 0.5  # how alike (difflib's ratio over words) an example must be to be suggested


def reads_as_request(part: str) -> bool:
    """Whether the rules have a sentence shape for `part` on its own."""
    if rules_text.reads(part):  # 'write "hi" at the top'
        return True
    text = normalise(part).text
    if len(text.split()) < 2:  # one word: only a photo operation ("warmer and more contrast")
        return any(intent.pattern.fullmatch(text) for intent in rules_photo.INTENTS)
    intents = (*rules_photo.INTENTS, *whole_image.INTENTS, *rules_place.PLACE_INTENTS,
               *whole_image.OPEN_INTENTS, *phrases.INTENTS)  # fmt: skip
    return (
        any(intent.pattern.fullmatch(text) for intent in intents)
        or rules_talk.reads(text)
        or rules_tones.reads(text)  # "make it calmer": less contrast and less saturated
    )


# A sentence around the request that asks for nothing: a greeting before it ("Good
# afternoon."), a remark after it ("We often see one there in the mornings.", "It is for my
# calendar.", "Thank you very much indeed."). A remark before it stays: it may say what "it"
# is ("The lamp is ugly. Replace it.", `sentences.clauses`).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_GREETING = re.compile(r"(?:good (?:morning|afternoon|evening|day)|hello|hi|hey|dear [\w ]+)(?: there)?")
_THANKS = re.compile(
    r"(?:thanks?|thank you|many thanks|cheers|kind regards|best wishes|i (?:would|should|'d) be"
    r" (?:\w+ )?grateful)\b.*"
)
_REMARK = re.compile(
    r"(?:i|we|it|he|she|they|there|this|that|these|those|you|(?:the|my|our|his|her|their) [\w'-]+)"
    r"(?:'s|'re|'m|'ve|'d|'ll| (?:is|was|are|were|am|has|have|had|would|will|did|does|do|can|could|might"
    r"|often|always|never|really|rather|just|also|still|saw|thought|think|feel|felt|love|loved|hope|hoped"
    r"|looks?|seems?|means?|spoils?|ruins?|took|got|went|wanted|needed|says|said))\b"
)


def _asks_nothing(sentence: str, *, first: bool) -> bool:
    said = normalise(sentence)
    if said.params or reads_as_request(sentence):  # "Use seed 7." and "It's too dark." ask for something
        return False
    text = tidied(sentence)
    if first:
        return not said.text or bool(_GREETING.fullmatch(text))
    return not said.text or bool(_REMARK.match(text) or _THANKS.fullmatch(text))


def without_chatter(message: str) -> str:
    """`message` without the greetings before its request and the remarks after it."""
    sentences = _SENTENCE_END.split(message.strip())
    while len(sentences) > 1 and _asks_nothing(sentences[0], first=True):
        sentences.pop(0)
    while len(sentences) > 1 and _asks_nothing(sentences[-1], first=False):
        sentences.pop()
    return " ".join(sentences)


# a recolour whose later parts leave its verb out: "make the ball blue and the fence white"
_LEAD = re.compile(r"(?:make|turn|paint|colou?r|recolou?r|dye)\b")
_LEFT_OUT = re.compile(r"(?:the|my|our|his|her|its|their|that|this) [\w'-]+(?: [\w'-]+)* [\w'-]+")


# "make it calmer, with a bit of mist over the lake": a second edit, the thing added
_WITH_ADDED = re.compile(
    rf",\s*with (?=(?:some |more |a (?:bit|little|touch|few)(?: of)? )?{pattern('scene', 'addable')}\b)",
    re.IGNORECASE,
)


def split(message: str) -> list[str]:
    """The parts of `message`, in order: itself alone unless every piece of a cut is a request.
    Greetings before the request and remarks after it are left out (`without_chatter`)."""
    message = _WITH_ADDED.sub(", and add ", without_chatter(tempers.in_one_go(message)))
    if listed := rules_lists.items(message):  # "1) remove the bucket 2) crop to 4:5": each item meant
        return [part for item in listed for part in split(item)]
    cuts = list(SEPARATOR.finditer(message))
    closed = (*rules_photo.INTENTS, *whole_image.INTENTS)  # "make it black and white" is one request
    text = normalise(message).text
    whole = any(intent.pattern.fullmatch(text) for intent in closed) or rules_talk.reads(text)
    whole = whole or rules_tones.reads(text)  # "brighter and warmer": one adjust
    if not cuts or len(cuts) > MAX_CUTS or whole:
        return [message]

    lead = _LEAD.match(text)

    def shaped(piece: str, start: int, carry: bool) -> str | None:
        """`piece` if it is a request; or, with `carry` and after the first part, said with that
        part's verb when it leaves the verb out ("make the ball blue and the fence white")."""
        if reads_as_request(piece):
            return piece
        if carry and start and lead and _LEFT_OUT.fullmatch(normalise(piece).text):
            return said if reads_as_request(said := f"{lead[0]} {piece}") else None
        return None

    @cache
    def parts_from(start: int, carry: bool) -> tuple[str, ...] | None:
        """The parts of message[start:], each shaped, fewest cuts first; None if none."""
        rest = message[start:].strip()
        if start and rules_tones.reads(normalise(rest).text):  # "..., then brighter and warmer": one part
            return (rest,)
        for cut in (c for c in cuts if c.start() > start):
            head = shaped(piece := message[start : cut.start()].strip(), start, carry)
            if head is None and start and not normalise(piece).text:  # ", PNG,": said, asks nothing
                head = ""
            if head and (tail := parts_from(cut.end(), carry)) is not None:
                return (head, *tail)
        return (said,) if (said := shaped(rest, start, carry)) else None

    found = parts_from(0, False)
    if not found or len(found) < 2:  # the verb carried only where the pieces say nothing else
        found = parts_from(0, True)
    found = _how(tuple(part for part in found or () if part))
    if found and len(found) > 1:  # "rotate it 90, then rotate it 90" is meant; a paste twice is not
        return list(found) if re.search(r"\b(?:then|and)\b", message, re.IGNORECASE) else _once(found)
    return (None if reads_as_request(message) else _in_a_clause(message)) or [message]


def _how(parts: tuple[str, ...]) -> tuple[str, ...]:
    """`parts` with a part that only says how the one before it is done ("Need a 1500x500
    banner. Extend the sides rather than crop.") joined to it: one request, not two."""
    joined: list[str] = []
    for part in parts:
        if joined and _SIZE.search(joined[-1]) and _NOT_CROPPED.search(tidied(part)):
            joined[-1] = f"{joined[-1]}, without cropping"
        else:
            joined.append(part)
    return tuple(joined)


def _once(parts: Sequence[str]) -> list[str]:
    """`parts` with a part said again straight after itself left out: a message pasted twice,
    "brighten it. brighten it.", is one request."""
    kept = [parts[0]]
    for part in parts[1:]:
        if normalise(part).text != normalise(kept[-1]).text:
            kept.append(part)
    return kept


def _in_a_clause(message: str) -> list[str] | None:
    """The parts of the first clause of a longer message that is several requests, the rest
    said around them: "I'm printing it for a frame, so I'd like it brighter and a little
    warmer, nothing drastic." None when no clause is."""
    for clause in sentences.clauses(tidied(message)):
        if len(parts := split(clause)) > 1:
            return parts
    return None


def mend(message: str, understood: Callable[[str], bool]) -> str | None:
    """`message` with its typos mended, when `understood` takes that: each unknown word as the
    known word it is closest to ("blak" -> "black", "brigther" -> "brighter"), and "to" before
    a last word as "too" ("its to dark"). None when nothing mended is understood. The words
    as read first, then as written: "inpiant the bucket so its a cooler box" lost its reason."""
    read, written = normalise(message).text.split(), tidied(message).split()
    return next(
        (
            found
            for said in dict.fromkeys((tuple(read), tuple(written)))
            if (found := _mended(said, understood))
        ),
        None,
    )


def _mended(said: Sequence[str], understood: Callable[[str], bool]) -> str | None:
    if not 0 < len(said) <= MAX_MENDED * 2:
        return None
    known = known_words()
    options = []  # each word, or the known words it may be a typo of, closest first
    for word in said:
        bare = word.strip(",")
        close = []
        if bare not in known and len(bare) > 3 and not any(c.isdigit() or c == "'" for c in bare):
            close = difflib.get_close_matches(bare, known, n=3, cutoff=TYPO)  # "blurr": blurry, blur
        if "-" in bare and bare not in known:  # "a dark frame-like vignette": a dark vignette
            close.append("")
        options.append([word.replace(bare, c) for c in close if c != bare] or [word])
    if sum(w not in (o[0], f"{o[0]}s") for o, w in zip(options, said, strict=True)) > MAX_TYPOS:
        return None  # "charging cable trailing" is not three typos but words the rules do not know
    for words in itertools.product(*options):  # at most 3 x 3 tries
        mended = " ".join(word for word in words if word)
        tries = [mended, re.sub(r"\bto (?=\w+(?:,|$))", "too ", mended)]
        if found := next((text for text in tries if text != " ".join(said) and understood(text)), None):
            return found
    return None


def suggest(message: str, understood: Callable[[str], bool]) -> str:
    """What to say after “I did not understand …”: the message with one word mended (a typo
    of a word the rules know) or left out, when `understood` takes that; else the closest
    example request, when one is close; else nothing."""
    said = normalise(message).text.split()
    if 0 < len(said) <= MAX_MENDED:
        known = known_words()
        unknown = [i for i, word in enumerate(said) if word not in known and not word.isdigit()]
        for i in unknown:
            for word in difflib.get_close_matches(said[i], known, n=3, cutoff=0.75):
                if understood(mended := " ".join([*said[:i], word, *said[i + 1 :]])):
                    return f"Did you mean “{mended}”?"
        for i in [*unknown, *(i for i in range(len(said)) if i not in unknown)]:
            if len(said) > 2 and understood(shorter := " ".join(said[:i] + said[i + 1 :])):
                return f"Did you mean “{shorter}”?"
    examples = entries("examples", "requests")
    score = {e: difflib.SequenceMatcher(None, said, e.split()).ratio() for e in examples}
    best = max(score, key=score.get)
    return f"The nearest request I understand: “{best}”." if score[best] >= CLOSE else ""


class PartsTurn:
    """Plans the parts of one request one at a time (`planner.plan` on the current view)."""

    def __init__(
        self, planner: Any, parts: list[str], *, done: int = 0, total: int | None = None, read_as: str = ""
    ) -> None:
        self.planner = planner
        self.read_as = read_as  # the request a change of mind ended on (`rules_correct`); "" taken back
        self.parts = list(parts)
        self.done = done  # steps run by the parts so far: a later part's "$N" counts on from them
        self.total = total or len(parts)
        self.taken_back = not parts and not total  # "crop it square. actually, never mind": said once
        # "…, then make it look like night, 2 steps": what the last part says of the
        # parameters holds for the whole request, where a part does not say otherwise
        self.shared = normalise(parts[-1]).params if len(parts) > 1 else {}

    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan:
        if self.taken_back:
            self.taken_back = False
            return Plan(
                reply="Nothing to do: you took that request back. Say what to change when you are ready."
            )
        if any(not o.ok for o in observations) or not self.parts:
            return Plan()  # a failed step ends the request
        self.done += len(observations)
        number, part = self.total - len(self.parts) + 1, self.parts.pop(0)
        plan = shift_refs(self.planner.plan(part, view, defaults=self.shared), self.done)
        if self.total > 1:
            if plan.steps:
                plan.note = f"Part {number} of {self.total}: “{part}”."
            else:
                plan.reply = f"Part {number} of {self.total} (“{part}”): {plan.reply}"
        if self.read_as and number == 1 and plan.steps:
            plan.note = " ".join(filter(None, (f"I read that as “{self.read_as}”.", plan.note)))
        return plan

    def state(self) -> dict[str, Any]:
        """What a paused review keeps to carry on with the parts left (`OfflinePlanner.resume`)."""
        return {"parts": list(self.parts), "total": self.total}
