"""`pixelsmith models list|pull` and `pixelsmith tiny-models`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pixelsmith.cli.common import emit, settings
from pixelsmith.errors import UserError

app = typer.Typer()
models_app = typer.Typer(help="See and fetch the models of each role.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each role's model and whether it can load offline."""
    from pixelsmith.models import hub

    current = settings()
    rows = [hub.status(current, role) for role in hub.NAMES]
    planner = _planner(current)
    lines = [f"{r.role:<10} {r.backend:<12} {r.where:<15} {r.model}" for r in rows]
    if planner["model"]:
        seeing = "pictures" if planner["pictures"] else "text only"
        lines.append(f"{'planner':<10} {'llm':<12} {seeing:<15} {planner['model']} ({planner['why']})")
    else:
        lines.append(f"{'planner':<10} {'offline':<12} {'rules':<15} (no LLM: PIXELSMITH_LLM_MODEL)")
    emit({"models": [vars(r) | {"ready": r.ready} for r in rows], "planner": planner}, as_json, lines)


def _planner(current) -> dict:
    """The LLM planner's model and whether it is shown pictures (and why)."""
    from pixelsmith.agent.pictures import sees

    seeing, why = sees(current.llm_vision, current.llm_model)
    return {"model": current.llm_model, "base_url": current.llm_base_url, "pictures": seeing, "why": why}


@models_app.command("pull")
def models_pull(
    roles: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[ROLE...]",
            help="Roles, 'preview' (the LCM-LoRA) or 'reference' (the IP-Adapter); all when left out.",
        ),
    ] = None,
) -> None:
    """Download models into the Hugging Face cache (safetensors only)."""
    from pixelsmith.models import hub

    current = settings()
    unknown = [name for name in roles or [] if name not in hub.NAMES]
    if unknown:  # before any download
        raise UserError(f"unknown role {unknown[0]!r}; choose from {', '.join(hub.NAMES)}")
    for name in roles or list(hub.NAMES):
        typer.echo(f"{name}: {hub.pull(current, name)}")


@app.command("tiny-models")
def tiny_models(directory: Path) -> None:
    """Write tiny random checkpoints for every role and DIR/pixelsmith.toml using them."""
    from transformers.utils import logging as transformers_logging

    from pixelsmith.testing import build_all, write_config

    typer.echo(f"writing tiny checkpoints to {directory} (seconds) ...")
    transformers_logging.disable_progress_bar()  # a "Writing model shards" bar per checkpoint, 14 of them
    try:
        config = write_config(directory, build_all(directory))
    finally:
        transformers_logging.enable_progress_bar()
    typer.echo(f"wrote {config}\nuse it: PIXELSMITH_CONFIG={config} pixelsmith ...")
