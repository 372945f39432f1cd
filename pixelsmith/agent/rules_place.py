"""The offline planner's new object on another: "add a hat to the dog", "put a vase on the
table", "place a lamp next to the sofa", "give the snowman a carrot nose". The anchor is
found and cut out, `place` marks where the object goes, and the inpainter paints it there.
Tried after the whole-image intents ("add a rainbow in the sky" is an instruction)."""

from __future__ import annotations

import re

from pixelsmith.agent.normalise import Request
from pixelsmith.agent.phrases import Intent
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.rules_photo import LOOKS, PART, Handler
from pixelsmith.agent.rules_shared import current_image, find_steps, params_for, subject_of
from pixelsmith.agent.vocabulary import entries, pairs
from pixelsmith.views import WorkspaceView

RELATIONS = pairs("photo", "relations")
SURFACES = frozenset(entries("scene", "surfaces"))
_RELATION = "|".join(sorted(map(re.escape, RELATIONS), key=len, reverse=True))
PLACE_INTENTS = (
    Intent("place", re.compile(rf"(?:add|put|place|draw|paint|stick|set|pop|plonk|sit|stand|throw in) "
                               rf"(?P<what>(?:an?|some|one|two|three|\d+) .+?) "
                               rf"(?P<rel>{_RELATION}) (?P<anchor>{PART})")),
    # "give the car a chrome finish" is a material, not a new object
    Intent("place", re.compile(rf"give (?P<anchor>{PART}) (?P<what>(?:an?|some) (?!{LOOKS}).+)")),
)  # fmt: skip


def place(match, request, view) -> Plan:
    """Find the anchor, cut it out, place the object on/by/in it, paint it there."""
    relation = RELATIONS.get(match.groupdict().get("rel") or "on", "on")
    return place_plan(subject_of(match["anchor"], view), match["what"].strip(), relation, request, view)


def place_plan(anchor, what: str, relation: str, request: Request, view: WorkspaceView) -> Plan:
    """`what` placed `relation` the `anchor` (a parsed subject) and painted there."""
    steps = find_steps(anchor, request, view, cut=True)
    surface = any(label.split()[-1] in SURFACES for label in anchor.labels)
    placed = {"image": current_image(view), "anchor": "$2", "object": what, "relation": relation}
    steps.append(Step(tool="place", args=placed | ({"surface": True} if surface else {}),
                      why=f"where {what} goes ({relation} the {anchor.words})"))  # fmt: skip
    paint = {"image": current_image(view), "mask": "$3", "prompt": what, **params_for("inpaint", request)}
    steps.append(Step(tool="inpaint", args=paint, why=f"paint {what}"))
    return Plan(steps=steps)


HANDLERS: dict[str, Handler] = {"place": place}
