"""refine_mask: grow, shrink, feather, invert, move or combine masks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixelsmith import masks as M
from pixelsmith.artifacts import ArtifactSink, Provenance, Stored
from pixelsmith.errors import ToolInputError
from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mask: str = Field(description="Mask id, e.g. mask-1.")
    grow: int = Field(default=0, ge=-512, le=512, description="Pixels to grow (>0) or shrink (<0).")
    feather: float = Field(default=0.0, ge=0.0, le=256.0, description="Soft edge width in pixels.")
    invert: bool = Field(default=False, description="Swap inside and outside.")
    move: tuple[int, int] | None = Field(
        default=None, description="Move it right and down by (dx, dy) pixels (negative: left, up)."
    )
    other: str | None = Field(default=None, description="Second mask id for `combine`.")
    combine: Literal["union", "intersection", "difference"] | None = None

    @model_validator(mode="after")
    def _check(self) -> Input:
        if (self.other is None) != (self.combine is None):
            raise ValueError("combine and other go together: give both or neither")
        if not (self.grow or self.feather or self.invert or self.combine or any(self.move or ())):
            raise ValueError("nothing to do: give grow, feather, invert, move or combine")
        return self


@dataclass
class Output:
    """The refined (H, W) uint8 mask."""

    mask: np.ndarray

    def summary(self) -> str:
        return f"mask of {int((self.mask > 127).sum())} px"

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        return Stored([sink.add_mask(self.mask, note="refined", **made.fields())], "mask")


def run(inputs: Input, ctx: ToolContext) -> Output:
    mask = ctx.store.mask(inputs.mask)
    # 1. Combine, 2. move, 3. grow or shrink, 4. invert, 5. feather last so its soft edge survives.
    if inputs.combine and inputs.other:
        other = ctx.store.mask(inputs.other)
        if other.shape != mask.shape:
            raise ToolInputError(
                f"{inputs.other} is {other.shape[1]}x{other.shape[0]} but {inputs.mask} is "
                f"{mask.shape[1]}x{mask.shape[0]}; combine masks of the same image"
            )
        mask = M.combine(mask, other, inputs.combine)
    if inputs.move:
        mask = M.shift(mask, *inputs.move)
    if inputs.grow:
        mask = M.grow(mask, inputs.grow)
    if inputs.invert:
        mask = M.invert(mask)
    if inputs.feather:
        mask = M.feather(mask, inputs.feather)
    return Output(mask)


TOOL = Tool("refine_mask", Input, Output, description("refine_mask"), run, makes="mask", title="Refine mask")
