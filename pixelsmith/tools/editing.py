"""How `instruct` calls each editor backend: its working size and its pipeline's arguments.

- `diffusers` (InstructPix2Pix): the long side at the UNet's native size (512), the photo's
  own weight through `image_guidance_scale`.
- `flux-kontext`: the Kontext resolution (its published list) nearest the photo's aspect,
  scaled to `editor.max_pixels`; a reference photo is put beside the photo in the one
  picture Kontext reads (as Black Forest Labs' own multi-image workflow does), and the
  result is the photo's size.
- `qwen-image-edit`, `flux2-klein`: the photo's aspect at `editor.max_pixels` (1024×1024 by
  default), sides in multiples of 16; reference photos follow the photo as further inputs,
  each at about the photo's area.

Every backend returns pictures of the working size; `instruct` brings them back to the
photo's (or the region's) pixels and pastes inside a mask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image

from pixelsmith import masks as M
from pixelsmith.editor_backends import ABOUT, REFERENCES
from pixelsmith.errors import ToolInputError
from pixelsmith.tools.diffusion import native_size

FLOW_AREA = 1024 * 1024  # the flow editors' own working area
MIN_SIDE, MAX_ASPECT = 64, 8  # the least side and the longest aspect FLUX.2's image processor takes
# FLUX.1 Kontext's preferred resolutions (width, height), from its pipeline: the sizes it was trained at.
KONTEXT_SIZES = [
    (672, 1568), (688, 1504), (720, 1456), (752, 1392), (800, 1328), (832, 1248), (880, 1184),
    (944, 1104), (1024, 1024), (1104, 944), (1184, 880), (1248, 832), (1328, 800), (1392, 752),
    (1456, 720), (1504, 688), (1568, 672),
]  # fmt: skip
# Each backend's own steps and guidance when a call leaves them out.
DEFAULTS = {
    "diffusers": (20, 7.5),
    "flux-kontext": (28, 2.5),
    "qwen-image-edit": (40, 4.0),
    "flux2-klein": (4, 1.0),
}
# Kontext's guidance is distilled into the model: a negative prompt works only through true CFG,
# a second pass of the transformer at every step. Its scale when a call gives a negative prompt.
KONTEXT_TRUE_CFG = 2.0


@dataclass
class EditCall:
    """One instruction edit, as every backend takes it."""

    prompt: str
    negative_prompt: str
    picture: Image.Image  # the photo (or region), at the working size
    references: list[Image.Image]
    count: int
    generators: list[Any]
    steps: int
    guidance: float
    image_guidance: float
    callback: Any


def work_size(backend: str, pipeline: Any, size: tuple[int, int], max_pixels: int | None) -> tuple[int, int]:
    """The size the backend edits a `size` picture at."""
    width, height = size
    if backend == "diffusers":
        return M.work_size(width, height, native_size(pipeline))
    area, step = max_pixels or FLOW_AREA, 16
    if backend == "flux-kontext":
        _, width, height = min((abs(width / height - w / h), w, h) for w, h in KONTEXT_SIZES)
        scale = (area / FLOW_AREA) ** 0.5
        return max(step, round(width * scale / step) * step), max(step, round(height * scale / step) * step)
    return _at_area(width / height, area)


def _at_area(aspect: float, area: int) -> tuple[int, int]:
    """A `aspect` picture of about `area` pixels, sides multiples of 16 and at least 64 (the
    least the flow editors' image processors take)."""
    width, height = (area * aspect) ** 0.5, (area / aspect) ** 0.5
    grow = max(1.0, MIN_SIDE / min(width, height))
    return round(width * grow / 16) * 16, round(height * grow / 16) * 16


def fit_reference(reference: Image.Image, picture: Image.Image) -> Image.Image:
    """A reference photo at about the picture's area, its own aspect kept: a 12-megapixel
    reference costs what the photo does, and a thumbnail is brought up to the least size."""
    size = _at_area(reference.width / reference.height, picture.width * picture.height)
    return reference.convert("RGB").resize(size, Image.LANCZOS)


def check_aspect(backend: str, size: tuple[int, int], what: str) -> None:
    """One sentence for a picture FLUX.2 [klein] refuses: longer than 8:1."""
    ratio = max(size) / max(1, min(size))
    if backend == "flux2-klein" and ratio > MAX_ASPECT:
        raise ToolInputError(
            f"instruct: the {what} is {size[0]}×{size[1]}, {ratio:.1f}:1, and FLUX.2 [klein] takes at most "
            f"{MAX_ASPECT}:1; crop it first, or use another editor.backend"
        )


def check_steps(backend: str, steps: int) -> None:
    """One sentence for too few steps: Qwen-Image's schedule stretches its sigmas to end at
    0.02, which one step cannot do (diffusers divides by zero and the picture is black)."""
    if backend == "qwen-image-edit" and steps < 2:
        raise ToolInputError(
            f"instruct: Qwen-Image-Edit needs at least 2 denoising steps, not {steps} (one step of its "
            "schedule gives a black picture); ask for 2 or more"
        )


def check_references(backend: str, count: int) -> None:
    """One sentence when the backend takes fewer reference photos than `count`."""
    most = REFERENCES.get(backend, 0)
    if count <= most:
        return
    takers = ", ".join(b for b, n in REFERENCES.items() if n)
    if most == 0:
        raise ToolInputError(
            f"instruct: the {ABOUT[backend]} editor cannot use a reference photo; set editor.backend to "
            f"one that can ({takers}), or name what to replace with it ('replace the cat with the dog "
            "from this photo': the inpainter takes it), or leave out the reference"
        )
    raise ToolInputError(
        f"instruct: the {ABOUT[backend]} editor takes at most {most} reference photo(s), not {count}; "
        "leave some out"
    )


def edit(backend: str, pipeline: Any, call: EditCall) -> list[Image.Image]:
    """The backend's pictures for `call`, each of the working size."""
    width, height = call.picture.size
    common = dict(
        num_inference_steps=call.steps,
        generator=call.generators,
        callback_on_step_end=call.callback,
    )
    if backend == "diffusers":
        return pipeline(
            prompt=[call.prompt] * call.count,
            negative_prompt=[call.negative_prompt] * call.count if call.negative_prompt else None,
            image=[call.picture] * call.count,
            guidance_scale=call.guidance,
            image_guidance_scale=call.image_guidance,
            **common,
        ).images
    flow = dict(height=height, width=width, num_images_per_prompt=call.count, **common)
    if backend == "flux-kontext":
        return pipeline(
            image=side_by_side(call.picture, call.references),
            prompt=call.prompt,
            guidance_scale=call.guidance,
            max_area=width * height,
            _auto_resize=False,  # the working size is already Kontext's
            **_kontext_negative(call.negative_prompt),
            **flow,
        ).images
    pictures = [call.picture, *(fit_reference(r, call.picture) for r in call.references)]
    if backend == "qwen-image-edit":
        return pipeline(
            image=pictures,
            prompt=call.prompt,
            negative_prompt=call.negative_prompt or " ",  # its guidance is true CFG: it needs one
            true_cfg_scale=call.guidance,
            **flow,
        ).images
    if backend == "flux2-klein":
        negative = _klein_negative(pipeline, call)
        return pipeline(
            image=pictures, prompt=call.prompt, guidance_scale=call.guidance, **negative, **flow
        ).images
    raise ValueError(f"no editor backend {backend!r}")


def _kontext_negative(negative_prompt: str) -> dict[str, Any]:
    """Kontext's arguments for a negative prompt: true CFG, twice the compute; none without one."""
    return {"negative_prompt": negative_prompt, "true_cfg_scale": KONTEXT_TRUE_CFG} if negative_prompt else {}


def _klein_negative(pipeline: Any, call: EditCall) -> dict[str, Any]:
    """FLUX.2 [klein]'s negative prompt, as embeddings: its pipeline takes no text for one and
    guides with a blank prompt. Only an undistilled (base) checkpoint guides at all, and only
    with guidance above 1; the distilled 4B default ignores both."""
    if not call.negative_prompt or pipeline.config.is_distilled or call.guidance <= 1:
        return {}
    embeds, _ = pipeline.encode_prompt(call.negative_prompt, device=pipeline._execution_device)
    return {"negative_prompt_embeds": embeds}


def side_by_side(picture: Image.Image, references: list[Image.Image]) -> Image.Image:
    """`picture` with each reference to its right at its height (sides in multiples of 16)."""
    if not references:
        return picture
    scaled = [r.convert("RGB").resize((max(16, round(r.width * picture.height / r.height / 16) * 16),
                                       picture.height), Image.LANCZOS) for r in references]  # fmt: skip
    sheet = Image.new("RGB", (picture.width + sum(r.width for r in scaled), picture.height))
    sheet.paste(picture, (0, 0))
    x = picture.width
    for reference in scaled:
        sheet.paste(reference, (x, 0))
        x += reference.width
    return sheet
