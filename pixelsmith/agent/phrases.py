"""The offline planner's language: the intent table, object phrases, prompts.

The sentence shapes are here (positions, the intents; inline parameters are in
`inline_params`); the words they accept (verbs and their synonyms, colours, plurals, polite
wrappers) are in the data files read by `vocabulary`. `parse_subject` reads an object phrase
("all the cats on the left") and `replacement_prompt` / `with_colour` write the inpainting
prompt.

Every intent pattern runs on normalised text (lower case; a sentence's end a comma; other
punctuation than commas, hyphens, apostrophes and decimal points gone; polite wrappers and
inline parameters such as "seed 7" already taken out) and must match the whole of it, so
each table entry reads as one sentence shape. The planner tries the entries in order; the
first match wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pixelsmith.agent.vocabulary import alt, entries, pairs, pattern

# -- numbers ---------------------------------------------------------------------------------
NUMBER_WORDS = {word: int(n) for word, n in pairs("nouns", "numbers").items()}
ORDINALS = {word: int(n) for word, n in pairs("nouns", "ordinals").items()}
NUM = rf"(?:\d+|{alt(NUMBER_WORDS)})"


def to_int(word: str) -> int:
    """'4' or 'four' -> 4."""
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


class Said:
    """A match of an intent's pattern, read by its handler: a group the pattern does not
    have, or that did not take part, is None (intents that share a handler name different
    groups)."""

    def __init__(self, match: re.Match[str]) -> None:
        self._groups = match.groupdict()

    def __getitem__(self, name: str) -> str | None:
        return self._groups.get(name)

    def groupdict(self) -> dict[str, str | None]:
        return dict(self._groups)


# -- polite wrappers ---------------------------------------------------------------------------
# a request asked formally, its frame taken off: "I wonder if you would be so kind as to take
# ...", "would you be good enough to ...", "might it be possible to ...", "I should be most
# grateful if you could ...", "I should very much like to ..."
_ASKING = r"(?:(?:would|could|might|will|can) )?(?:you |u )?(?:(?:would|could|might|will|can) )?(?:please )?"
FORMAL = (
    r"(?:i (?:was |am |'m )?wonder(?:ing|ed)? (?:if|whether) (?:(?:you|u) (?:could|would|might|can) "
    r"(?:possibly |perhaps )?(?:be able to )?)?"
    r"|is there (?:any|a|some) (?:way|chance)(?: that)? (?:you|u) (?:could|can|might|would) (?:possibly )?"
    rf"|{_ASKING}(?:be so kind as|be kind enough|be good enough|be so good as|kindly) to "
    r"|(?:(?:might|would|could|will) it (?:\w+ ){0,2}be|is it) (?:at all |perhaps |possibly )?possible"
    r" (?:for (?:you|u) )?to "
    r"|might (?:you|u) (?:please |possibly |perhaps )?"
    r"|(?:may|could|might) i (?:possibly |perhaps |please )?ask (?:you to|that you) "
    r"|i(?: would|'d| should) be (?:\w+ )?(?:grateful|glad|happy|pleased|thankful) if (?:you|u)"
    r" (?:could|would|might) "
    r"|(?:please )?if (?:you|u) (?:could|would) (?:please )?"
    r"|i (?:should|would|'d) (?:very much |really |so much )?like (?:(?:you|u) )?to )"
)
LEADING = re.compile(rf"^(?:{FORMAL}|{pattern('polite', 'leading')}\b)[\s,]*")
TRAILING = re.compile(rf"[\s,]*\b{pattern('polite', 'trailing')}$")
FILLER = frozenset(entries("polite", "filler"))
# a reason said before or after the request: "it's too dark, ...", "..., it looks too yellow",
# "... so the dog stands out"
REASON_BEFORE = re.compile(rf"^{pattern('polite', 'statements')} [\w' ]+?, (?=\w+ \w)")
REASON_AFTER = re.compile(
    rf"(?:, (?:{pattern('polite', 'reasons')})"
    r"| so (?:that )?(?:the|it|he|she|they|we|i|you|my|there|there's|it's|its)(?:'s|'re|'ll|'d)?"
    r"|, (?:the|my|our|this|that|everything|it|they|he|she)(?: [\w-]+)? (?:looks?|is|are|was|were|seems?)"
    r"(?:n't)?"
    r"|, i(?:'d| would) (?:like|love|want) to (?:use|get|print|post|put|send|hang|frame|show|share|have)\b"
    r"|,? (?:that's|that is|which is) (?:what|how) (?:\w+ )?(?:does|works|looks|gets)\b"
    r"| so (?:that )?[\w']+ (?:is|are|isn't|looks?|faces?|can|will)\b"
    r"|,? (?:that|it) would be (?:so |really )?\w+$"
    r"| because| since| for my| i (?:need|want) (?:it|this|them) (?:as|for)"
    r"| rather than| to (?:print|post|share|send|email|upload|frame|hang)"
    r"|(?<!like)(?<!\bif)(?<!\bthat)(?<!would)(?<!could)(?<!\bdoes)(?<!\bdid)(?<!\bwill)(?<!\bcan)"
    r" (?:he|she|they) (?:looks?|seems?)\b"
    r"|(?<!like)(?<!\bif) (?:he's|she's|they're|he is|she is|they are)"
    r"(?! (?:holding|wearing|carrying|using|eating|drinking|reading|sitting on|standing on)\b))(?: .*)?$"
)
PURPOSE = re.compile(
    rf" for (?:(?:my|our) (?:[\w-]+ ){{0,4}}?|(?:an? |the )?(?:[\w-]+ )?)"  # "for my holiday let's listing"
    rf"{pattern('polite', 'purposes')}\b[^,]*"
)  # left over around parameters: "set guidance to 12"


# -- colours -------------------------------------------------------------------------------------
COLOURS = entries("colours", "colours")
SHADES = entries("colours", "shades")
_HUE = rf"{alt(COLOURS)}(?:ish)?"
COLOUR_PHRASE = (
    rf"(?:{alt(SHADES)}[ -]){{0,2}}{_HUE}(?:(?: and |-| ){_HUE})?"  # "dark blue", "black and white"
)
COLOUR_RUN = re.compile(rf"\b{COLOUR_PHRASE}\b")
COLOUR_WORD = re.compile(rf"\b(?:{alt(SHADES)}|{_HUE})\b")

# -- quality follow-ups: what each adds to the prompt -------------------------------------------
QUALITY = tuple(
    (pattern("quality", name), extra) for name, extra in pairs("quality", "adds").items()
)  # (phrases, what each adds to the prompt)

# -- positions: segment's `which`, from words inside an object phrase -----------------------------
_OF_IMAGE = r"(?: of (?:the|this) (?:image|picture|photo|frame))?"
_SIDE = r"(?: hand)?(?: side| edge)?"
POSITIONS = tuple(
    (which, re.compile(rf"\b(?:{'|'.join(forms)})"))
    for which, forms in (
        ("left", [rf"(?:on|to|at|in) the (?:far )?left{_SIDE}{_OF_IMAGE}\b", r"(?:far )?left-?most\b",
                  r"left(?:-hand)?\b(?= \S)"]),
        ("right", [rf"(?:on|to|at|in) the (?:far )?right{_SIDE}{_OF_IMAGE}\b", r"(?:far )?right-?most\b",
                   r"right(?:-hand)?\b(?= \S)"]),
        ("top", [rf"(?:on|at|in) the (?:very )?top{_OF_IMAGE}\b", r"(?:top|upper)-?most\b", r"highest\b",
                 r"(?:top|upper)\b(?= \S)"]),
        ("bottom", [rf"(?:on|at|in) the (?:very )?bottom{_OF_IMAGE}\b", r"(?:bottom|lower)-?most\b",
                    r"lowest\b", r"(?:bottom|lower)\b(?= \S)"]),
        ("middle", [rf"(?:in|at) the (?:middle|cent(?:er|re)){_OF_IMAGE}\b",
                    r"(?:middle|cent(?:er|re)|central)\b(?= \S)"]),
        ("largest", [r"(?:largest|biggest)\b"]),
        ("smallest", [r"(?:smallest|tiniest|littlest)\b"]),
    )
)  # fmt: skip
EVERY = re.compile(r"\b(?:all(?: of)?(?: the)?|every(?: single)?|each(?: of the)?|both(?: of)?(?: the)?)\s+")
DETERMINERS = re.compile(rf"^(?:(?:{pattern('nouns', 'determiners')}|a|an|its|some|any|one of the)\s+)+")
COUNTED = re.compile(rf"^(?P<count>{NUM})\s+(?=\S)")
# where an object is, said after it: "the cars from the street", "the cat out" (of a swap)
# a part of an animal or a person stands for its owner: "the cat's head" -> the cat
OWNERS_PART = re.compile(r"'s (?:head|face|back|neck|ears?|nose|paws?|hands?|arms?|tail|lap|shoulders?)$")
FROM_PLACE = re.compile(
    r" (?:(?:from|off|out of|in front of|behind|next to|beside|near) "
    r"(?:the|this|that|my|our|his|her|their) [\w ]+"
    r"|in the (?:background|foreground|distance|back|front)"
    r"|(?:that's|that is|that are|which is|which are|who is|who's)\b.*"
    r"|(?:parked|standing|sitting|lying|hanging|growing|walking|running|flying|swimming|sleeping|playing|trailing|leaning|lurking|poking|sticking|peeking|hiding)\b.*|out)$"
)
# whose it is, when the thing is not a part of them: "my daughter's dress" -> the dress
OWNER = re.compile(r"^(?:(?:the|my|our|his|her|their) )?[\w-]+'s (?=\w)")
COLOUR_OF = re.compile(r"^(?:the )?colou?r of |'s colou?r$| colou?r$")
SPLIT_OBJECTS = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|&|\s+plus\s+|\s+as well as\s+)\s*")
PRONOUNS = frozenset(entries("nouns", "pronouns"))
# the background, or what is behind a thing: "the backdrop", "the room behind the cat"
BACKDROP = re.compile(
    r"(?:the |this |that |my |our )?(?:background|backdrop|bg|surroundings|scenery|setting)"
    r"(?: (?:behind|around) (?P<front>.+))?"
    r"|(?:the |this )?(?:room|scene|space|area|everything) (?:behind|around) (?P<front2>.+)"
)

# -- plurals: labels are singular ("all the cats" -> label "cat", which="all") ---------------------
IRREGULAR_PLURALS = pairs("nouns", "plurals")
PLURAL_ONLY = frozenset(entries("nouns", "plural only"))
SINGULAR_ENDINGS = ("ss", "us", "is", "as")  # glass, bus, iris, canvas
# The head noun ends before the first of these: "the men with hats" -> "men".
PREPOSITION = re.compile(rf" {pattern('nouns', 'prepositions')}\b")


# -- intents -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Intent:
    """One sentence shape: its name (the planner's handler) and the pattern it must match."""

    name: str
    pattern: re.Pattern[str]


def _intent(name: str, pattern: str) -> Intent:
    return Intent(name, re.compile(pattern))


IMAGE_NOUN = pattern("nouns", "image")
WHERE = rf"(?:,? (?:from|in|on|out of|off) (?:the |this |my )?{IMAGE_NOUN})?"  # "from the photo"
SELECTABLE = pattern("nouns", "selectable")
REFINE_WORDS = {word: op for op in ("grow", "shrink", "feather", "invert") for word in entries("mask", op)}
_MASK_NOUN = r"(?:the |this |that )?(?:mask|selection|edges? of the mask|mask(?:'s)? edges?|edges?|it)"
_PIXELS = rf" (?:(?:by|with|of) )?(?P<px>{NUM})(?: ?(?:px|pixels?))?"
_IT = r"(?:it|that|this|them|the result|the image|the new one)"
_GEN_VERB = pattern("verbs", "generate")
_GEN_ASK = pattern("verbs", "ask for")
GEN_KIND = pattern("nouns", "picture kinds")
_KIND_OF = rf"{GEN_KIND}s? (?:of|showing|depicting|featuring)"  # "a watercolour painting of"
# a picture's size in pixels: "a 768x512 image of ...", "..., 1024 by 768"
SIZE = re.compile(r",? ?\b(?P<w>\d{3,4}) ?(?:x|by|×) ?(?P<h>\d{3,4})(?: ?px| pixels)?\b")
GENERIC_KIND = re.compile(r"^(?:an? |some |the )?(?:new )?(?:image|picture|pic)s? (?:of|showing|depicting) ")
_DET = pattern("nouns", "determiners")
_REPLACE = pattern("verbs", "replace")
_TURN = pattern("verbs", "turn")
_INTO = pattern("verbs", "into")
_RECOLOUR = pattern("verbs", "recolour")
_MATERIALS = pattern("scene", "materials")
# "polished concrete", "walnut wood", "red bricks"
_MATERIAL = (
    r"(?:(?:polished|brushed|rough|smooth|raw|reclaimed|aged|natural|dark|light|white|black|red|brown|grey|gray"
    rf"|pale|shiny|matte|solid) )?(?:{_MATERIALS} )?{_MATERIALS}s?"
)
_REMOVE = pattern("verbs", "remove")
_SEGMENT = pattern("verbs", "cut out")
_DETECT = pattern("verbs", "find")
_AGAIN_VERB = pattern("verbs", "again")
_ANOTHER_ONE = pattern("nouns", "attempts")
_ANOTHER = alt(["again", "one more(?: time)?", "once more", "a different one", "a new one",
                "something (?:else|different)", "more(?: options| variations)?",
                rf"another(?: {_ANOTHER_ONE})?"])  # fmt: skip
_NEW_SEED = r"(?:another|a different|a new|other|a random|a fresh|new|different) seed"
_QUALITY = alt(q for q, _ in QUALITY)
_REVERT_TO = r"(?P<image>image[- ]?\d+|original(?: image| photo| picture| version)?|first (?:image|version))"
_PICK = pattern("verbs", "pick")
_CHOICE = (
    rf"(?:(?P<ordinal>{alt(ORDINALS)}) (?P<noun>{SELECTABLE})"
    rf"|(?P<noun2>{SELECTABLE})(?: number| no| #)? ?(?P<number>\d+)|(?P<id>(?:mask|image)-\d+))"
)
_MORE = r"(?:(?:a (?:lot|bit|little|tad)|much|even|way|slightly|somewhat) )?"
_SLIGHTLY = r"(?: (?:a bit|a little|slightly|more))?"
_TIMES = rf"(?: (?P<times>twice|thrice|{NUM} times))?"
_ADJECTIVE = r"(?:(?:more|less|very) )?[a-z-]+"
_REDO = r"re-?(?:do|try|roll|run|generate|paint|draw)(?: it| that| this)?"

_MY_SUBJECT = (
    r"(?:my|our) (?P<klass>[a-z][\w-]*)(?:,?(?: (?:called|named))? (?P<name>[a-z0-9][\w-]*))?"
    r"(?: from (?:these|the|my) (?:photos|pictures|images))?"
)

INTENTS = (
    # Personal concepts: "teach pixelsmith my dog rex", "learn my dog, called rex".
    _intent("teach", r"(?:teach|train)(?: (?:pixelsmith|yourself|you|the model))?(?: (?:on|about))? "
            rf"{_MY_SUBJECT}"),
    _intent("teach", rf"learn (?:what )?{_MY_SUBJECT}(?: looks like)?"),
    # "continue training rex", "resume teaching my dog", "finish learning rex".
    _intent("resume_teach", r"(?:continue|resume|finish|keep|carry on|go on)(?: (?:with|on))?(?: the)? "
            r"(?:training|teaching|learning)(?: (?:of|on|about))?(?: (?:my|our|the))?"
            r"(?: (?P<who>[a-z0-9][\w -]*))?"),
    # Versions and candidates.
    _intent("revert", r"(?:revert|go back|go|return|switch back|switch|back|restore|undo"
            rf"|start (?:again|over))(?: back)?(?: to| from| with)? (?:the )?{_REVERT_TO}"),
    _intent("revert", r"(?:go back|revert|return|change it back|put it back|set it back)(?: to)? "
            r"(?:how|what|the way) it (?:was|looked) "
            r"(?P<image>originally|at first|at the (?:start|beginning)|in the beginning)"),
    _intent("undo", r"(?:go back|revert|return|change it back|put it back)(?: to)? "
            r"(?:how|what|the way) it (?:was|looked)"
            r"(?: before)?|put it back"),
    _intent("undo", r"(?:undo|revert|go back|step back|back|take (?:that|it) back)"
            rf"(?: (?:that|it|this|the last (?:edit|change|step)))?{_TIMES}"),
    _intent("select", rf"(?:{_PICK} )?(?:the )?{_CHOICE}(?: one)?"),
    _intent("select", rf"{_PICK} (?:the )?(?P<ordinal>{alt(ORDINALS)})"),  # "use the third"
    _intent("select", rf"(?:i )?(?:like|prefer|love|want) (?:the )?{_CHOICE}(?: one)?"
            r"(?: (?:best|most|more|better))?"),
    # Follow-ups on the last mask or edit.
    _intent("refine", rf"(?P<op>{alt(REFINE_WORDS)}) {_MASK_NOUN}(?:{_PIXELS})?{_SLIGHTLY}"),
    _intent("refine", rf"make (?:the |this )?(?:mask|selection) (?P<op>{alt(REFINE_WORDS)})(?:{_PIXELS})?"),
    _intent("refine", rf"make (?:the |this )?(?:mask|selection|it) (?P<px>{NUM}) ?(?:px|pixels?) "
            rf"(?P<op>{alt(REFINE_WORDS)})"),
    _intent("same_to", r"(?:now )?(?:do|make|apply) the same(?: thing| change| edit)? "
            r"(?:to|for|with|on) (?P<object>.+)"),
    _intent("quality", rf"(?:(?:make|render|do|redo|try) (?:{_IT} )?(?:again )?)?{_MORE}"
            rf"(?P<quality>{_QUALITY})(?: again)?"),
    _intent("again", rf"(?:{_AGAIN_VERB}(?: it| that| this| me)? )?{_ANOTHER}"
            rf"(?:,? (?:with|using|on) {_NEW_SEED})?"),
    _intent("again", rf"(?:(?:try|use|with|pick|take|give me|change)(?: the)? )?{_NEW_SEED}s?"),
    _intent("again", rf"{_REDO}(?:,? with {_NEW_SEED})?"),
    _intent("again", r"i (?:don't|do not) like (?:it|that|this)(?:,? try again)?|not (?:quite|good|great)"),
    _intent("change_it", rf"{_RECOLOUR} {_IT}(?: {_INTO})? (?P<new>.+)"),
    _intent("change_it", r"(?:(?:try|what about|how about|maybe|rather|go with) )?"
            r"(?:a (?:bit|little|touch) |slightly )?"
            rf"(?P<new>(?:(?:darker|lighter|brighter|paler|deeper) )?{COLOUR_PHRASE})"
            r"(?: one| version)?(?: (?:would|might|could) (?:be|look) (?:nicer|better|good|nice|great))?"),
    _intent("change_it", rf"(?:i'd|i would) (?:prefer|rather have|like) (?:it )?"
            rf"(?P<new>(?:(?:darker|lighter|brighter|paler|deeper) )?{COLOUR_PHRASE})"),
    # New requests on the current image (or none, for generate).
    _intent("segment", r"(?:make|create|give me|get|show me|draw|produce|compute)(?: me)? (?:an? |the )?"
            r"(?:mask|segmentation|outline|cutout|cut-out|selection) (?:of|for|around|over) (?P<object>.+)"),
    _intent("detect", rf"(?:draw (?:a )?box(?:es)? around|box) (?P<object>.+?){WHERE}"),
    _intent("generate", rf"(?:{_GEN_VERB}|{_GEN_ASK})(?: me| us)? (?:an? )?(?:brand |whole |completely )?new "
            r"(?:picture|image|pic|photo|one)(?: of| showing|,)? (?P<target>.+)"),  # not an edit of this one
    _intent("generate", rf"(?:{_GEN_VERB}|{_GEN_ASK})(?: me| us)? (?:(?P<count>{NUM}) )?"
            rf"(?P<target>(?:an? |some )?(?:[\w-]+ ){{0,3}}?{_KIND_OF} .+)"),
    _intent("generate", rf"(?P<target>(?:an?|some) (?:[\w-]+ ){{0,2}}?{_KIND_OF} .+)"),
    _intent("remove", r"(?:make|let) (?P<object>.+?) (?:disappear|vanish|go away)"),
    _intent("replace", rf"{_REPLACE} (?P<object>.+?)(?: in (?:the|this) {IMAGE_NOUN})? (?:with|for|by) "
            r"(?P<target>.+)"),
    _intent("replace", rf"make (?P<object>{_DET} .+?) look (?:like )?(?:it'?s|it is|they'?re|they are) "
                       r"(?:(?:made )?(?:of|from|out of)|cast in|covered (?:in|with)|carved (?:from|out of)"
                       r"|built (?:of|from))"
                       rf" (?P<adjective>{_MATERIAL})"),
    _intent("replace", rf"make (?P<object>{_DET} .+?) (?:out of|from|of|in) (?P<adjective>{_MATERIAL})"),
    _intent("replace", rf"give (?P<object>{_DET} .+?) an? (?P<adjective>{_MATERIAL}) "
            r"(?:finish|look|texture|surface|coating|effect)"),
    _intent("replace", rf"{_TURN} (?P<object>.+?) {_INTO} (?P<target>.+)"),
    # the object is more than a determiner: "make the sky pink" is not "the" in "sky pink"
    _intent("replace", rf"{_RECOLOUR} (?P<object>(?:{_DET} )?(?!{_DET}\b).+?) (?:an? )?"
                       rf"(?P<adjective>{COLOUR_PHRASE})"),
    _intent("replace", rf"{_RECOLOUR} (?P<object>{_DET} .+?) (?:an? )?"
                       rf"(?P<adjective>(?:{COLOUR_PHRASE} )?{_MATERIAL})"),
    _intent("replace", rf"(?:i'?d like|i want|i would like|i need) (?P<object>{_DET} .+?) (?:to be )?"
                       rf"(?:painted|coloured|colored|in|made of|out of|turned) (?P<target>.+)"),
    _intent("replace", rf"make (?P<object>{_DET} .+?) (?P<target>(?:an?|some) .+)"),
    _intent("replace", rf"make (?P<object>{_DET} .+?) (?:look )?(?P<adjective>{_ADJECTIVE})"),
    _intent("remove", rf"{_REMOVE}(?: out| away| off)? (?P<object>.+?)(?: (?:out|away|off))?{WHERE}"),
    _intent("remove", r"take (?P<object>.+?) (?:out|away|off)(?: (?:of )?(?:the|this|my|our) [\w ]+)?"
            r"|take off (?P<object2>.+)"),
    _intent("segment", rf"{_SEGMENT}(?: out)? (?!(?:off|down|away|back)\b)(?P<object>.+?)(?: out)?{WHERE}"),
    _intent("detect", r"(?:tell me |count )?how many (?P<object>.+?) (?:does )?(?:the|this|my|our) [\w ]+ "
            r"(?:has|have)"),
    _intent("detect", rf"(?:{_DETECT} )?where (?P<object>(?:the|my|a) .+?) (?:is|are)"),
    _intent("detect", rf"{_DETECT}(?: all)? (?P<object>.+?)(?: (?:is|are))?(?: there)?"
            rf"(?: (?:can|do) you (?:see|find|spot))?(?: (?:in|on) (?:the|this) [\w]+)?{WHERE}"),
    _intent("detect", r"(?:is|are) (?P<object>(?:my|the|a|an|any|some|there any) .+?) "
            r"(?:anywhere|somewhere|visible)"
            r"(?: (?:in|on) (?:the|this) [\w]+)?"),
    _intent("detect", r"(?:tell me |count |give me |what is |what's )?(?:the )?number of (?P<object>.+?)"
            rf"(?: (?:in|on) (?:the|this) [\w]+)?{WHERE}"),
    _intent("generate", rf"{_GEN_VERB}(?: me| us)? (?P<target>.+)"),
)  # fmt: skip


# -- object phrases ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Subject:
    """What an object phrase names: "the dogs on the left" -> labels ['dog'], which 'left'."""

    labels: list[str]  # singular detector labels
    which: str  # segment's pick: best, all, left, right, top, bottom, middle, largest, smallest
    words: str  # the phrase without determiners or position: "dogs", "cat and dog"
    plural: bool = False
    pronoun: bool = False  # "it", "the selection": the current mask, not a new detection
    inverse: bool = False  # "the background (behind the cat)": all but these labels ([]: the main subject)


def parse_subject(phrase: str) -> Subject:
    """Labels, position and number from an object phrase such as 'all the cats'; the
    background is the inverse of what it is behind ("the room behind the cat")."""
    if backdrop := BACKDROP.fullmatch(phrase.strip(" ,")):
        front = backdrop["front"] or backdrop["front2"]
        found = parse_subject(front) if front else Subject([], "largest", "")
        return Subject(found.labels, found.which, "background", found.plural, inverse=True)
    text = COLOUR_OF.sub("", phrase.strip(" ,"))
    placed = FROM_PLACE.sub("", text)  # "the cat sitting on the sofa"; not "the parked car"
    if re.sub(r"\b(?:the|a|an|this|that|these|those|my|our|his|her|their|its)\b", "", placed).strip():
        text = placed
    text = OWNERS_PART.sub("", text) if OWNERS_PART.search(text) else OWNER.sub("", text)
    if text in PRONOUNS:
        return Subject([], "best", "", pronoun=True)
    which, text = _take_position(text)
    text, every = EVERY.subn("", text)
    parts = [part for part in (_clean(p) for p in SPLIT_OBJECTS.split(text)) if part]
    singulars = [_singular(part) for part in parts]
    plural = bool(every) or any(is_plural for _, is_plural in singulars)
    if len(parts) > 1 or (plural and which == "best"):
        which = "all"
    return Subject([label for label, _ in singulars], which, " and ".join(parts), plural or len(parts) > 1)


def _take_position(text: str) -> tuple[str, str]:
    for which, where in POSITIONS:
        match = where.search(text)
        if match:
            return which, f"{text[: match.start()]} {text[match.end() :]}".strip()
    return "best", text


def _clean(part: str) -> str:
    """'the two dogs' -> 'dogs'; 'the one' -> ''."""
    part = DETERMINERS.sub("", part.strip())
    part = COUNTED.sub("", part)
    return re.sub(r"(?:^| )ones?$", "", part).strip(" ,")


def _singular(label: str) -> tuple[str, bool]:
    """The label with its head noun singular, and whether it was plural."""
    cut = PREPOSITION.search(label)
    head, tail = (label[: cut.start()], label[cut.start() :]) if cut else (label, "")
    *before, noun = head.split(" ")
    single = _singular_word(noun)
    return " ".join([*before, single]) + tail, single != noun


def _singular_word(word: str) -> str:
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if word in PLURAL_ONLY or len(word) < 4 or not word.endswith("s") or word.endswith(SINGULAR_ENDINGS):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    return word[:-1]
