"""A request said in a temper, read as the request (`phrasings.rephrased`, `rules_parts.split`):
a complaint asked as a question ("why is it so DARK"), swearing around a word ("grey n boring
as hell"), a thing got "out of the pic", a request spelled out word by word ("remove. the.
bin.") and an order said again ("I said REMOVE the bin, not blur it"). The words said around
it ("come on", "ffs", "how hard can it be") are in `data/words/polite.txt`."""

from __future__ import annotations

import re

# "why is it so dark", "why does the sky look so flat": the complaint `rules_talk` reads
_WHY_SO = re.compile(
    r"\bwhy (?:is|are|does|do) (?P<thing>it|this|everything|(?:the|my|his|her|their) [\w' -]+?)"
    r" (?P<looks>(?:look|seem) )?(?:so|this|that|sooo+) (?=\w)"
)
_SWORN = re.compile(r"(?<=\w) (?:as hell|as heck|as fuck|af|as anything)\b")
# "the stupid pigeon": the pigeon (the word finds nothing)
_CURSED = re.compile(
    r"\b(?P<det>the|that|this|those|these) (?:stupid|dumb|bloody|damn|damned|freaking|frigging|effing"
    r"|annoying|silly|rubbish|godawful|wretched|blasted|flipping|sodding|cursed) (?=\w)"
)
# "get it out of the pic": removed
_OUT_OF = re.compile(
    r"\bget (?P<what>it|them|that|this|(?:the|that|this|those) [\w' -]+?) out of (?:the|this|my)"
    r" (?:pic|picture|photo|shot|image|frame)\b"
)
# "i said remove the bin, not blur it": the order, not what it corrects
_SAID_AGAIN = re.compile(r"^i (?:said|asked (?:you )?to|asked for) (?P<order>.+?),? not (?:to )?[\w ]+$")
# "remove. the. bin.": one request, a word at a time (three words or more)
_WORD_AT_A_TIME = re.compile(r"(?:^|(?<=[.!?] ))(?:[a-z'-]+\.\s+){2,}[a-z'-]+\.?(?=\s|$)", re.IGNORECASE)


# "sky is grey n boring": a thing named without its article, texting
_NO_ARTICLE = re.compile(
    r"^(?!(?:it|its|this|that|these|those|everything|everyone|everybody|nothing|something|he|she|they|i|we"
    r"|you|there|here|what|which|who|why|how|where|when|all|each|one|lots|most|mine|yours)\b)"
    r"(?P<noun>[a-z]+) (?=(?:is|are|looks|seems)\b)"
)


def calmed(text: str) -> str:
    """`text` (tidied, lower case) with what its temper adds said plainly."""
    text = _NO_ARTICLE.sub(r"the \g<noun> ", re.sub(r"^everything (?=is|looks)", "it ", text))
    text = _WHY_SO.sub(lambda m: f"{m['thing']} {'looks' if m['looks'] else 'is'} so ", text)
    text = _CURSED.sub(r"\g<det> ", _SWORN.sub("", text))
    text = _OUT_OF.sub(lambda m: f"remove {m['what']}", text)
    if said := _SAID_AGAIN.fullmatch(text):
        return said["order"]
    return text


def in_one_go(message: str) -> str:
    """`message` with a request spelled out word by word ("remove. the. bin.") said in one go."""
    return _WORD_AT_A_TIME.sub(lambda m: re.sub(r"\.\s+", " ", m[0]).rstrip(".") + ".", message)
