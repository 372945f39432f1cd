"""Workspace actions: `select`, `undo` and `revert`, which the agent runs itself on the
session (no model, no executor). Each is a typed record like a tool's: its arguments'
schema, a planner-facing description (`prompts/actions/<name>.md`), a chat title and
`run(workspace, args) -> ids`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pixelsmith.errors import ToolInputError
from pixelsmith.tools.tool_registry import format_validation_error
from pixelsmith.workspace import Workspace


class SelectArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="The mask or image id to choose, e.g. mask-2 or image-4.")


class RevertArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image: str = Field(description="The image id to make current again, e.g. image-1.")


class UndoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Action:
    name: str
    input_model: type[BaseModel]
    title: str
    run: Callable[[Workspace, BaseModel], list[str]]

    @property
    def description(self) -> str:
        return (
            resources.files("pixelsmith.prompts").joinpath("actions", f"{self.name}.md").read_text().strip()
        )

    def validate(self, arguments: dict) -> BaseModel:
        try:
            return self.input_model.model_validate(arguments)
        except ValidationError as err:
            raise ToolInputError(f"{self.name}: {format_validation_error(err)}") from None


def _select(ws: Workspace, args: SelectArgs) -> list[str]:
    """A mask becomes the choice for the next edit (the caller records it); an image, current."""
    if ws.artifact(args.id).kind == "image":
        ws.set_current(args.id)
    return [args.id]


def _undo(ws: Workspace, args: UndoArgs) -> list[str]:
    return [ws.undo()]


def _revert(ws: Workspace, args: RevertArgs) -> list[str]:
    return [ws.revert(args.image)]


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("select", SelectArgs, "Select", _select),
        Action("undo", UndoArgs, "Undo", _undo),
        Action("revert", RevertArgs, "Revert", _revert),
    )
}


def title(name: str, tools) -> str:
    """The chat's word for a step of tool or action `name` (the name itself if unknown)."""
    if name in ACTIONS:
        return ACTIONS[name].title
    return tools.get(name).title or name if name in tools else name
