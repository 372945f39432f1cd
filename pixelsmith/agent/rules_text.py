"""Words to write on the photo, for the offline rules: "put "monday mood" on it in big letters",
"could you write 'Happy 30th Jess!' across the top in a fun font", then "make the writing
bigger and white". The words are read from the
message as written (in quotes: the rules' text has lost its quotes and its case) and go to the
editor (`instruct`), which draws lettering; where it goes and how it looks stay in the prompt."""

from __future__ import annotations

import re

from pixelsmith.agent.normalise import Request, tidied
from pixelsmith.agent.phrases import TRAILING
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import current_image, params_for
from pixelsmith.views import WorkspaceView

# the verb, maybe "the text"/"a caption saying", then the words in quotes (not 'add a "vintage" look')
_QUOTED = re.compile(
    r"\b(?:put|write|add|type|print|stick|caption it|(?P<edge>top|bottom) text:?)"  # a meme's "bottom text:"
    r"(?: (?:the )?(?:text|words?|caption|sign|a caption|a sign)"
    r"(?: (?:saying|that says|reading))?| saying)? (?:[\"“](?P<words>[^\"“”]{1,80})[\"”]"
    r"|(?<!\w)'(?P<words2>[^'\"“”]{1,80})'(?!\w))(?P<rest>[^.?!\"]*)",
    re.IGNORECASE,
)
# lettering already on the photo, changed: "make the writing bigger and white", "change the font"
_THE_TEXT = re.compile(
    r"(?P<how>(?:make|change|turn|move|put|recolou?r) (?:the|that|this)"
    r" (?:writing|text|lettering|letters|words|caption|title|font)\b.*)"
)
_LEAD_MAX = 300  # characters before the verb: a long message's reasons, not another request
_ON_IT = re.compile(r"^(?:on (?:it|this|the (?:photo|picture|image))|to it)\b\s*")


def reads(part: str) -> bool:
    """Whether `part`, as written, asks for words on the photo (a part of its own,
    `rules_parts.split`: 'remove the cat and write "hi" at the top' is two)."""
    return _QUOTED.search(part) is not None


def plan(request: Request, view: WorkspaceView) -> Plan | None:
    """An instruction that writes the quoted words on the current image; None without them,
    or when the message asks for more than that (its parts are planned one by one)."""
    said = _QUOTED.search(request.message)
    if said is None and view.current_image is not None and (text := _THE_TEXT.fullmatch(request.text)):
        args = {"image": current_image(view), "prompt": text["how"], **params_for("instruct", request)}
        return Plan(steps=[Step(tool="instruct", args=args, why=text["how"])])
    if said is None or view.current_image is None or said.start() > _LEAD_MAX:
        return None
    rest = _ON_IT.sub("", tidied(said["rest"]).strip(" ,"))
    rest = TRAILING.sub("", rest).strip(" ,") or (f"at the {said['edge'].lower()}" if said["edge"] else "")
    words = (said["words"] or said["words2"]).strip()
    prompt = f'add the text "{words}"' + (f" {rest}" if rest else "")
    args = {"image": current_image(view), "prompt": prompt, **params_for("instruct", request)}
    return Plan(steps=[Step(tool="instruct", args=args, why=f"write “{words}” on the photo")])
