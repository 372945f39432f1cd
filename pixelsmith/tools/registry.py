"""The tool registry: every tool, built-in or not, registers here and is checked."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, is_dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from pixelsmith.errors import ToolInputError


@dataclass(frozen=True)
class Tool:
    """A registered tool: its name, input schema, output type, description and `run`."""

    name: str
    input_model: type[BaseModel]
    output_type: type
    description: str
    run: Callable[..., Any]

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of the inputs, as a planner sees it."""
        return self.input_model.model_json_schema()

    def validate(self, arguments: dict[str, Any]) -> BaseModel:
        """Arguments to a typed `Input`; a bad one raises `ToolInputError` naming it."""
        try:
            return self.input_model.model_validate(arguments)
        except ValidationError as err:
            raise ToolInputError(f"{self.name}: {format_validation_error(err)}") from None


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
        else:
            problems.append(f"{where} {message.lower()}, got {item.get('input')!r}")
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
