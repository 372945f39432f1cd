"""What makes a call valid beyond its JSON schema, said so a grammar can hold it.

A tool's pydantic validators ask for things a plain schema does not say: resize takes a
scale, or a width and/or a height; adjust must change something; outpaint grows by sides
or to an aspect; generate's sizes are multiples of 8. For the local planner's grammar each
such tool has `FORMS`: the shapes of a valid call, each a patch of its schema (`require`
these arguments, `drop` those, `set` one's schema, take one of the `known` names of a
kind). The grammar offers the tool once per form, so a call of any form passes the
validator. Arguments whose rule a grammar cannot hold (a box with x1 > x0) are dropped:
the local model uses the other ways to say it.
"""

from __future__ import annotations

import copy
from typing import Any

from pixelsmith.concepts.store import CLASS_RE, NAME_RE

NOT_ONE = {"anyOf": [{"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                     {"type": "number", "exclusiveMinimum": 1, "maximum": 5}]}  # fmt: skip
NOT_ZERO = {"anyOf": [{"type": "number", "minimum": -1, "exclusiveMaximum": 0},
                      {"type": "number", "exclusiveMinimum": 0, "maximum": 1}]}  # fmt: skip
POSITIVE = {"type": "number", "exclusiveMinimum": 0, "maximum": 100}
FRACTION = {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
TRUE = {"type": "boolean", "const": True}
RATIO = {"type": "string", "pattern": r"^[1-9][0-9]{0,2}(\.[0-9])?:[1-9][0-9]{0,2}(\.[0-9])?$"}
EIGHTS = {"type": "integer", "minimum": 64, "maximum": 2048, "multipleOf": 8}
SIDE = {"type": "integer", "minimum": 1, "maximum": 4096}
COMBINE = {"type": "string", "enum": ["union", "intersection", "difference"]}  # not null: it goes with other
NAME = {"type": "string", "pattern": f"^(?:{NAME_RE.pattern})$"}  # a concept's name, as the store checks it
CLASS = {"type": "string", "pattern": f"^(?:{CLASS_RE.pattern})$"}  # and its class word
GROW = {"anyOf": [{"type": "integer", "minimum": -200, "maximum": -1},
                  {"type": "integer", "minimum": 1, "maximum": 200}]}  # fmt: skip

_CHANGES = {"brightness": NOT_ONE, "contrast": NOT_ONE, "saturation": NOT_ONE, "sharpness": NOT_ONE,
            "gamma": NOT_ONE, "warmth": NOT_ZERO, "blur": POSITIVE, "black_and_white": TRUE,
            "sepia": TRUE, "negative": TRUE, "auto_levels": TRUE, "vignette": FRACTION}  # fmt: skip
_SIDES = ("left", "right", "top", "bottom")

FORMS: dict[str, list[dict[str, Any]]] = {
    "adjust": [
        *({"require": [c], "set": {c: s}, "drop": ["invert"]} for c, s in _CHANGES.items()),
        *({"require": [c, "mask", "invert"], "set": {c: s, "invert": TRUE}} for c, s in _CHANGES.items()),
    ],
    "crop": [
        {"require": ["aspect"], "set": {"aspect": RATIO}, "drop": ["box"]},
        {"require": ["around"], "drop": ["box", "aspect"]},
    ],
    "generate": [{"set": {"width": EIGHTS, "height": EIGHTS}}],
    "outpaint": [
        {"require": ["aspect"], "set": {"aspect": RATIO}, "drop": list(_SIDES)},
        *({"require": [s], "set": {s: SIDE}, "drop": ["aspect"]} for s in _SIDES),
    ],
    "perspective": [
        {"require": ["vertical"], "set": {"vertical": NOT_ZERO}, "drop": ["horizontal"]},
        {"require": ["horizontal"], "set": {"horizontal": NOT_ZERO}, "drop": ["vertical"]},
    ],
    "refine_mask": [
        {"require": ["grow"], "set": {"grow": GROW}, "drop": ["other", "combine", "move"]},
        {"require": ["feather"], "set": {"feather": POSITIVE}, "drop": ["other", "combine", "move"]},
        {"require": ["invert"], "set": {"invert": TRUE}, "drop": ["other", "combine", "move"]},
        {"require": ["other", "combine"], "set": {"combine": COMBINE}, "drop": ["move"]},
    ],
    "resize": [
        {"require": ["scale"], "drop": ["width", "height"]},
        {"require": ["width"], "drop": ["scale"]},
        {"require": ["height"], "drop": ["scale"]},
    ],
    "segment": [
        {"require": ["detection"], "drop": ["mode", "boxes", "points"]},
        {"require": ["points"], "drop": ["mode", "boxes", "detection"], "set": {"points": {"minItems": 1}}},
        {
            "require": ["mode"],
            "set": {"mode": {"type": "string", "const": "everything"}},
            "drop": ["detection", "points", "boxes"],
        },  # fmt: skip
    ],
    "train_concept": [
        {
            "require": ["name", "resume"],
            "set": {"resume": TRUE},
            "known": {"name": "stopped concept"},  # only a training that stopped can continue
            "drop": ["images", "class_word"],
        },
        {
            "require": ["name", "images", "class_word"],
            "set": {"images": {"minItems": 3, "maxItems": 20}, "name": NAME, "class_word": CLASS},
            "drop": ["resume"],
        },  # fmt: skip
    ],
}


def forms(tool: str, schema: dict[str, Any], known: dict[str, list[str]]) -> list[dict[str, Any]]:
    """`schema` (a tool's parameters, ids already narrowed) once per form of `tool`; a form
    that cannot be met now (an argument it needs has no candidate) is left out. A form's
    `known` arguments are one of the names `known` holds of their kind."""
    made = []
    for form in FORMS.get(tool, [{}]):
        shaped = copy.deepcopy(schema)
        properties = shaped.setdefault("properties", {})
        if any(name not in properties for name in form.get("require", [])):
            continue  # e.g. a mask id where the session has no mask
        if any(not known.get(kind) for kind in form.get("known", {}).values()):
            continue  # e.g. nothing to continue training
        for name, kind in form.get("known", {}).items():
            properties[name] = {"type": "string", "enum": sorted(known[kind])}
        for name in form.get("drop", []):
            properties.pop(name, None)
        for name, patch in form.get("set", {}).items():
            if name in properties:
                properties[name] = _patched(properties[name], patch)
        required = [*shaped.get("required", []), *form.get("require", [])]
        shaped["required"] = [n for n in dict.fromkeys(required) if n in properties]
        if not _impossible(shaped):
            made.append(shaped)
    return made


def _patched(prop: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A property with `patch`: a whole schema (it has a type or alternatives) replaces the
    property; bounds alone (minItems) are added to it, or to its list alternative."""
    if "type" in patch or "anyOf" in patch:
        return _within(patch, prop)
    for branch in [prop, *prop.get("anyOf", [])]:
        if branch.get("type") == "array":
            if "minItems" in patch:
                branch["minItems"] = max(branch.get("minItems", 0), patch["minItems"])
            if "maxItems" in patch:
                branch["maxItems"] = min(branch.get("maxItems", 10**9), patch["maxItems"])
            if "anyOf" in prop:
                return branch
    return prop


def _within(patch: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """A replacing schema held inside the property's own bounds: "not 1" for gamma, whose
    floor is 0.1, starts at 0.1, not at 0 (random weights wrote gamma 0 before this)."""
    shaped = copy.deepcopy(patch)
    branches = shaped.get("anyOf", [shaped])
    for branch in branches:
        if branch.get("type") not in ("number", "integer"):
            continue
        for bound, stricter in (("minimum", max), ("maximum", min)):
            exclusive = "exclusive" + bound.capitalize()
            own = [(prop[k], k == exclusive) for k in (bound, exclusive) if k in prop]
            mine = [(branch.pop(k), k == exclusive) for k in (bound, exclusive) if k in branch]
            if own or mine:  # the tighter of the two; at a tie, exclusive is the tighter
                value, open_ = stricter(own + mine, key=lambda b: (b[0], b[1] == (bound == "minimum")))
                branch[exclusive if open_ else bound] = value
    kept = [b for b in branches if not _empty(b)]
    return {**shaped, "anyOf": kept} if "anyOf" in shaped else shaped


def _empty(branch: dict[str, Any]) -> bool:
    low = branch.get("minimum", branch.get("exclusiveMinimum"))
    high = branch.get("maximum", branch.get("exclusiveMaximum"))
    if low is None or high is None:
        return False
    return low > high or (low == high and ("exclusiveMinimum" in branch or "exclusiveMaximum" in branch))


def _impossible(schema: dict[str, Any]) -> bool:
    """Whether a list must hold more items than it may (three photos where there is one)."""
    for prop in schema.get("properties", {}).values():
        for branch in [prop, *prop.get("anyOf", [])]:
            if branch.get("minItems", 0) > branch.get("maxItems", 10**9):
                return True
    return False
