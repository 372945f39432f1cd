"""What the offline planner's handlers share: the reply for what the rules cannot do, the
current image, a tool's inline parameters, object phrases to detect (and segment) steps,
the current mask, and the last edit run again with changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any

from pixelsmith.agent.normalise import Request
from pixelsmith.agent.phrases import Subject, parse_subject
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.vocabulary import entries
from pixelsmith.views import ArtifactView, WorkspaceView

# how the rules plan a request said in other words: `rules._dispatch`
Dispatch = Callable[[Request, WorkspaceView], Plan]

# an object named with its determiner: "the cat", "her hat", "those chairs"
THING = r"(?:the|that|this|those|these|his|her|its|their|my) [\w' -]+?"
# the photo itself: "it", "this", "the picture", "my whole photo"
PHOTO = r"(?:image|picture|photo|photograph|shot|pic|scene|canvas|whole thing|whole photo)"
THE_PHOTO = rf"(?:it|this|that|(?:the|this|my) {PHOTO})"


class Unclear(Exception):
    """A message the rules cannot turn into steps; the text is the reply. With `helps`, the
    reply goes on with a suggestion and example phrasings (`OfflinePlanner.plan`); `unread`:
    no rule read the words at all (a typo may be why), rather than one that read them and
    said why not ("No training is waiting to be continued")."""

    def __init__(self, text: str, *, helps: bool = False, unread: bool = False) -> None:
        super().__init__(text)
        self.helps = helps
        self.unread = unread


@cache
def help_text() -> str:
    """Example phrasings for replies, from `prompts/offline_help.md`."""
    return resources.files("pixelsmith.prompts").joinpath("offline_help.md").read_text().strip()


def unclear(lead: str) -> Unclear:
    return Unclear(lead, helps=True)


def current_image(view: WorkspaceView) -> str:
    if view.current_image is None:
        # understood, with nothing to do it to: no "did you mean" (it offered "it brighter")
        raise Unclear("There is no image to edit yet: upload one, or ask me to generate one.")
    return view.current_image


def params_for(tool: str, request: Request) -> dict[str, Any]:
    params = dict(request.params)
    if tool == "train_concept" and "num_inference_steps" in params:  # "200 steps" of training
        params["steps"] = params.pop("num_inference_steps")
    return {k: v for k, v in params.items() if k in request.takes.get(tool, ())}


def subject_of(phrase: str, view: WorkspaceView, *, pronoun_ok: bool = False) -> Subject:
    subject = parse_subject(phrase)
    if subject.pronoun and not pronoun_ok:
        raise unclear(f"Say what to look for instead of “{phrase}”, e.g. 'the dog on the left'.")
    if subject.inverse and not subject.labels:  # "the background": behind the main subject
        return replace(main_subject(view), words=subject.words, inverse=True)
    if subject.labels and all(label in entries("photo", "the main subject") for label in subject.labels):
        return replace(main_subject(view), inverse=subject.inverse)  # "cut out the main subject"
    if not subject.labels and not subject.pronoun:
        labels = recent_labels(view)
        if not labels:
            raise unclear(f"I could not tell what object “{phrase}” means.")
        subject = replace(subject, labels=labels, words=" and ".join(labels))
    return subject


def main_subject(view: WorkspaceView) -> Subject:
    """The subject "the background" is behind: the last detection's labels, else the usual ones."""
    labels = recent_labels(view) or list(entries("photo", "main subjects"))
    return Subject(labels, "largest", " or ".join(labels))


def recent_labels(view: WorkspaceView) -> list[str]:
    """Labels of the last detection, for 'the one on the left'."""
    detections = view.of_kind("detection")
    return list(dict.fromkeys(box.label for box in detections[-1].boxes)) if detections else []


def find_steps(subject: Subject, request: Request, view: WorkspaceView, *, cut: bool) -> list[Step]:
    """Find (and segment) the subject in the current image: detect, or segment_text when the
    segmenter reads text (SAM 3 finds and cuts out in one call; segment then picks)."""
    image, names, finder = current_image(view), " and ".join(subject.labels), view.finder
    args = {"image": image, "labels": subject.labels, **params_for(finder, request)}
    steps = [Step(tool=finder, args=args, why=f"find the {names}")]
    if cut:
        args = {"image": image, "detection": "$1", "which": subject.which, "multimask": True}
        pick = "" if subject.which == "best" else f" ({subject.which})"
        steps.append(Step(tool="segment", args=args, why=f"cut out the {names}{pick}"))
    return steps


def masked_steps(subject: Subject, request: Request, view: WorkspaceView) -> tuple[list[Step], str]:
    """Steps that cut the subject out and the mask they leave; 'it' is the current mask; the
    background is the subject's mask inverted."""
    if subject.inverse:
        steps = find_steps(subject, request, view, cut=True)
        names = " and ".join(subject.labels)
        invert = Step(tool="refine_mask", args={"mask": "$2", "invert": True}, why=f"all but the {names}")
        return [*steps, invert], "$3"
    if not subject.pronoun:
        return find_steps(subject, request, view, cut=True), "$2"
    mask = current_mask(view)
    if (found := _found_since(view, mask)) is not None:  # "find the cushion", then "remove it"
        args = {"image": found.parents[0], "detection": found.id, "which": "best", "multimask": True}
        return [Step(tool="segment", args=args, why=f"cut out what {found.id} found")], "$1"
    if mask is None:  # a rule for "<verb> it" read the words: maybe wrongly, a typo may be why
        lead = "There is no mask yet; name the object, e.g. 'remove the cat'."
        raise Unclear(lead, helps=True, unread=True)
    return [], mask


def _found_since(view: WorkspaceView, mask: str | None) -> ArtifactView | None:
    """The last detection on the current image when it came after `mask` (what "it" would
    be otherwise) and the user selected nothing: what "it" means after "find the cushion"."""
    order = [a.id for a in view.artifacts]
    found = [d for d in view.of_kind("detection") if d.parents[:1] == [view.current_image]]
    if not found or view.selection:
        return None
    last = found[-1]
    return last if mask is None or mask not in order or order.index(last.id) > order.index(mask) else None


def current_mask(view: WorkspaceView) -> str | None:
    """What "it" and "the selection" mean: the user's selection on the photo; else the last
    edit's mask, unless a later segmentation made new candidates. Never a mask of another
    size than the current image (made before a crop or a resize)."""
    if view.selection:
        return view.selection
    size = (view.get(view.current_image or "") or ArtifactView("", "", [], "")).size
    fits = [m for m in view.last_masks if None in (size, _size(view, m)) or _size(view, m) == size]
    edit_mask = view.last_edit.args.get("mask") if view.last_edit else None
    if edit_mask and (not view.last_masks or edit_mask in view.last_masks):
        return edit_mask if edit_mask in fits or edit_mask not in view.last_masks else None
    return fits[0] if fits else None


def _size(view: WorkspaceView, artifact_id: str) -> tuple[int, int] | None:
    found = view.get(artifact_id)
    return found.size if found else None


def rerun(view: WorkspaceView, request: Request, why: str, **changes: Any) -> Step:
    """The last edit again on its input image, with `changes` and any inline parameters."""
    edit = view.last_edit
    if edit is None:
        raise unclear("There is no earlier edit to change yet.")
    args = {**edit.args, **changes, **params_for(edit.tool, request)}
    if edit.input_image:
        args["image"] = edit.input_image
    return Step(tool=edit.tool, args={k: v for k, v in args.items() if v is not None}, why=why)


def last_prompt(view: WorkspaceView) -> str:
    edit = view.last_edit
    if edit is None:
        raise unclear("There is no earlier edit to change yet.")
    if not edit.args.get("prompt"):
        raise unclear(f"The last edit ({edit.tool}) has no prompt to change; say what to paint instead.")
    return edit.args["prompt"]


def prompt_for(view: WorkspaceView, edit_args: dict[str, Any], words: str) -> str | None:
    """The last edit's prompt said of another object (`words`): "a black cat" -> "a black
    sofa", where the prompt names what its mask was found as; a prompt that does not ("a
    realistic green dragon") as it is. None when the edit has no prompt."""
    prompt = edit_args.get("prompt")
    mask = view.get(str(edit_args.get("mask", "")))
    if not prompt or mask is None or not words:
        return prompt
    found = [view.get(parent) for parent in mask.parents]
    labels = [box.label for artifact in found if artifact is not None for box in artifact.boxes]
    for label in sorted(set(labels), key=len, reverse=True):
        if re.search(rf"\b{re.escape(label)}\b", prompt):
            return re.sub(rf"\b{re.escape(label)}\b", words, prompt, count=1)
    return prompt
