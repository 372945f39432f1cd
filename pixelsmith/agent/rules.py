"""The offline planner: chat messages to plans by rules, with no LLM.

A message goes through three stages:
1. `normalise`: lower case, inline parameters taken out ("seed 7", "4 candidates"),
   punctuation and polite wrappers ("could you", "please") removed.
2. The intent table in `phrases` is tried in order; the first pattern that matches the
   whole text names the handler.
3. The handler builds the plan. New requests read their object phrase (`parse_subject`:
   labels, position, plural) and edit `view.current_image`; follow-ups re-run
   `view.last_edit` on its input image with the one change asked for.

What the rules cannot turn into steps comes back as a plan with only a `reply`: what was not
understood and a few example phrasings (`prompts/offline_help.md`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pixelsmith.agent import (
    phrases,
    platforms,
    rules_photo,
    rules_place,
    rules_reference,
    rules_selection,
    rules_talk,
    rules_teach,
    sentences,
    whole_image,
)
from pixelsmith.agent.normalise import Request, clause, normalise, tidied
from pixelsmith.agent.phrases import to_int
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.prompt_words import replacement_prompt, with_colour
from pixelsmith.agent.rules_correct import corrected
from pixelsmith.agent.rules_parts import PartsTurn, mend, split, suggest
from pixelsmith.agent.rules_shared import (
    THING,
    Unclear,
    current_image,
    current_mask,
    find_steps,
    help_text,
    last_prompt,
    masked_steps,
    params_for,
    prompt_for,
    rerun,
    subject_of,
    unclear,
)
from pixelsmith.errors import shorten
from pixelsmith.tools.tool_registry import ToolRegistry
from pixelsmith.views import WorkspaceView

DEFAULT_GROW = 10  # pixels, for "expand the mask"
DEFAULT_FEATHER = 8.0  # pixels, for "feather the mask"

# With no image yet, a phrase of two or more words that is not a question or a greeting
# describes a picture to make ("a watercolour lighthouse", "misty mountains at dawn").
DESCRIPTION = re.compile(
    r"(?!(?:what|how|why|who|when|where|which|can|could|would|will|is|are|do|does|did|hi|hello|hey|"
    r"thanks|thank|ok|okay|yes|no|help|undo|stop)\b)(?P<target>\S+(?: \S+)+)"
)
_ALSO = re.compile(r"\b(?:too|as well|also)\b|^\W*(?:now|and|then)\b")  # "and the plant too", "now the lamp"
_THING_ALONE = re.compile(rf"(?P<object>{THING})")


# -- the planner ----------------------------------------------------------------------------
class OfflinePlanner:
    """Deterministic rules from chat messages to plans; see the module docstring."""

    name = "offline"

    def __init__(self, tools: ToolRegistry | None = None) -> None:
        from pixelsmith.tools import default_tools

        # Which parsed arguments ("seed 7", "3 candidates") each tool takes: its input's fields.
        self.takes = {t.name: frozenset(t.input_model.model_fields) for t in tools or default_tools()}

    def begin(self, message: str, view: WorkspaceView) -> PartsTurn:
        """A turn for `message`: in parts ("... and then ..."), the request it ends on ("no wait")."""
        understood = functools.partial(self._understood, view=view)
        if (instead := corrected(message, understood, view.last_edit)) is not None:
            return PartsTurn(self, split(instead) if instead else [], read_as=instead)
        return PartsTurn(self, split(message))

    def resume(self, state: dict[str, Any], *, steps_done: int) -> PartsTurn:
        """The turn a paused review left (`PartsTurn.state`), after `steps_done` steps."""
        return PartsTurn(self, state.get("parts", []), done=steps_done, total=state.get("total"))

    def plan(self, message: str, view: WorkspaceView, *, defaults: dict[str, Any] | None = None) -> Plan:
        """The plan for `message` as one request (`defaults`: inline parameters it may leave
        out); when it is not understood, a reply alone: why, the nearest request that is
        understood, and example phrasings."""
        request = normalise(message, self.takes)
        request = replace(request, params={**(defaults or {}), **request.params})
        try:
            return _dispatch(request, view)
        except Unclear as why:
            if view.current_image and (
                fitted := platforms.plan(request, view, _dispatch)
            ):  # "my insta story"
                return fitted
            if (found := _one_clause(request, view)) is not None:
                return found
            # "make it blak and white"; "convert it to black and whte" (read as a recolour of "it")
            understood = functools.partial(self._understood, view=view)
            if why.unread and (mended := mend(message, understood)):
                plan = self._mended(mended, request, view)
                if plan is not None:
                    return plan
            if not why.helps:
                return Plan(reply=str(why))
            hint = suggest(message, lambda text: self._understood(text, view))
            return Plan(reply=f"{why} {hint}".strip() + f"\n\n{help_text()}")

    def _mended(self, mended: str, request: Request, view: WorkspaceView) -> Plan | None:
        """The plan for the message with its typos mended (`mend` found it understood), saying
        how it was read; None if the message's own parameters change that."""
        try:
            plan = _dispatch(replace(request, text=normalise(mended, self.takes).text), view)
        except Unclear:
            return None
        plan.note = f"I read that as “{mended}”."
        return plan if plan.steps else None

    def _understood(self, message: str, view: WorkspaceView) -> bool:
        try:
            return bool(_dispatch(normalise(message, self.takes), view).steps)
        except Unclear:
            return False


def _one_clause(request: Request, view: WorkspaceView) -> Plan | None:
    """The plan of the first clause that is a request on its own (`sentences.clauses`): of the
    request, then of the message as written ("I'm making a card for my sister, could you ..."
    lost its request with the reason "for my ...")."""
    said = sentences.clauses(request.text)
    for part in sentences.clauses(tidied(request.message)):
        said += [] if part in said else [part]
    answered = None  # a clause understood but answered: "straighten it" (by how much?)
    for part in said:
        try:
            plan = _dispatch(replace(request, text=clause(part)), view)
        except Unclear as why:
            answered = answered or (None if why.helps else Plan(reply=str(why)))
            continue
        if plan.steps:
            plan.note = plan.note or f"I read that as “{part}”."  # the rest of the message was not read
            return plan
    return answered


def _dispatch(request: Request, view: WorkspaceView) -> Plan:
    # closed vocabularies first (photo operations, then the whole image), then placing a new object
    # ("add a hat to the dog"), then the open object intents; with a selection, "him" is what was selected
    request = rules_selection.as_selected(request, view)
    if (given := rules_reference.plan(request, view, _dispatch)) is not None:  # "the dog from this photo"
        return given
    if (said := rules_talk.plan(request, view, _dispatch)) is not None:  # "it's too dark", "make it pop"
        return said
    placing = rules_place.PLACE_INTENTS if view.current_image is not None else ()
    tables = (
        (rules_photo.INTENTS, rules_photo.HANDLERS),
        (whole_image.INTENTS, whole_image.HANDLERS),
        (placing, rules_place.HANDLERS),
        (whole_image.OPEN_INTENTS, whole_image.HANDLERS),
        (phrases.INTENTS, HANDLERS),
    )
    for number, (intents, handlers) in enumerate(tables):  # the photo rules edit inside a selection
        if (
            number == 1 and (selected := rules_selection.plan(request, view)) is not None
        ):  # "fill it with grass"
            return selected
        for intent in intents:
            if match := intent.pattern.fullmatch(request.text):
                return handlers[intent.name](phrases.Said(match), request, view)
    if (selected := rules_selection.described(request, view)) is not None:  # "a vase of tulips"
        return selected
    if request.params and all(word in phrases.FILLER for word in request.text.replace(",", " ").split()):
        return _tweak(request, view)
    if (
        view.last_edit
        and _ALSO.search(request.message.lower())
        and (also := _THING_ALONE.fullmatch(request.text))
    ):
        return _same_to(also, request, view)  # "and the plant too": the last edit on it
    described = DESCRIPTION.fullmatch(request.text)  # "a watercolour lighthouse"
    if described and view.current_image is None and "?" not in request.message:
        return _generate(described, request, view)
    raise Unclear(f"I did not understand “{shorten(request.message.strip(), 200)}”.", helps=True, unread=True)


# -- new requests ------------------------------------------------------------------------------
def _detect(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    return Plan(steps=find_steps(subject_of(match["object"], view), request, view, cut=False))


def _segment(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    return Plan(steps=find_steps(subject_of(match["object"], view), request, view, cut=True))


def _remove(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    subject = subject_of(match["object"] or match["object2"], view, pronoun_ok=True)
    steps, mask = masked_steps(subject, request, view)
    args = {"image": current_image(view), "mask": mask, **params_for("remove", request)}
    if subject.words:
        args["object"] = subject.words
    elif steps and (found := view.get(steps[0].args.get("detection", ""))):  # "find the cushion", "remove it"
        args["object"] = " and ".join(dict.fromkeys(box.label for box in found.boxes))
    why = f"erase the {subject.words or 'masked area'}"
    return Plan(steps=[*steps, Step(tool="remove", args=args, why=why)])


def _replace(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    groups = match.groupdict()
    subject = subject_of(match["object"], view, pronoun_ok=True)
    prompt = replacement_prompt(subject, groups.get("target"), groups.get("adjective"))
    steps, mask = masked_steps(subject, request, view)
    args = {"image": current_image(view), "mask": mask, "prompt": prompt, **params_for("inpaint", request)}
    args |= rules_teach.concept_named(groups.get("target") or prompt, view)
    return Plan(steps=[*steps, Step(tool="inpaint", args=args, why=f"paint {prompt}")])


def _generate(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    target, args = match["target"], {}
    if size := phrases.SIZE.search(target):  # "a 768x512 image of a nook": sizes are multiples of 8
        args = {
            side: max(64, round(int(size[key]) / 8) * 8) for side, key in (("width", "w"), ("height", "h"))
        }
        target = f"{target[: size.start()]} {target[size.end() :]}".replace("  ", " ").strip(" ,")
    prompt = phrases.GENERIC_KIND.sub("", target)
    args = {"prompt": prompt, **args}
    if match.groupdict().get("count"):
        args["num_candidates"] = phrases.to_int(match["count"])
    args |= params_for("generate", request) | rules_teach.concept_named(match["target"], view)
    return Plan(steps=[Step(tool="generate", args=args, why=f"generate {prompt}")])


# -- follow-ups ---------------------------------------------------------------------------------
def _change_it(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    new = re.sub(r" again$", "", match["new"])
    if (
        view.last_edit is None
        and view.current_image is not None
        and re.search(r"\b(?:look|feel|seem)\b", request.text)
    ):
        # "make it look hand painted": no edit to change yet, so the photo is "it"
        args = {"image": current_image(view), "prompt": request.text, **params_for("instruct", request)}
        return Plan(steps=[Step(tool="instruct", args=args, why=request.text)])
    try:
        prompt = last_prompt(view)
    except Unclear as why:  # "make it <anything>" takes every message of its shape: a typo may be why
        why.unread = True
        raise
    if phrases.COLOUR_RUN.fullmatch(new):
        prompt = with_colour(prompt, new)
    elif re.match(rf"(?:an?|some|the|{phrases.NUM}) ", new):
        prompt = new
    else:
        prompt = f"{prompt}, {new}"
    return Plan(steps=[rerun(view, request, f"paint {prompt}", prompt=prompt)])


def _quality(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    prompt = last_prompt(view)
    suffix = next(extra for words, extra in phrases.QUALITY if re.fullmatch(words, match["quality"]))
    prompt = prompt if prompt.endswith(suffix) else prompt + suffix
    return Plan(steps=[rerun(view, request, f"paint {prompt}", prompt=prompt)])


def _again(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    old = view.last_edit.args if view.last_edit else {}
    changes = {} if old.get("seed") is None else {"seed": old["seed"] + (old.get("num_candidates") or 1)}
    return Plan(steps=[rerun(view, request, "try another seed", **changes)])


def _tweak(request: Request, view: WorkspaceView) -> Plan:
    """Parameters alone ("guidance 12", "3 candidates"): the last edit with them."""
    step = rerun(view, request, "redo with " + ", ".join(f"{k} {v}" for k, v in request.params.items()))
    if not params_for(step.tool, request):
        raise unclear(f"{step.tool} does not take {', '.join(request.params)}.")
    return Plan(steps=[step])


def _refine(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    mask = current_mask(view)
    if mask is None:
        raise unclear("There is no mask to change yet; segment something first.")
    op = phrases.REFINE_WORDS[match["op"]]
    change = _mask_change(op, match.groupdict().get("px"))
    steps = [Step(tool="refine_mask", args={"mask": mask, **change}, why=f"{op} {mask}")]
    if view.last_edit and view.last_edit.args.get("mask") == mask:
        steps.append(rerun(view, request, "redo the edit with the new mask", mask="$1"))
    return Plan(steps=steps)


def _same_to(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    """The last edit again, on another object: "now do the same to the armchair"."""
    edit = view.last_edit
    if edit is None or "mask" not in edit.args:
        raise unclear(
            "There is no edit of an object to do again yet; say what to change, e.g. 'make the sofa red'."
        )
    subject = subject_of(match["object"], view)
    steps = find_steps(subject, request, view, cut=True)
    args = {**edit.args, "image": current_image(view), "mask": "$2", **params_for(edit.tool, request)}
    if "object" in args:  # what remove is taking away: the new one
        args["object"] = subject.words
    if "prompt" in args:  # "a black cat" done to the sofa is "a black sofa"
        args["prompt"] = prompt_for(view, edit.args, subject.words)
    return Plan(steps=[*steps, Step(tool=edit.tool, args=args, why=f"the same to the {subject.words}")])


def _mask_change(op: str, pixels: str | None) -> dict[str, Any]:
    """refine_mask arguments for grow, shrink, feather or invert (pixels may be unsaid)."""
    if op == "invert":
        return {"invert": True}
    if op == "feather":
        return {"feather": float(to_int(pixels)) if pixels else DEFAULT_FEATHER}
    amount = to_int(pixels) if pixels else DEFAULT_GROW
    return {"grow": amount if op == "grow" else -amount}


def _select(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    chosen = _chosen(match, view)
    steps = [Step(tool="select", args={"id": chosen}, why=f"use {chosen}")]
    used = view.last_edit.args.get("mask") if view.last_edit else None
    if chosen.startswith("mask-") and used in view.last_masks and used != chosen:
        steps.append(rerun(view, request, f"redo the edit with {chosen}", mask=chosen))
    return Plan(steps=steps)


def _chosen(match: re.Match[str], view: WorkspaceView) -> str:
    """The id that 'mask 2', 'the second one' or 'image-3' names."""
    if match["id"]:
        return match["id"]
    noun = match["noun"] or match["noun2"] or "one"  # "use the third": of what was just made
    outputs = view.last_edit.outputs if view.last_edit else []
    images = noun in ("image", "picture", "result", "version") or (
        noun in ("candidate", "option", "one") and len(outputs) > 1
    )
    if match["number"] and noun in ("image", "picture"):
        return f"image-{match['number']}"
    pool, kind = (outputs, "image") if images else (view.last_masks, "mask")
    if not pool:
        raise unclear(f"There are no candidate {kind}s to choose from yet.")
    index = phrases.ORDINALS[match["ordinal"]] if match["ordinal"] else int(match["number"])
    index = len(pool) if index == -1 else index  # "the last one"
    if 1 <= index <= len(pool):
        return pool[index - 1]
    there = f"is only 1 candidate {kind}" if len(pool) == 1 else f"are only {len(pool)} candidate {kind}s"
    raise unclear(f"There {there}: {', '.join(pool)}.")


def _undo(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    times = {None: 1, "twice": 2, "thrice": 3}.get(match["times"]) or phrases.to_int(
        match["times"].split()[0]
    )
    return Plan(steps=[Step(tool="undo", why="back one version") for _ in range(times)])


def _revert(match: re.Match[str], request: Request, view: WorkspaceView) -> Plan:
    named = match["image"]
    if named.startswith("image"):
        image = re.sub(r"^image[- ]?", "image-", named)
    else:
        images = view.of_kind("image")
        uploads = [a for a in images if a.tool == "upload"] or images
        if not uploads:
            raise unclear("There is no image to go back to yet.")
        image = uploads[0].id
    return Plan(steps=[Step(tool="revert", args={"image": image}, why=f"go back to {image}")])


Handler = Callable[[re.Match[str], Request, WorkspaceView], Plan]


HANDLERS: dict[str, Handler] = {
    "detect": _detect,
    "segment": _segment,
    "remove": _remove,
    "replace": _replace,
    "generate": _generate,
    "change_it": _change_it,
    "quality": _quality,
    "again": _again,
    "refine": _refine,
    "same_to": _same_to,
    "select": _select,
    "undo": _undo,
    "revert": _revert,
    "teach": rules_teach.teach,
    "resume_teach": rules_teach.resume_teach,
}
