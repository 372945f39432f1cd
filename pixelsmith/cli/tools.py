"""`pixelsmith detect|segment|inpaint|remove|generate`: each tool on files, one image at a time.

Option defaults are read from each tool's input model (tool modules import no torch), so
they cannot drift from what the planners and the UI get.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pixelsmith.cli.common import (
    ToolRunner,
    checked_output,
    emit,
    keeps_transparency,
    numbered,
    parse_floats,
    write_image,
)
from pixelsmith.errors import UserError
from pixelsmith.tools import generate as generate_tool
from pixelsmith.tools import inpaint as inpaint_tool
from pixelsmith.tools import remove as remove_tool

app = typer.Typer()
PreviewOption = Annotated[bool, typer.Option(help="A rough draft in a few steps (LCM-LoRA).")]


def default(tool, name: str):
    """The default of input `name` of `tool`'s module, as its input model declares it."""
    return tool.Input.model_fields[name].default


@app.command()
def detect(
    image: Path,
    labels: Annotated[str, typer.Argument(help='Comma-separated, e.g. "cat, dog".')],
    threshold: Annotated[float | None, typer.Option(help="Minimum score 0-1.")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", callback=checked_output, help="Boxes drawn, PNG.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Find objects named in text; prints boxes in image pixels."""
    from pixelsmith.drawing import draw_boxes

    runner = ToolRunner()
    image_id = runner.image(image)
    out = runner.run("detect", image=image_id, labels=labels, threshold=threshold)
    if output:
        write_image(draw_boxes(runner.store.image(image_id), out.detections), output)
    data = {
        "image_size": list(out.image_size),
        "detections": [{"label": d.label, "score": d.score, "box": list(d.box)} for d in out.detections],
        "output": str(output) if output else None,
    }
    emit(data, as_json, [out.summary()] + ([f"wrote {output}"] if output else []))


@app.command()
def segment(
    image: Path,
    output: Annotated[Path, typer.Option("-o", "--output", callback=checked_output, help="Best mask, PNG.")],
    point: Annotated[list[str] | None, typer.Option("--point", help="X,Y[,1|0]; repeatable.")] = None,
    box: Annotated[str | None, typer.Option(help="X0,Y0,X1,Y1")] = None,
    text: Annotated[
        str | None, typer.Option(help="Detect this first, then segment it (SAM 3: both in one call).")
    ] = None,
    multimask: Annotated[bool, typer.Option(help="Write up to 3 candidates.")] = False,
    everything: Annotated[bool, typer.Option(help="Every object's mask.")] = False,
    transparent: Annotated[
        bool, typer.Option("--transparent", help="Write the photo cut out along the best mask (PNG).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Cut out an object as a mask (SAM) from clicks, a box or a text label."""
    from pixelsmith.images import mask_to_image
    from pixelsmith.keepsakes import ALPHA

    if transparent:
        keeps_transparency(output)
    if not (point or box or text or everything):
        raise UserError("say what to cut out: --point X,Y, --box X0,Y0,X1,Y1, --text LABEL or --everything")
    runner = ToolRunner()
    args: dict[str, Any] = {"image": runner.image(image), "multimask": multimask}
    if everything:
        args["mode"] = "everything"
    if point:
        args["points"] = [parse_floats(p, (2, 3), "--point") for p in point]
    if box:
        args["boxes"] = [parse_floats(box, (4,), "--box")]
    if text and runner.settings.segmenter.reads_text:  # SAM 3 finds and cuts out in one call
        found = runner.run("segment_text", image=args["image"], labels=text)
        if not found.masks:
            raise UserError(
                f"{found.summary()}; try other words, a lower segmenter.text_threshold "
                f"(now {runner.settings.segmenter.text_threshold}), or click on it with --point"
            )
        keep = len(found.masks) if multimask else 1  # every instance, best first, or the best
        masks, scores, summary = (
            found.masks[:keep],
            [d.score for d in found.found.detections],
            found.summary(),
        )
    else:
        if text:
            detected = runner.run("detect", image=args["image"], labels=text)
            args["detection"] = runner.store.add("detection", detected)
        out = runner.run("segment", **args)
        masks, scores, summary = out.masks, out.scores, out.summary()
    if transparent:  # the photo with the best mask as its transparency
        out = runner.run("cutout", image=args["image"], mask=runner.store.add("mask", masks[0]))
        cut = out.image.convert("RGB")
        cut.putalpha(out.image.info[ALPHA])
        path = write_image(cut, output)
        emit({"path": str(path), "score": scores[0]}, as_json, [summary, out.summary(), f"wrote {path}"])
        return
    paths = [write_image(mask_to_image(m), numbered(output, i)) for i, m in enumerate(masks)]
    data = {"masks": [{"path": str(p), "score": s} for p, s in zip(paths, scores)]}
    emit(data, as_json, [summary] + [f"wrote {p}" for p in paths])


def diffusion_result(out, output: Path, as_json: bool) -> None:
    paths = [write_image(img, numbered(output, i)) for i, img in enumerate(out.images)]
    data = {
        "images": [
            {"path": str(p), "seed": seed, "score": score}
            for p, seed, score in zip(paths, out.seeds, out.scores)
        ],
    }
    emit(data, as_json, [out.summary()] + [f"wrote {p}" for p in paths])


@app.command()
def inpaint(
    image: Path,
    mask: Path,
    prompt: str,
    output: Annotated[Path, typer.Option("-o", "--output", callback=checked_output)],
    negative: Annotated[str, typer.Option(help="What to avoid.")] = default(inpaint_tool, "negative_prompt"),
    guidance: Annotated[float, typer.Option(help="Guidance scale.")] = default(
        inpaint_tool, "guidance_scale"
    ),
    steps: Annotated[int, typer.Option(help="Denoising steps.")] = default(
        inpaint_tool, "num_inference_steps"
    ),
    strength: Annotated[float, typer.Option(help="1 replaces the region fully.")] = default(
        inpaint_tool, "strength"
    ),
    seed: Annotated[int | None, typer.Option(help="Same seed, same pixels.")] = None,
    n: Annotated[int, typer.Option("-n", "--candidates", help="Candidates, one batch.")] = default(
        inpaint_tool, "num_candidates"
    ),
    preview: PreviewOption = False,
    reference: Annotated[
        Path | None,
        typer.Option(help="A photo of what to paint ('the dog from this photo'), through the IP-Adapter."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Repaint the white part of MASK to show PROMPT (looking like --reference); the rest stays
    exactly as it was."""
    runner = ToolRunner()
    image_id = runner.image(image)
    out = runner.run(
        "inpaint",
        image=image_id,
        mask=runner.mask(mask, image_id),
        references=[runner.image(reference)] if reference else [],
        prompt=prompt,
        negative_prompt=negative,
        guidance_scale=guidance,
        num_inference_steps=steps,
        strength=strength,
        seed=seed,
        preview=preview,
        num_candidates=n,
    )
    diffusion_result(out, output, as_json)


@app.command()
def remove(
    image: Path,
    mask: Path,
    output: Annotated[Path, typer.Option("-o", "--output", callback=checked_output)],
    object_: Annotated[str | None, typer.Option("--object", help="What is erased (diffusion).")] = None,
    backend: Annotated[
        str, typer.Option(help="lama: the eraser model (no new objects); diffusion: SD inpainting.")
    ] = default(remove_tool, "backend"),
    grow: Annotated[int, typer.Option(help="Pixels the mask grows by first.")] = default(remove_tool, "grow"),
    steps: Annotated[int, typer.Option(help="Denoising steps (diffusion).")] = default(
        remove_tool, "num_inference_steps"
    ),
    seed: Annotated[int | None, typer.Option()] = None,
    preview: PreviewOption = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Erase the masked object and fill in the background (the eraser model, or --backend diffusion)."""
    runner = ToolRunner()
    image_id = runner.image(image)
    out = runner.run(
        "remove",
        image=image_id,
        mask=runner.mask(mask, image_id),
        object=object_,
        backend=backend,
        grow=grow,
        num_inference_steps=steps,
        seed=seed,
        preview=preview,
    )
    diffusion_result(out, output, as_json)


@app.command()
def generate(
    prompt: str,
    output: Annotated[Path, typer.Option("-o", "--output", callback=checked_output)],
    negative: Annotated[str, typer.Option(help="What to avoid.")] = default(generate_tool, "negative_prompt"),
    guidance: Annotated[float, typer.Option(help="Guidance scale.")] = default(
        generate_tool, "guidance_scale"
    ),
    steps: Annotated[int, typer.Option(help="Denoising steps.")] = default(
        generate_tool, "num_inference_steps"
    ),
    seed: Annotated[int | None, typer.Option()] = None,
    n: Annotated[int, typer.Option("-n", "--candidates", help="Candidates, one batch.")] = default(
        generate_tool, "num_candidates"
    ),
    width: Annotated[int | None, typer.Option()] = None,
    height: Annotated[int | None, typer.Option()] = None,
    preview: PreviewOption = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Make a new image from a description."""
    out = ToolRunner().run(
        "generate",
        prompt=prompt,
        negative_prompt=negative,
        guidance_scale=guidance,
        num_inference_steps=steps,
        seed=seed,
        preview=preview,
        num_candidates=n,
        width=width,
        height=height,
    )
    diffusion_result(out, output, as_json)
