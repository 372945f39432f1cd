"""`pixelsmith eval planner`: the planner scorecard on a set of requests."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from pixelsmith.cli.common import settings

app = typer.Typer()
eval_app = typer.Typer(help="Measure how well pixelsmith understands requests.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("planner")
def planner(
    cases: Annotated[
        Path | None,
        typer.Argument(
            help="A TSV of cases (category, request, expected tools, checks); the shipped set "
            "of everyday requests when left out."
        ),
    ] = None,
    planner: Annotated[str | None, typer.Option(help="auto, llm, local or offline.")] = None,
    image: Annotated[
        Path | None, typer.Option(help="The photo each case starts from (the sample cat).")
    ] = None,
    run: Annotated[bool, typer.Option("--run", help="Run each request, not only plan it.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON record on stdout.")] = False,
) -> None:
    """Plan each request on a session holding the photo (nothing runs unless --run), then
    print the accuracy per category and overall, and the misses. Requests before ' >> ' in
    a case set the scene: they run for real with the offline planner."""
    from tqdm import tqdm

    from pixelsmith.agent.scorecard import load_cases, score, shipped_cases, trials
    from pixelsmith.images import load_image

    current = settings()
    chosen = load_cases(cases or shipped_cases())
    photo = load_image(image or _sample(), max_pixels=current.limits.max_pixels)
    with tempfile.TemporaryDirectory(prefix="pixelsmith-eval-") as root:
        bar = tqdm(total=len(chosen), desc="cases", unit="case", file=sys.stderr, leave=False)
        card = score(
            chosen,
            trials(current, planner or current.planner, photo, Path(root)),
            run=run,
            progress=lambda index, case: bar.update(index - 1 - bar.n),
        )
        bar.close()
    if as_json:
        typer.echo(json.dumps(card.to_dict(), indent=2))
    else:
        typer.echo(card.report())


def _sample() -> Path:
    from importlib import resources

    return Path(str(resources.files("pixelsmith").joinpath("data", "cat.png")))
