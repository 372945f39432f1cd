"""`pixelsmith adjust|crop|rotate|perspective|flip|resize|upscale|cutout`: the everyday photo operations
on files. The result keeps what the photo carried (its ICC profile, EXIF data, and its
transparency moved with its pixels); a cut-out is written with its own transparency (PNG or
WebP keep it; JPEG cannot).

Option defaults come from each tool's input model, as for the other tool commands.
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
    parse_floats,
    write_image,
)
from pixelsmith.cli.tools import default
from pixelsmith.tools import adjust as adjust_tool
from pixelsmith.tools import cutout as cutout_tool
from pixelsmith.tools import upscale as upscale_tool

app = typer.Typer()
Opt = typer.Option
Output = Annotated[
    Path, Opt("-o", "--output", callback=checked_output, help="Result (PNG keeps transparency).")
]
Json = Annotated[bool, Opt("--json", help="Machine-readable output.")]


def _run(tool: str, image: Path, output: Path, as_json: bool, *, mask: Path | None = None, **args: Any):
    """Run `tool` on IMAGE (and MASK) and write the result with what the photo carried."""
    from pixelsmith import keepsakes

    runner = ToolRunner()
    image_id = runner.image(image)
    if mask is not None:
        args["mask"] = runner.mask(mask, image_id)
    out = runner.run(tool, image=image_id, **args)
    photo = runner.store.image(image_id)
    kept = {k: photo.info[k] for k in (keepsakes.ICC, keepsakes.EXIF) if photo.info.get(k)}
    alpha = out.image.info.get(keepsakes.ALPHA) if tool == "cutout" else None  # the cut-out's own
    if alpha is None and photo.info.get(keepsakes.ALPHA) is not None and out.transform is not None:
        alpha = out.transform(photo.info[keepsakes.ALPHA])  # the photo's, moved with its pixels
    if alpha is not None:
        kept[keepsakes.ALPHA] = alpha
    path = write_image(keepsakes.restored(out.image, kept), output)
    size = out.image.size
    emit({"path": str(path), "size": list(size), "note": out.note}, as_json, [out.summary(), f"wrote {path}"])


@app.command()
def adjust(
    image: Path,
    output: Output,
    brightness: Annotated[float, Opt(help="1 = as is; 1.2 = 20% brighter.")] = 1.0,
    contrast: Annotated[float, Opt(help="1 = as is; 1.2 = 20% more.")] = 1.0,
    saturation: Annotated[float, Opt(help="1 = as is; 0 = grey.")] = 1.0,
    warmth: Annotated[float, Opt(help="-1 cooler .. 1 warmer.")] = 0.0,
    sharpness: Annotated[float, Opt(help="1 = as is; 2 = sharper.")] = 1.0,
    gamma: Annotated[float, Opt(help="1 = as is; >1 lifts the shadows.")] = 1.0,
    black_and_white: Annotated[bool, Opt("--black-and-white", help="Grey tones only.")] = False,
    sepia: Annotated[bool, Opt("--sepia", help="The brown tones of an old photo.")] = False,
    negative: Annotated[bool, Opt("--negative", help="The colours inverted, like a film negative.")] = False,
    auto_levels: Annotated[bool, Opt("--auto-levels", help="Stretch the tones to the full range.")] = False,
    vignette: Annotated[float, Opt(help="Darker corners: 0 = none; 0.4 = soft; 1 = black corners.")] = 0.0,
    blur: Annotated[float, Opt(help="Gaussian blur radius, px.")] = 0.0,
    mask: Annotated[Path | None, Opt(help="Only inside the white part of this mask.")] = None,
    invert: Annotated[bool, Opt("--invert", help="With --mask: only outside it.")] = False,
    feather: Annotated[float, Opt(help="With --mask: its soft edge, px.")] = default(adjust_tool, "feather"),
    as_json: Json = False,
) -> None:
    """Change the tones of IMAGE (all of it, or inside or outside --mask)."""
    _run("adjust", image, output, as_json, mask=mask, brightness=brightness, contrast=contrast,
         saturation=saturation, warmth=warmth, sharpness=sharpness, gamma=gamma,
         black_and_white=black_and_white, sepia=sepia, negative=negative, auto_levels=auto_levels,
         vignette=vignette, blur=blur, invert=invert, feather=feather)  # fmt: skip


@app.command()
def crop(
    image: Path,
    output: Output,
    box: Annotated[str | None, Opt(help="X0,Y0,X1,Y1 in pixels.")] = None,
    aspect: Annotated[str | None, Opt(help="The largest middle part of this ratio, e.g. 1:1, 16:9.")] = None,
    as_json: Json = False,
) -> None:
    """Cut IMAGE down to a box or a ratio."""
    cut = parse_floats(box, (4,), "--box") if box else None
    _run("crop", image, output, as_json, box=cut, aspect=aspect)


@app.command()
def rotate(
    image: Path,
    degrees: Annotated[float, typer.Argument(help="Clockwise; negative turns counter-clockwise.")],
    output: Output,
    straighten: Annotated[
        bool,
        typer.Option("--straighten", help="Level a tilted photo: keep the largest upright part, no corners."),
    ] = False,
    as_json: Json = False,
) -> None:
    """Turn IMAGE (quarter turns lose nothing; other angles widen the canvas, or --straighten)."""
    _run("rotate", image, output, as_json, degrees=degrees, straighten=straighten)


@app.command()
def flip(
    image: Path,
    output: Output,
    vertical: Annotated[bool, Opt("--vertical", help="Top to bottom instead of left to right.")] = False,
    as_json: Json = False,
) -> None:
    """Mirror IMAGE left to right (or, with --vertical, top to bottom)."""
    _run("flip", image, output, as_json, direction="vertical" if vertical else "horizontal")


@app.command()
def perspective(
    image: Path,
    output: Output,
    vertical: Annotated[float, Opt(help=">0 widens the top: buildings that lean in stand upright.")] = 0.0,
    horizontal: Annotated[float, Opt(help=">0 makes the right edge taller; <0 the left.")] = 0.0,
    as_json: Json = False,
) -> None:
    """Straighten lines that converge in IMAGE (a camera tilted up at tall buildings)."""
    _run("perspective", image, output, as_json, vertical=vertical, horizontal=horizontal)


@app.command()
def resize(
    image: Path,
    output: Output,
    width: Annotated[int | None, Opt(help="New width, px (height follows).")] = None,
    height: Annotated[int | None, Opt(help="New height, px (width follows).")] = None,
    scale: Annotated[float | None, Opt(help="0.5 = half the size.")] = None,
    as_json: Json = False,
) -> None:
    """Make IMAGE smaller or bigger by resampling (Lanczos); `upscale` adds detail."""
    _run("resize", image, output, as_json, width=width, height=height, scale=scale)


@app.command()
def upscale(
    image: Path,
    output: Output,
    scale: Annotated[float, Opt(help="How many times bigger.")] = default(upscale_tool, "scale"),
    keep_size: Annotated[bool, Opt("--keep-size", help="Same size, sharper.")] = False,
    tile: Annotated[int, Opt(help="Tile size, px (smaller: less memory).")] = default(upscale_tool, "tile"),
    as_json: Json = False,
) -> None:
    """Make IMAGE bigger with new detail (the upscaler model, Real-ESRGAN by default)."""
    _run("upscale", image, output, as_json, scale=scale, keep_size=keep_size, tile=tile)


@app.command()
def cutout(
    image: Path,
    mask: Annotated[Path, typer.Argument(help="What to keep, white (e.g. from `pixelsmith segment`).")],
    output: Output,
    feather: Annotated[float, Opt(help="Soft edge, px.")] = default(cutout_tool, "feather"),
    invert: Annotated[bool, Opt("--invert", help="Keep everything but the mask.")] = False,
    as_json: Json = False,
) -> None:
    """IMAGE with a transparent background: MASK becomes its alpha channel."""
    keeps_transparency(output)
    _run("cutout", image, output, as_json, mask=mask, feather=feather, invert=invert)
