"""The tool list as the local planner reads it: the same tools and arguments in fewer tokens.

The registered tools' JSON schemas, as pydantic writes them, spend most of their length on
what a reader does not need: a title beside every name, `anyOf [X, null]` for each optional
argument, `additionalProperties`, a default of none. A small model on a CPU pays for every
token of the prompt's head, so `compact` keeps what says what a call means (the tool's
description, each argument's type, bounds, choices, default and description) and drops the
rest. Only the prompt changes: the grammar is still built from the full schemas
(`local_llm.constrain`), so what a call may hold is exactly as before.
"""

from __future__ import annotations

import re
from typing import Any

KEEP = ("type", "description", "enum", "minimum", "maximum", "default", "items", "properties", "required")


def compact(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`specs` (OpenAI function specs) with their schemas reduced to what a reader needs."""
    out = []
    for spec in specs:
        function = spec["function"]
        schema = function.get("parameters") or {}
        defs = schema.get("$defs", {})
        out.append(
            {
                "type": "function",
                "function": {
                    "name": function["name"],
                    "description": _one_paragraph(function.get("description", "")),
                    "parameters": _node(schema, defs),
                },
            }
        )
    return out


def _one_paragraph(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _node(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """One schema node, compacted: references inlined, `anyOf [X, null]` read as X."""
    if "$ref" in node:
        node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        node = {**{k: v for k, v in node.items() if k != "anyOf"}, **options[0]}
    elif options:
        node = {**node, "anyOf": [_node(o, defs) for o in options]}
    kept: dict[str, Any] = {}
    for key in (*KEEP, "anyOf"):
        if key not in node or (key == "default" and node[key] in (None, [], "")):
            continue
        value = node[key]
        if key == "items":
            value = _node(value, defs)
        elif key == "properties":
            value = {name: _node(child, defs) for name, child in value.items()}
        elif key == "description":
            value = _one_paragraph(value)
        kept[key] = value
    if kept.get("type") == "object" and not kept.get("required"):
        kept.pop("required", None)
    return kept
