"""A wish or an outcome said instead of a request, read as the request (`phrasings.rephrased`):
"i wish it was brighter", "if only the sky was bluer", "it'd be lovely if it felt still and
peaceful", "it would be nice if you could crop it square", "i'd love it if the bin wasn't
there"; "it should look like it was shot at night", "there should be a dog next to him",
"nobody should be able to tell there was a bin there", "make the skater stand out"."""

from __future__ import annotations

import re

_GLAD = (
    r"(?:nice|lovely|great|good|cool|awesome|amazing|better|perfect|ideal|brilliant|fab|fantastic|wonderful"
    r"|sweet|neat)"
)
_WISH = re.compile(
    r"^(?:i (?:just |really )?wish|if only|(?:i'?d|i would) (?:really )?(?:love|like|prefer) it if"
    rf"|(?:it'?d|it would|would|it will|it'?ll) (?:\w+ )?be (?:so |really |very |super |soo+ )?{_GLAD} if)"
    r" (?P<rest>.+)$"
)
_YOU = re.compile(r"(?:you|u|i|we) (?:could|can|would|might|were able to) (?:please )?(?P<ask>.+)")
_WHO = {"he": "him", "she": "her", "they": "them", "we": "us", "i": "me"}
_THING = rf"(?P<thing>it|this|that|everything|{'|'.join(_WHO)}|(?:the|my|his|her|their|our) [\w' -]+?)"
_LOOK = ("looked", "looks", "seemed", "seems", "could look", "would look")
_FEEL = ("felt", "feels", "could feel", "would feel")
_HAVE = ("had", "has", "could have", "would have")
_STATE = re.compile(
    rf"{_THING}(?P<verb>'s|'re| (?:was|were|is|are|could be|would be|{'|'.join((*_LOOK, *_FEEL, *_HAVE))}))"
    r" (?P<how>.+)"
)
_GONE = re.compile(
    rf"{_THING} (?:wasn'?t|weren'?t|was not|were not|isn'?t|is not|aren'?t|are not) "
    r"(?:there|in it|in (?:the|this) (?:photo|picture|shot|pic|image))"
)


# "could it look like a photo from the 1920s": asked
_ASKED = re.compile(
    r"^(?:can|could|would|will|might) (?:it|you make it|we make it|the (?:photo|picture|image)) look like "
)
# outcomes: what the photo should be; "can it look like he's at the beach": him somewhere else
_SOMEWHERE = re.compile(
    r"^make it look like (?P<who>he|she|they|i|we)(?:'s|'re|'m| is| are| am| was| were)"
    r" (?:actually |really )?"
    r"(?P<where>(?:at|on|in) .+)$"
)
_NEVER_THERE = re.compile(
    r"^(?P<thing>.+?) (?:should|needs to|has to|must) look like"
    r" (?:there was never anything|nothing was ever|there was nothing)(?: there| here)?$"
)
_SHOULD = re.compile(
    rf"^{_THING} (?:should|ought to|needs to|has to|must|is meant to|is supposed to|wants to)"
    r" (?P<verb>look|feel|seem) (?P<how>.+)$"
)
_THERE_BE = re.compile(
    r"^there (?:should|needs to|has to|must|ought to) be (?P<what>(?:an?|some|more|another) .+)$"
)
_UNSEEN = re.compile(
    r"^(?:nobody|no one|no-one|you|people) (?:should|shouldn't|should not|must not|mustn't) (?:be able to )?"
    r"(?:(?:tell|see|know|notice) (?:that )?there (?:was|were|is|are|'s) (?P<gone>.+?)"
    r"(?: there| here| in it)?"
    r"|(?:read|see|make out|recognise|recognize) (?P<hidden>.+))$"
)
# "make the skater stand out", "i want the skater to be the only thing people look at": the background
# blurred behind him
_STANDS_OUT = re.compile(
    r"^(?:make (?P<thing>(?:the|my|his|her|their) (?!(?:photo|picture|image|pic|shot|colou?rs|whole)\b)"
    r"[\w' -]+?|him|her|them) (?:stand out|pop)(?: more)?"
    r"|(?:i want )?(?P<thing2>(?:the|my|his|her|their) [\w' -]+?|him|her|them) (?:to be|should be|is)"
    r" the (?:only thing|first thing|main thing|thing) (?:people|you|anyone|everyone|we)"
    r" (?:look at|see|notice))$"
)


def granted(text: str) -> str:
    """`text` (tidied, lower case) as the request its wish asks for; itself when it is no wish."""
    text = _ASKED.sub("make it look like ", text)
    if said := _SOMEWHERE.fullmatch(text):
        return f"put {_WHO[said['who']]} {said['where']}"
    if said := _NEVER_THERE.fullmatch(text):
        return f"remove {said['thing']}"
    if said := _SHOULD.fullmatch(text):
        return f"make {_WHO.get(said['thing'], said['thing'])} {said['verb']} {said['how']}"
    if said := _THERE_BE.fullmatch(text):
        return f"add {said['what']}"
    if said := _UNSEEN.fullmatch(text):
        return f"remove {_the(said['gone'])}" if said["gone"] else f"blur {said['hidden']}"
    if said := _STANDS_OUT.fullmatch(text):
        return f"blur the background behind {said['thing'] or said['thing2']}"
    wish = _WISH.match(text)
    if not wish:
        return text
    rest = wish["rest"]
    if asked := _YOU.fullmatch(rest):  # "it would be nice if you could crop it square"
        return asked["ask"]
    if gone := _GONE.fullmatch(rest):  # "i'd love it if the bin wasn't there"
        return f"remove {_WHO.get(gone['thing'], gone['thing'])}"
    if not (state := _STATE.fullmatch(rest)):
        return text
    thing, verb, how = _WHO.get(state["thing"], state["thing"]), state["verb"].strip(), state["how"]
    if verb in _HAVE:  # "i wish the dog had a hat" ("i wish i had a dog": no edit)
        return text if thing == "me" else f"give {thing} {how}"
    link = "look " if verb in _LOOK else "feel " if verb in _FEEL else ""
    return f"make {thing} {link}{how}"


def _the(thing: str) -> str:
    """ "a bin" -> "the bin": a thing that was there."""
    return re.sub(r"^(?:an?|some) ", "the ", thing)
