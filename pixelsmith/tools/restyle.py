"""restyle: the whole image redrawn in another style or look ("as a pencil sketch", "in the
style of a watercolour"), image-to-image on the generator's own modules (no second copy
of the model in memory). `strength` is how far it may move from the photo.

Any size and aspect ratio: the image is brought to the model's working size (its long
side at the native size), restyled, and brought back to the photo's size.
"""

from __future__ import annotations

from PIL import Image
from pydantic import ConfigDict, Field

from pixelsmith import masks as M
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

    image: str = Field(description="Image id to restyle, e.g. image-1.")
    strength: float = Field(
        default=0.6, gt=0.0, le=1.0, description="How far from the photo: 0.3 keeps it close, 0.9 redraws."
    )


Output = ImagesOutput


def image_to_image(generator):
    """An image-to-image pipeline made of `generator`'s loaded modules (shared, not copied):
    SD's or SDXL's, as the generator is."""
    from diffusers import AutoPipelineForImage2Image

    pipeline = AutoPipelineForImage2Image.from_pipe(generator)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def run(inputs: Input, ctx: ToolContext) -> Output:
    import torch

    image = ctx.store.image(inputs.image)
    generator = ctx.models.get("generator")
    work = M.work_size(image.width, image.height, native_size(generator))
    seed, n = resolve_seed(inputs.seed), inputs.num_candidates
    with (
        device_errors("restyle"),
        torch.inference_mode(),
        prepared(ctx, generator, inputs, "generator", strength=inputs.strength) as run,
    ):
        steps = _steps(run.steps, inputs.strength)
        result = image_to_image(run.pipeline)(
            prompt=[run.prompt] * n,
            negative_prompt=[inputs.negative_prompt] * n if inputs.negative_prompt else None,
            image=[image.convert("RGB").resize(work, Image.LANCZOS)] * n,
            strength=inputs.strength,
            guidance_scale=run.guidance_scale,
            num_inference_steps=run.steps,
            generator=generators(seed, n),
            callback_on_step_end=step_callback(ctx, "restyle", steps),
        )
    ctx.check_cancelled()
    images = [out.resize(image.size, Image.LANCZOS) for out in result.images]
    return rank(ctx, ImagesOutput(images, [None] * n, candidate_seeds(seed, n)), inputs.prompt)


def _steps(steps: int, strength: float) -> int:
    """The denoising steps image-to-image really runs: the last `strength` of them."""
    return max(1, min(steps, int(steps * strength)))


TOOL = Tool(
    "restyle",
    Input,
    Output,
    description("restyle"),
    run,
    roles=("generator", "ranker"),
    makes="image",
    edits_image=True,
    title="Restyle",
)
