"""`pixelsmith instruct|restyle|outpaint`: the whole-image edits on files.

Option defaults come from each tool's input model, as for the other tool commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pixelsmith.cli.common import ToolRunner, checked_output
from pixelsmith.cli.tools import PreviewOption, default, diffusion_result
from pixelsmith.tools import instruct as instruct_tool
from pixelsmith.tools import outpaint as outpaint_tool
from pixelsmith.tools import restyle as restyle_tool

app = typer.Typer()
Opt = typer.Option
Output = Annotated[Path, Opt("-o", "--output", callback=checked_output, help="Result, PNG.")]
Seed = Annotated[int | None, Opt(help="Same seed, same pixels.")]
Json = Annotated[bool, Opt("--json", help="Machine-readable output.")]


@app.command()
def instruct(
    image: Path,
    instruction: Annotated[str, typer.Argument(help='e.g. "make it winter".')],
    output: Output,
    mask: Annotated[Path | None, Opt(help="Change only the white part of this mask.")] = None,
    image_guidance: Annotated[float, Opt(help="Keep the photo: higher keeps more.")] = default(
        instruct_tool, "image_guidance_scale"
    ),
    guidance: Annotated[
        float | None, Opt(help="Follow the words: higher follows more. Default: the editor's own.")
    ] = None,
    steps: Annotated[int | None, Opt(help="Denoising steps. Default: the editor's own.")] = None,
    reference: Annotated[
        list[Path] | None,
        Opt(
            help="A photo the instruction points at ('the dog from this photo'); again for more. "
            "Needs an editor that takes them (editor.backend)."
        ),
    ] = None,
    seed: Seed = None,
    n: Annotated[int, Opt("-n", "--candidates", help="Candidates, one batch.")] = 1,
    as_json: Json = False,
) -> None:
    """Change IMAGE as INSTRUCTION says (the editor: InstructPix2Pix, or FLUX.1 Kontext, Qwen-Image-Edit,
    FLUX.2 klein), all of it or inside --mask."""
    runner = ToolRunner()
    image_id = runner.image(image)
    out = runner.run(
        "instruct",
        image=image_id,
        prompt=instruction,
        references=[runner.image(r) for r in reference or []],
        mask=runner.mask(mask, image_id) if mask else None,
        image_guidance_scale=image_guidance,
        guidance_scale=guidance,
        num_inference_steps=steps,
        seed=seed,
        num_candidates=n,
    )
    diffusion_result(out, output, as_json)


@app.command()
def restyle(
    image: Path,
    prompt: Annotated[str, typer.Argument(help='The look, e.g. "a pencil sketch".')],
    output: Output,
    strength: Annotated[float, Opt(help="0.3 stays close to the photo, 0.9 redraws.")] = default(
        restyle_tool, "strength"
    ),
    steps: Annotated[int, Opt(help="Denoising steps.")] = default(restyle_tool, "num_inference_steps"),
    seed: Seed = None,
    n: Annotated[int, Opt("-n", "--candidates", help="Candidates, one batch.")] = 1,
    concept: Annotated[str | None, Opt(help="A taught concept to paint.")] = None,
    preview: PreviewOption = False,
    as_json: Json = False,
) -> None:
    """Redraw the whole of IMAGE in another style or look (image-to-image)."""
    runner = ToolRunner()
    out = runner.run(
        "restyle",
        image=runner.image(image),
        prompt=prompt,
        strength=strength,
        num_inference_steps=steps,
        seed=seed,
        num_candidates=n,
        concept=concept,
        preview=preview,
    )
    diffusion_result(out, output, as_json)


@app.command()
def outpaint(
    image: Path,
    output: Output,
    left: Annotated[int, Opt(help="Pixels added on the left.")] = 0,
    right: Annotated[int, Opt(help="Pixels added on the right.")] = 0,
    top: Annotated[int, Opt(help="Pixels added on top.")] = 0,
    bottom: Annotated[int, Opt(help="Pixels added at the bottom.")] = 0,
    aspect: Annotated[str | None, Opt(help="Extend to a ratio instead, e.g. 16:9.")] = None,
    prompt: Annotated[str, Opt(help="What the new band shows.")] = default(outpaint_tool, "prompt"),
    steps: Annotated[int, Opt(help="Denoising steps.")] = default(outpaint_tool, "num_inference_steps"),
    seed: Seed = None,
    n: Annotated[int, Opt("-n", "--candidates", help="Candidates.")] = 1,
    preview: PreviewOption = False,
    as_json: Json = False,
) -> None:
    """Extend IMAGE beyond its edges; its own pixels stay exactly as they are."""
    runner = ToolRunner()
    out = runner.run(
        "outpaint",
        image=runner.image(image),
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        aspect=aspect,
        prompt=prompt,
        num_inference_steps=steps,
        seed=seed,
        num_candidates=n,
        preview=preview,
    )
    diffusion_result(out, output, as_json)
