"""Offline rules for a request that comes with reference photos (issue 27).

With a reference photo given beside the request ("put the dog from this photo on the sofa",
"make the cat look like this one", "use this picture for the sky"), the request is an
instruction to the editor on the current image with the reference photos passed along:
`instruct` with `references`. Tried before the other rules, and only while a reference
given since the current image was made exists (`WorkspaceView.fresh_references`) and the
request points at it; "remove the cat" beside a reference is still the object rules'.
"""

from __future__ import annotations

import re

from pixelsmith.agent.normalise import Request
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import current_image, params_for
from pixelsmith.views import WorkspaceView

_PICTURE = r"(?:photo|picture|image|pic|shot|one|reference|example)s?"
POINTS_AT_IT = re.compile(
    rf"\b(?:(?:this|that|these|those|the other|the second|the new|the attached|the reference|my other|"
    rf"the uploaded|the given) {_PICTURE}|like this|from this|as this|in this|reference)\b"
)


def plan(request: Request, view: WorkspaceView) -> Plan | None:
    """`instruct` with the fresh reference photos, when the request points at them."""
    given = view.fresh_references()
    if not given or view.current_image is None or not POINTS_AT_IT.search(request.text):
        return None
    prompt = request.message.strip()
    args = {"image": current_image(view), "prompt": prompt, "references": given}
    args |= params_for("instruct", request)
    why = f"{prompt}, with the reference photo{'s' if len(given) > 1 else ''} {', '.join(given)}"
    return Plan(steps=[Step(tool="instruct", args=args, why=why)])
