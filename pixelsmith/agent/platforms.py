"""Where the photo is going, read as what it needs there, when nothing else in the message is
understood (`rules._dispatch`, last): a shape ("gonna put this on my insta story, can u make
it fit": cropped to 9:16; extended instead where the message says not to cut), a size
("youtube thumbnail"), the subject alone ("profile pic please, just him": a square around
him; "a whatsapp sticker": cut out), a print ("printing it 10x15": 3:2, turned the photo's
way; "a big A2 poster": more pixels) or small enough to send. An edit said beside the place
is that edit ("discord avatar - zoom right in on his face"). The places are in
`data/words/platforms.txt`."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from pixelsmith.agent.normalise import Request, clause, normalise, tidied
from pixelsmith.agent.plan import Plan
from pixelsmith.agent.prompt_words import article
from pixelsmith.agent.rules_shared import Dispatch, Unclear
from pixelsmith.agent.sentences import CLAUSE_CUT
from pixelsmith.agent.vocabulary import alt, pairs
from pixelsmith.views import WorkspaceView

_SECTIONS = ("shapes", "subject", "prints", "big prints", "small")
_UNCUT = re.compile(r"\b(?:don'?t|do not|dont|without|never|not) (?:chop|crop|cut)\w*")
_SHAPE_ONLY = ({"crop"}, {"outpaint"})  # a plan that only reshapes: the place says which shape


@cache
def _places() -> dict[str, tuple[str, str]]:
    """Each place's name -> (its section, the request it needs)."""
    return {
        name: (section, said) for section in _SECTIONS for name, said in pairs("platforms", section).items()
    }


@cache
def _named() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){alt(map(re.escape, _places()))}(?![\w-])")


def plan(request: Request, view: WorkspaceView, dispatch: Dispatch) -> Plan | None:
    """The plan for a message that names where the photo is going, or None when it names none."""
    place = _named().search(request.text)
    if not place or request.rewrites > 1:
        return None
    section, needed = _places()[place[0]]
    for text in dict.fromkeys((request.text, tidied(request.message))):  # as read, then as written
        rest = _named().sub(" ", text).strip(" ,-:")
        if (said := _said_beside(rest, request, view, dispatch, shape_ok=section != "subject")) is not None:
            return said
    if _UNCUT.search(request.text):  # "needs to be really wide but dont chop him": extended
        needed = needed.replace("crop it to", "make it")
    if section == "prints":
        needed = _turned(needed, view)
    try:
        planned = dispatch(replace(request, text=normalise(needed).text, rewrites=request.rewrites + 1), view)
    except Unclear:  # the place's request does not fit this photo: the message stays not understood
        return None
    planned.note = planned.note or f"For {article(place[0])} {place[0]}, I read that as “{needed}”."
    return planned


def _said_beside(
    rest: str, request: Request, view: WorkspaceView, dispatch: Dispatch, *, shape_ok: bool
) -> Plan | None:
    """The plan of an edit said beside the place (of the rest, or of one of its clauses); one
    that only reshapes the photo only where `shape_ok` ("a profile pic, square": the square is
    the place's, around the subject)."""
    for text in (rest, *(c for c in CLAUSE_CUT.split(rest) if c.strip() and c.strip() != rest)):
        try:
            planned = dispatch(
                replace(request, text=clause(text.strip()), rewrites=request.rewrites + 1), view
            )
        except Unclear:
            continue
        tools = {step.tool for step in planned.steps}
        if planned.steps and (
            shape_ok or tools not in _SHAPE_ONLY or any("around" in s.args for s in planned.steps)
        ):
            if text != rest:  # one clause: the rest was not read
                planned.note = planned.note or f"I read that as “{text.strip()}”."
            return planned
    return None


def _turned(needed: str, view: WorkspaceView) -> str:
    """A print's ratio turned the photo's way: "3:2" for a landscape photo, "2:3" for a portrait."""
    ratio = re.search(r"(?P<w>[\d.]+):(?P<h>[\d.]+)", needed)
    photo = view.get(view.current_image) if view.current_image else None
    size = photo.size if photo else None
    if not ratio or not size or (size[0] >= size[1]) == (float(ratio["w"]) >= float(ratio["h"])):
        return needed
    return f"{needed[: ratio.start()]}{ratio['h']}:{ratio['w']}{needed[ratio.end() :]}"
