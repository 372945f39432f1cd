"""Words to write on the photo, for the offline rules: "put "monday mood" on it in big letters",
"could you write 'Happy 30th Jess!' across the top in a fun font". The words are read from the
message as written (in quotes: the rules' text has lost its quotes and its case) and go to the
editor (`instruct`), which draws lettering; where it goes and how it looks stay in the prompt."""

from __future__ import annotations

import re

from pixelsmith.agent.normalise import Request, tidied
from pixelsmith.agent.phrases import TRAILING
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import current_image, params_for
from pixelsmith.views import WorkspaceView

_QUOTED = re.compile(
    r"\b(?:put|write|add|type|print|stick|caption it)\b[^\"“”]{0,40}?[\"“](?P<words>[^\"“”]{1,80})[\"”]"
    r"(?P<rest>[^.?!\"]*)",
    re.IGNORECASE,
)
_ON_IT = re.compile(r"^(?:on (?:it|this|the (?:photo|picture|image))|to it)\b\s*")


def plan(request: Request, view: WorkspaceView) -> Plan | None:
    """An instruction that writes the quoted words on the current image; None without them."""
    said = _QUOTED.search(request.message)
    if said is None or view.current_image is None:
        return None
    rest = _ON_IT.sub("", tidied(said["rest"]).strip(" ,"))
    rest = TRAILING.sub("", rest).strip(" ,")
    prompt = f'add the text "{said["words"].strip()}"' + (f" {rest}" if rest else "")
    args = {"image": current_image(view), "prompt": prompt, **params_for("instruct", request)}
    return Plan(steps=[Step(tool="instruct", args=args, why=f"write “{said['words'].strip()}” on the photo")])
