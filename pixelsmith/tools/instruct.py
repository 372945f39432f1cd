"""instruct: an edit said as an instruction ("make it winter", "make the sky stormy"),
by the `editor` role, on the whole image or inside a mask, with reference photos where the
editor takes them ("put the dog from this photo on the sofa").

The editor is InstructPix2Pix by default, or FLUX.1 Kontext, Qwen-Image-Edit-2509 or
FLUX.2 [klein] (`editor.backend`; how each is called: `tools.editing`). Any size and
aspect ratio: the image (or the mask's region with context) is brought to the editor's
working size (512 on the long side for InstructPix2Pix, Kontext's nearest trained
resolution, about a megapixel for the others: a 4000 px photo is edited there and brought
back, so fine detail is the model's, not the photo's). Inside a mask, the result is pasted
through the grown, feathered mask, so every pixel outside it is byte-identical to the input.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith import masks as M
from pixelsmith.errors import ToolInputError
from pixelsmith.images import check_mask
from pixelsmith.tools.base import ToolContext, description
from pixelsmith.tools.diffusion import (
    MAX_SEED,
    ImagesOutput,
    candidate_seeds,
    concept_applied,
    device_errors,
    generators,
    rank,
    resolve_seed,
    step_callback,
)
from pixelsmith.tools.editing import (
    DEFAULTS,
    EditCall,
    check_aspect,
    check_references,
    check_steps,
    edit,
    work_size,
)
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: str = Field(description="Image id to edit, e.g. image-1.")
    prompt: str = Field(min_length=1, max_length=1000, description="The instruction, e.g. 'make it winter'.")
    mask: str | None = Field(default=None, description="Mask id: edit only there (else the whole image).")
    references: list[str] = Field(
        default_factory=list,
        max_length=3,
        description="Image ids of reference photos ('the dog from this photo'), for editors that take them.",
    )
    negative_prompt: str = Field(
        default="",
        max_length=1000,
        description="What to avoid (InstructPix2Pix, Qwen-Image-Edit; Kontext at twice the time).",
    )
    guidance_scale: float | None = Field(
        default=None,
        ge=0.0,
        le=30.0,
        description="How closely to follow the text; default: the editor's own (7.5 InstructPix2Pix, "
        "2.5 Kontext, 4 Qwen-Image-Edit, 1 klein).",
    )
    image_guidance_scale: float = Field(
        default=1.5, ge=0.0, le=10.0, description="InstructPix2Pix: how closely to keep the photo."
    )
    num_inference_steps: int | None = Field(
        default=None, ge=1, le=150, description="Denoising steps; default: the editor's own."
    )
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="Same seed, same pixels.")
    num_candidates: int = Field(default=1, ge=1, le=8, description="Images to make in one batch.")
    blend: int = Field(default=8, ge=0, le=128, description="Pixels the mask grows by for a soft seam.")


Output = ImagesOutput


def run(inputs: Input, ctx: ToolContext) -> Output:
    import torch

    spec = ctx.settings.editor
    check_references(spec.backend, len(inputs.references))
    references = [ctx.store.image(r).convert("RGB") for r in inputs.references]
    image = ctx.store.image(inputs.image).convert("RGB")
    box, alpha = (0, 0, image.width, image.height), None
    if inputs.mask:
        box, alpha = _region(check_mask(ctx.store.mask(inputs.mask), image), inputs.blend, inputs.mask)
    crop = image.crop(box)
    check_aspect(spec.backend, crop.size, "region to edit" if inputs.mask else "photo")
    for number, reference in enumerate(references, 1):
        check_aspect(spec.backend, reference.size, f"reference photo {number}")
    steps, guidance = DEFAULTS[spec.backend]
    steps = inputs.num_inference_steps or steps
    check_steps(spec.backend, steps)  # every refusal before the model is loaded
    pipeline = ctx.models.get("editor")
    work = work_size(spec.backend, pipeline, crop.size, spec.max_pixels)
    seed, n = resolve_seed(inputs.seed), inputs.num_candidates
    call = EditCall(
        prompt=inputs.prompt,
        negative_prompt=inputs.negative_prompt,
        picture=crop.resize(work, Image.LANCZOS),
        references=references,
        count=n,
        generators=generators(seed, n),
        steps=steps,
        guidance=guidance if inputs.guidance_scale is None else inputs.guidance_scale,
        image_guidance=inputs.image_guidance_scale,
        callback=step_callback(ctx, "instruct", steps),
    )
    with (
        device_errors("instruct"),
        torch.inference_mode(),
        concept_applied(ctx, pipeline, inputs.prompt, None, "editor"),  # the pipeline's lock
    ):
        pictures = edit(spec.backend, pipeline, call)
    ctx.check_cancelled()
    made = [out.resize(crop.size, Image.LANCZOS) for out in pictures]
    if alpha is not None:  # only inside the mask; outside, the input's own bytes
        made = [M.paste(image, out, alpha[box[1] : box[3], box[0] : box[2]], box) for out in made]
    return rank(ctx, ImagesOutput(made, [None] * n, candidate_seeds(seed, n)), inputs.prompt)


def _region(mask: np.ndarray, blend: int, name: str) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The box to edit (the grown mask with context) and the paste-back alpha."""
    inside = M.binary(mask)
    if not inside.any():
        raise ToolInputError(f"instruct: {name} is empty; segment the part to change, or leave out the mask")
    if inside.all():
        raise ToolInputError(f"instruct: {name} covers the whole image; leave out the mask to edit all of it")
    grown = M.grow(mask, blend)
    return M.crop_box(grown), (M.feather(grown, blend) if blend else M.to_uint8(inside))


TOOL = Tool(
    "instruct",
    Input,
    Output,
    description("instruct"),
    run,
    roles=("editor", "ranker"),
    makes="image",
    edits_image=True,
    title="Instruct",
)
