"""`pixelsmith` on the command line: every tool directly, models, tiny test checkpoints.

User errors end with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from pixelsmith.errors import UserError

app = typer.Typer(
    help="Edit images by describing what you want.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
models_app = typer.Typer(help="See and fetch the models of each role.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@dataclass
class CliState:
    config: Path | None = None
    device: str | None = None


STATE = CliState()


@app.callback()
def _root(
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda, mps.")] = None,
) -> None:
    STATE.config, STATE.device = config, device


def settings():
    from pixelsmith.config import load_settings

    overrides = {"device": STATE.device} if STATE.device else {}
    return load_settings(STATE.config, **overrides)


class ToolRunner:
    """One registry, one in-memory store and a tqdm progress bar for CLI tool calls."""

    def __init__(self) -> None:
        from pixelsmith.runtime import ModelRegistry
        from pixelsmith.tools import MemoryStore, ToolContext, default_tools

        self.settings = settings()
        self.tools = default_tools()
        self.store = MemoryStore()
        self.ctx = ToolContext(ModelRegistry(self.settings), self.store, on_progress=self._progress)
        self._bar = None

    def _progress(self, progress) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(
                total=progress.total,
                desc=progress.tool,
                unit=progress.label.split()[-1],
                file=sys.stderr,
                leave=False,
            )
        self._bar.update(progress.step - self._bar.n)
        if progress.step >= progress.total:
            self._bar.close()
            self._bar = None

    def image(self, path: Path) -> str:
        from pixelsmith.images import load_image

        limits = self.settings.limits
        return self.store.add("image", load_image(path, max_pixels=limits.max_pixels))

    def mask(self, path: Path, image_id: str) -> str:
        from pixelsmith.images import load_mask

        image = self.store.image(image_id)
        return self.store.add("mask", load_mask(path, size=image.size))

    def run(self, tool: str, **args: Any) -> Any:
        spec = self.tools.get(tool)
        return spec.run(spec.validate(args), self.ctx)


def _write(image, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        image.save(path)
    except (ValueError, OSError) as err:
        raise UserError(f"cannot write {path}: {err}") from None
    return path


def _numbered(path: Path, index: int) -> Path:
    """OUT.png for the first result, OUT-2.png, OUT-3.png ... for the others."""
    return path if index == 0 else path.with_name(f"{path.stem}-{index + 1}{path.suffix}")


def _emit(data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        for line in lines:
            typer.echo(line)


def _parse_floats(text: str, count: tuple[int, ...], what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in count:
        raise UserError(
            f"{what} must be {' or '.join(str(c) for c in count)} comma-separated numbers, got {text!r}"
        )
    return values


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
        _write(draw_boxes(runner.store.image(image_id), out.detections), output)
    data = {
        "image_size": list(out.image_size),
        "detections": [{"label": d.label, "score": d.score, "box": list(d.box)} for d in out.detections],
        "output": str(output) if output else None,
    }
    _emit(data, as_json, [out.summary()] + ([f"wrote {output}"] if output else []))


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
        args["points"] = [_parse_floats(p, (2, 3), "--point") for p in point]
    if box:
        args["boxes"] = [_parse_floats(box, (4,), "--box")]
    if text:
        found = runner.run("detect", image=args["image"], labels=text)
        args["detection"] = runner.store.add("detection", found)
    out = runner.run("segment", **args)
    paths = [_write(mask_to_image(m), _numbered(output, i)) for i, m in enumerate(out.masks)]
    data = {"masks": [{"path": str(p), "score": s} for p, s in zip(paths, out.scores)]}
    _emit(data, as_json, [out.summary()] + [f"wrote {p}" for p in paths])


def _diffusion_result(out, output: Path, as_json: bool) -> None:
    paths = [_write(img, _numbered(output, i)) for i, img in enumerate(out.images)]
    data = {
        "images": [
            {"path": str(p), "seed": seed, "score": score}
            for p, seed, score in zip(paths, out.seeds, out.scores)
        ],
    }
    _emit(data, as_json, [out.summary()] + [f"wrote {p}" for p in paths])


@app.command()
def inpaint(
    image: Path,
    mask: Path,
    prompt: str,
    output: Annotated[Path, typer.Option("-o", "--output")],
    negative: Annotated[str, typer.Option(help="What to avoid.")] = "",
    guidance: Annotated[float, typer.Option(help="Guidance scale.")] = 7.5,
    steps: Annotated[int, typer.Option(help="Denoising steps.")] = 30,
    strength: Annotated[float, typer.Option(help="1 replaces the region fully.")] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Same seed, same pixels.")] = None,
    n: Annotated[int, typer.Option("-n", help="Candidates, one batch.")] = 1,
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
    steps: Annotated[int, typer.Option(help="Denoising steps.")] = 30,
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
    negative: Annotated[str, typer.Option()] = "",
    guidance: Annotated[float, typer.Option()] = 7.5,
    steps: Annotated[int, typer.Option()] = 30,
    seed: Annotated[int | None, typer.Option()] = None,
    n: Annotated[int, typer.Option("-n")] = 1,
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


@models_app.command("list")
def models_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each role's model and whether it can load offline."""
    from pixelsmith import hub

    current = settings()
    rows = [hub.status(current, role) for role in hub.NAMES]
    _emit(
        {"models": [vars(r) | {"ready": r.ready} for r in rows]},
        as_json,
        [f"{r.role:<10} {r.backend:<12} {r.where:<15} {r.model}" for r in rows],
    )


@models_app.command("pull")
def models_pull(
    role: Annotated[
        str | None, typer.Argument(help="One role, or 'preview' (the LCM-LoRA); all when left out.")
    ] = None,
) -> None:
    """Download models into the Hugging Face cache (safetensors only)."""
    from pixelsmith import hub

    current = settings()
    for name in [role] if role else list(hub.NAMES):
        typer.echo(f"{name}: {hub.pull(current, name)}")


@app.command("tiny-models")
def tiny_models(directory: Path) -> None:
    """Write tiny random checkpoints for every role and DIR/pixelsmith.toml using them."""
    from pixelsmith.testing import build_all, write_config

    config = write_config(directory, build_all(directory))
    typer.echo(f"wrote {config}\nuse it: PIXELSMITH_CONFIG={config} pixelsmith ...")


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app and turns user errors into one line and exit code 2."""
    import click

    import pixelsmith.cli_agent  # noqa: F401 - registers edit, chat and sessions
    import pixelsmith.cli_bench  # noqa: F401 - registers bench
    import pixelsmith.cli_serve  # noqa: F401 - registers serve
    import pixelsmith.concepts.cli  # noqa: F401 - registers concept train/list/show/delete
    import pixelsmith.ui.command  # noqa: F401 - registers ui

    try:
        app(args=argv, standalone_mode=False)
    except UserError as err:
        typer.echo(f"error: {err}", err=True)
        return 2
    except (click.exceptions.Abort, typer.Abort):
        typer.echo("aborted", err=True)
        return 130
    except (click.ClickException, typer.TyperException) as err:  # typer >= 0.29 has its own click
        err.show()
        return getattr(err, "exit_code", 2)
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
