"""The tool registry: every tool, built-in or not, registers here and is checked."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, is_dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from pixelsmith.artifacts import KINDS, ArtifactSink, Kind, Provenance, Stored
from pixelsmith.config import ROLES
from pixelsmith.errors import ToolInputError, shorten

Lane = Literal["short", "long"]


@dataclass(frozen=True)
class Tool:
    """A registered tool and every fact about it; nothing else keeps a table of tool names.

    - `roles`: the model roles it uses, the one it is served by first (Ray routes on it);
      `extra_roles(args)` adds roles one call needs beyond those (training for edits).
    - `lane`: "short" calls take turns in the fair queue; "long" jobs (training) run beside.
    - `makes`: the kind of artifact its main output is ("$N" in a plan refers to it).
    - `edits_image`: its result becomes the current image, and follow-ups change it.
    - `title`: the word the chat shows for a step ("Repaint").
    How its output is stored is the output type's `store(sink, made)`.
    """

    name: str
    input_model: type[BaseModel]
    output_type: type
    description: str
    run: Callable[..., Any]
    _: KW_ONLY
    roles: tuple[str, ...] = ()
    extra_roles: Callable[[dict[str, Any]], tuple[str, ...]] | None = None
    lane: Lane = "short"
    makes: Kind | None = None
    edits_image: bool = False
    title: str = ""

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of the inputs, as a planner sees it."""
        return self.input_model.model_json_schema()

    def validate(self, arguments: dict[str, Any]) -> BaseModel:
        """Arguments to a typed `Input`; a bad one raises `ToolInputError` naming it."""
        from pixelsmith.escape import storable

        try:
            return self.input_model.model_validate(storable(arguments))
        except ValidationError as err:
            raise ToolInputError(f"{self.name}: {format_validation_error(err)}") from None

    def roles_used(self, args: dict[str, Any], *, ranking: bool = True) -> list[str]:
        """The models one call with `args` uses: `roles` and `extra_roles(args)`, less the
        ranker when there is nothing to rank (a single candidate, or ranking off)."""
        roles = [*self.roles, *(self.extra_roles(args) if self.extra_roles else ())]
        if not ranking or int(args.get("num_candidates") or 1) < 2:
            roles = [r for r in roles if r != "ranker"] if self.roles[:1] != ("ranker",) else roles
        return list(dict.fromkeys(roles))

    def defaults(self) -> dict[str, Any]:
        """The default of every optional input (CLI options take theirs from here)."""
        return {
            name: field.get_default(call_default_factory=True)
            for name, field in self.input_model.model_fields.items()
            if not field.is_required()
        }

    def store(self, output: Any, sink: ArtifactSink, *, step: int | None, args: dict[str, Any]) -> Stored:
        """Store one call's `output` (made by step `step` with `args`) through its type's
        `store`, with the provenance every artifact records."""
        named = ("image", "mask", "detection", "other", "anchor")
        parents = [args[k] for k in named if isinstance(args.get(k), str)]
        prompt = args.get("prompt") or args.get("object") or ""
        made = Provenance(self.name, step, parents, self.edits_image, str(prompt))
        return output.store(sink, made)


def format_validation_error(err: ValidationError) -> str:
    """The first problem in one line: 'strength must be <= 1, got 1.7'."""
    problems = []
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"]) or "arguments"
        message = item["msg"].replace("Input should be", "must be")
        if item["type"] == "missing":
            problems.append(f"{where} is required")
        elif item["type"] == "value_error":  # our own validators already name the value
            text = item["msg"].removeprefix("Value error, ")
            problems.append(text if where == "arguments" else f"{where}: {text}")
        elif item["type"] == "extra_forbidden":
            problems.append(f"unknown argument {where!r}")
        elif item["type"] == "string_too_long":  # a long message made into a prompt: say how long
            most = item["ctx"]["max_length"]
            problems.append(
                f"{where} is {len(item['input'])} characters, over the limit of {most}; shorten it"
            )
        else:
            problems.append(f"{where} {message.lower()}, got {shorten(repr(item.get('input')))}")
    return "; ".join(problems)


class ToolRegistry:
    """Name -> Tool. Refuses a tool whose `run` signature disagrees with its schema."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def register(self, tool: Tool) -> Tool:
        _check_signature(tool)
        if tool.name in self._tools:
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self._tools[tool.name] = tool
        return tool

    def get(self, name: str) -> Tool:
        if name not in self._tools:
            raise ToolInputError(f"unknown tool {name!r}; tools: {', '.join(self._tools)}")
        return self._tools[name]

    def names(self) -> list[str]:
        return list(self._tools)

    def __iter__(self):
        return iter(self._tools.values())

    def __contains__(self, name: str) -> bool:
        return name in self._tools


def _check_signature(tool: Tool) -> None:
    if not (inspect.isclass(tool.input_model) and issubclass(tool.input_model, BaseModel)):
        raise TypeError(f"{tool.name}: input_model must be a pydantic BaseModel subclass")
    if not is_dataclass(tool.output_type):
        raise TypeError(f"{tool.name}: output_type must be a dataclass")
    hints = typing.get_type_hints(tool.run)
    params = list(inspect.signature(tool.run).parameters)
    if params[:2] != ["inputs", "ctx"]:
        raise TypeError(f"{tool.name}: run must take (inputs, ctx), got ({', '.join(params)})")
    if hints.get("inputs") is not tool.input_model:
        raise TypeError(f"{tool.name}: run's inputs are {hints.get('inputs')}, not the Input schema")
    if hints.get("return") is not tool.output_type:
        raise TypeError(f"{tool.name}: run returns {hints.get('return')}, not {tool.output_type}")
    for method in ("summary", "store"):
        if not callable(getattr(tool.output_type, method, None)):
            raise TypeError(f"{tool.name}: its output type {tool.output_type.__name__} has no {method}()")
    unknown = [r for r in tool.roles if r not in ROLES]
    if unknown:
        raise TypeError(f"{tool.name}: unknown model role(s) {', '.join(unknown)}; roles: {', '.join(ROLES)}")
    if tool.lane not in ("short", "long") or tool.makes not in (*KINDS, None):
        raise TypeError(f"{tool.name}: lane {tool.lane!r} or makes {tool.makes!r} is not one of the known")
