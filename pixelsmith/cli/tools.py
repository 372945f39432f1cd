"""`pixelsmith detect|segment|inpaint|remove|generate`: each tool on files, one image at a time.

An option left out is left out of the call, so its default is the tool input model's own
(no copies here to drift); `--help` says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pixelsmith.cli.common import ToolRunner, emit, numbered, parse_floats, write_image

app = typer.Typer()
TOOL_DEFAULT = "Default: the tool's own."


@app.command()
def detect(
    image: Path,
    labels: Annotated[str, typer.Argument(help='Comma-separated, e.g. "cat, dog".')],
    threshold: Annotated[float | None, typer.Option(help="Minimum score 0-1.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Boxes drawn, PNG.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Find objects named in text; prints boxes in image pixels."""
    from pixelsmith.render import draw_boxes

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
    output: Annotated[Path, typer.Option("-o", "--output", help="Best mask, PNG.")],
    point: Annotated[list[str] | None, typer.Option("--point", help="X,Y[,1|0]; repeatable.")] = None,
    box: Annotated[str | None, typer.Option(help="X0,Y0,X1,Y1")] = None,
    text: Annotated[str | None, typer.Option(help="Detect this first, then segment it.")] = None,
    multimask: Annotated[bool, typer.Option(help="Write up to 3 candidates.")] = False,
    everything: Annotated[bool, typer.Option(help="Every object's mask.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Cut out an object as a mask (SAM) from clicks, a box or a text label."""
    from pixelsmith.images import mask_to_image

    runner = ToolRunner()
    args: dict[str, Any] = {"image": runner.image(image), "multimask": multimask}
    if everything:
        args["mode"] = "everything"
    if point:
        args["points"] = [parse_floats(p, (2, 3), "--point") for p in point]
    if box:
        args["boxes"] = [parse_floats(box, (4,), "--box")]
    if text:
        found = runner.run("detect", image=args["image"], labels=text)
        args["detection"] = runner.store.add("detection", found)
    out = runner.run("segment", **args)
    paths = [write_image(mask_to_image(m), numbered(output, i)) for i, m in enumerate(out.masks)]
    data = {"masks": [{"path": str(p), "score": s} for p, s in zip(paths, out.scores)]}
    emit(data, as_json, [out.summary()] + [f"wrote {p}" for p in paths])


def _diffusion_result(out, output: Path, as_json: bool) -> None:
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
    output: Annotated[Path, typer.Option("-o", "--output")],
    negative: Annotated[str | None, typer.Option(help="What to avoid.")] = None,
    guidance: Annotated[float | None, typer.Option(help=f"Guidance scale. {TOOL_DEFAULT}")] = None,
    steps: Annotated[int | None, typer.Option(help=f"Denoising steps. {TOOL_DEFAULT}")] = None,
    strength: Annotated[
        float | None, typer.Option(help=f"1 replaces the region fully. {TOOL_DEFAULT}")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Same seed, same pixels.")] = None,
    n: Annotated[int | None, typer.Option("-n", help=f"Candidates, one batch. {TOOL_DEFAULT}")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Repaint the white part of MASK to show PROMPT; the rest stays exactly as it was."""
    runner = ToolRunner()
    image_id = runner.image(image)
    out = runner.run(
        "inpaint",
        image=image_id,
        mask=runner.mask(mask, image_id),
        prompt=prompt,
        negative_prompt=negative,
        guidance_scale=guidance,
        num_inference_steps=steps,
        strength=strength,
        seed=seed,
        num_candidates=n,
    )
    _diffusion_result(out, output, as_json)


@app.command()
def remove(
    image: Path,
    mask: Path,
    output: Annotated[Path, typer.Option("-o", "--output")],
    object_: Annotated[str | None, typer.Option("--object", help="What is erased.")] = None,
    steps: Annotated[int | None, typer.Option(help=f"Denoising steps. {TOOL_DEFAULT}")] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Erase the masked object and fill in the background."""
    runner = ToolRunner()
    image_id = runner.image(image)
    out = runner.run(
        "remove",
        image=image_id,
        mask=runner.mask(mask, image_id),
        object=object_,
        num_inference_steps=steps,
        seed=seed,
    )
    _diffusion_result(out, output, as_json)


@app.command()
def generate(
    prompt: str,
    output: Annotated[Path, typer.Option("-o", "--output")],
    negative: Annotated[str | None, typer.Option(help="What to avoid.")] = None,
    guidance: Annotated[float | None, typer.Option(help=f"Guidance scale. {TOOL_DEFAULT}")] = None,
    steps: Annotated[int | None, typer.Option(help=f"Denoising steps. {TOOL_DEFAULT}")] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    n: Annotated[int | None, typer.Option("-n", help=f"Candidates, one batch. {TOOL_DEFAULT}")] = None,
    width: Annotated[int | None, typer.Option()] = None,
    height: Annotated[int | None, typer.Option()] = None,
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
        num_candidates=n,
        width=width,
        height=height,
    )
    _diffusion_result(out, output, as_json)
