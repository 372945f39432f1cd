"""`pixelsmith bench`: the benchmark of issue #6 on the command line (see `pixelsmith.bench`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pixelsmith.cli.common import STATE, settings

app = typer.Typer()


@app.command()
def bench(
    architecture: Annotated[
        str, typer.Option(help="tiny (seconds, anywhere) or full (real sizes).")
    ] = "tiny",
    random_weights: Annotated[
        bool, typer.Option(help="full: build the public configs with random weights, no checkpoints.")
    ] = False,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:1, mps.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="A machine-readable list of figures.")] = False,
    steps: Annotated[int | None, typer.Option(help="Diffusion steps; default 30 (tiny: 4).")] = None,
    size: Annotated[int, typer.Option(help="Long side (px) of the non-square photo inpainted.")] = 512,
    repeats: Annotated[int | None, typer.Option(help="Timed runs per figure; default 3 (tiny: 5).")] = None,
    clicks: Annotated[int, typer.Option(help="SAM clicks on one image.")] = 5,
    turns: Annotated[int, typer.Option(help="Agent turns in the session; the first warms up.")] = 10,
    sam: Annotated[str, typer.Option(help="SAM built with random weights: vit-b, vit-l or vit-h.")] = "vit-b",
    only: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: detector, sam, inpaint, turn, lora, edits, backends, everyday, planner; "
            "or one edit: edits.remove, edits.restyle, edits.instruct, edits.outpaint."
        ),
    ] = None,
) -> None:
    """Time detect, segment, inpaint, a chat turn and model loads beside the plain library calls."""
    from pixelsmith.bench import GROUPS, BenchOptions, format_table, run_benchmark

    options = BenchOptions(
        architecture=architecture,
        random_weights=random_weights,
        device=device if device != "auto" else STATE.device or "auto",
        steps=steps,
        size=size,
        repeats=repeats,
        clicks=clicks,
        turns=turns,
        sam=sam,
        only=tuple(g.strip() for g in only.split(",") if g.strip()) if only else GROUPS,
    )
    real = architecture == "full" and not random_weights
    report = run_benchmark(
        options, settings=settings() if real else None, log=lambda text: typer.echo(text, err=True)
    )
    typer.echo(json.dumps(report.records(), indent=2) if as_json else format_table(report))
