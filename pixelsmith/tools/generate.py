"""generate: a new image from text (Stable Diffusion text-to-image)."""

from __future__ import annotations

from pydantic import ConfigDict, Field, model_validator

from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.diffusion import (
    DiffusionParams,
    ImagesOutput,
    candidate_seeds,
    device_errors,
    generators,
    native_size,
    prepared,
    rank,
    resolve_seed,
    step_callback,
)
from pixelsmith.tools.tool_registry import Tool


class Input(DiffusionParams):
    model_config = ConfigDict(extra="forbid")

    width: int | None = Field(default=None, ge=64, le=2048, description="Pixels, multiple of 8.")
    height: int | None = Field(default=None, ge=64, le=2048, description="Pixels, multiple of 8.")

    @model_validator(mode="after")
    def _multiple_of_8(self) -> Input:
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is not None and value % 8:
                raise ValueError(f"{name} must be a multiple of 8, got {value}")
        return self


Output = ImagesOutput


def run(inputs: Input, ctx: ToolContext) -> Output:
    import torch

    pipeline = ctx.models.get("generator")
    size = native_size(pipeline)
    seed, n = resolve_seed(inputs.seed), inputs.num_candidates
    with (
        device_errors("generate"),
        torch.inference_mode(),
        prepared(ctx, pipeline, inputs, "generator") as run,
    ):
        result = run.pipeline(
            prompt=run.prompt,
            negative_prompt=inputs.negative_prompt or None,
            width=inputs.width or size,
            height=inputs.height or size,
            guidance_scale=run.guidance_scale,
            num_inference_steps=run.steps,
            num_images_per_prompt=n,
            generator=generators(seed, n),
            callback_on_step_end=step_callback(ctx, "generate", run.steps),
        )
    ctx.check_cancelled()
    output = ImagesOutput(list(result.images), [None] * n, candidate_seeds(seed, n))
    return rank(ctx, output, inputs.prompt)


TOOL = Tool(
    "generate",
    Input,
    Output,
    description("generate"),
    run,
    roles=("generator", "ranker"),
    makes="image",
    edits_image=True,
    title="Generate",
)
