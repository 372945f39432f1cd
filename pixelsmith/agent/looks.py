"""A look said by what the photo should be like, read as the restyle the rules know
(`phrasings.rephrased`, after the moods): "like a 90s disposable camera shot", "like one of
those tilt shift photos", "as if someone had painted it in watercolours", "banksy stencil
style", "give it that faded 70s look"."""

from __future__ import annotations

import re

from pixelsmith.agent.prompt_words import article

# an article or "one of those": a look, not a follow-up ("like before", "like the other one")
_LIKE = re.compile(
    r"^(?:make (?:it|the (?:photo|picture|image)) )?(?:(?:just |kind of |sort of |a bit |more )?like)"
    r" (?:one of those |those |an? )(?P<look>.+)$"
)
_AS_IF = re.compile(
    r"^(?:as if|as though|like) (?:someone|somebody|you|an artist|a kid|a child) (?:had |has )?"
    r"(?P<how>painted|drawn|drew|sketched|made|done|did) (?:it |this )?(?P<look>(?:in|with|as|on|using) .+)$"
)
_STYLE = re.compile(r"^(?P<look>(?!(?:the|a|an|same|that|this|other|what|which)\b)[\w' -]+? style)$")
_LOOK = re.compile(
    r"^give (?:it|the (?:photo|picture|image)) that (?!.*\b(?:bokeh|blur\w*|background)\b)"  # a blur
    r"(?P<look>(?:[\w'-]+ ){1,4})"
    r"(?:look|aesthetic|vibe|style)$"
)
_DRAWN = {"drew": "drawn", "did": "done"}


def restyled(text: str) -> str:
    """`text` (tidied, lower case) as the restyle its look asks for; itself when it asks none."""
    if match := _AS_IF.fullmatch(text):
        return f"restyle it as {_DRAWN.get(match['how'], match['how'])} {match['look']}"
    if match := _LIKE.fullmatch(text):
        return f"make it look like {article(match['look'])} {match['look']}"
    if match := _STYLE.fullmatch(text):
        return f"make it in {match['look']}"
    if match := _LOOK.fullmatch(text):
        return f"restyle it as a {match['look']}look"
    return text
