"""Offline rules for a request that comes with reference photos (issue 27).

With a reference photo given beside the request ("put the dog from this photo on the sofa",
"make the cat look like this one", "use this picture for the sky"), the request is an
instruction to the editor on the current image with the reference photos passed along:
`instruct` with `references`. When the configured editor takes no reference
(InstructPix2Pix: `WorkspaceView.reference_tool` is "inpaint"), an object the request names
is found, cut out and inpainted with the reference through the inpainter's IP-Adapter
("replace the cat with the dog from this photo": the rules' own plan for "replace the cat
with the dog", its inpaint given the reference). Tried before the other rules, and only while
a reference given since the current image was made exists (`WorkspaceView.fresh_references`)
and the request points at it; "remove the cat" beside a reference is still the object rules'.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pixelsmith.agent.normalise import Request
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_shared import Dispatch, Unclear, current_image, params_for
from pixelsmith.views import WorkspaceView

_PICTURE = r"(?:photo|picture|image|pic|shot|one|reference|example)s?"
_THIS = (
    r"(?:this|that|these|those|the other|the second|the new|the attached|the reference|my other|"
    r"the uploaded|the given)"
)
POINTS_AT_IT = re.compile(
    rf"\b(?:{_THIS} {_PICTURE}|like this|from this|as this|in this|reference|"
    rf"(?:with|for|into|by) this \w+|^(?:put|add|place|paste) this \w+)\b"
)
# "the dog from this photo" -> "the dog"; "make the cat look like this one" -> the cat, made anew
_POINTER = re.compile(
    rf"\b(?:(?:from|in|of|on|like|as) )?{_THIS} {_PICTURE}\b|\b(?:from|in|of) the reference$"
)
_LOOKS_LIKE = re.compile(
    rf"(?:make|turn|change) (?P<object>.+?) (?:to )?(?:look )?like (?:{_THIS}|this)(?: {_PICTURE})?"
)

# What the reference shows is new to the photo: "put the dog ... on the sofa" places *a* dog,
# "give the cat the collar" *a* collar, "replace the cat with this dog" paints the dog.
_NEW_THING = (
    (re.compile(r"^(add|put|place|stick|set|pop|plonk|sit|stand) (?:the|this|that) "), r"\1 a "),
    (re.compile(r"^give (.+?) (?:the|this|that) (?=\S+$)"), r"give \1 a "),
    (re.compile(r"\b(with|for|into|by) this "), r"\1 the "),
)
_JUST_ONE = re.compile(r"(?:the |this |that )?one")  # "swap the dog for the one in this photo"


def plan(request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """`instruct` with the fresh reference photos when the request points at them, or
    (`view.reference_tool` "inpaint") the rules' plan for the object it names with the last
    reference on its inpaint; `dispatch` plans a request by the other rules."""
    given = view.fresh_references()
    if not given or view.current_image is None or not POINTS_AT_IT.search(request.text):
        return None
    if view.reference_tool == "inpaint" and (painted := _inpainted(request, view, given[-1], dispatch)):
        return painted
    prompt = request.message.strip()
    args = {"image": current_image(view), "prompt": prompt, "references": given}
    args |= params_for("instruct", request)
    why = f"{prompt}, with the reference photo{'s' if len(given) > 1 else ''} {', '.join(given)}"
    return Plan(steps=[Step(tool="instruct", args=args, why=why)])


def _inpainted(request: Request, view: WorkspaceView, reference: str, dispatch: Dispatch) -> Plan | None:
    """The other rules' plan for the request without its pointer to the photo, when it paints
    with `inpaint`; each inpaint then takes the reference. None when there is no such plan."""
    text = request.text
    if looks := _LOOKS_LIKE.fullmatch(text):
        text = f"replace {looks['object']} with {looks['object']}"
    text = " ".join(_POINTER.sub(" ", text).split())
    for pattern, instead in _NEW_THING:
        text = pattern.sub(instead, text)
    if not text or POINTS_AT_IT.search(text):
        return None
    try:
        found = dispatch(replace(request, text=text), view)
    except Unclear:
        return None
    if not any(step.tool == "inpaint" for step in found.steps):
        return None
    steps, labels = [], [label for step in found.steps for label in step.args.get("labels", [])]
    for step in found.steps:
        if step.tool == "inpaint":
            args, why = {**step.args, "references": [reference]}, f"{step.why}, like {reference}"
            if _JUST_ONE.fullmatch(args.get("prompt", "")) and labels:  # the one in the photo: of its kind
                args["prompt"] = f"a {labels[0]}"
            step = step.model_copy(update={"args": args, "why": why})
        steps.append(step)
    return Plan(steps=steps)
