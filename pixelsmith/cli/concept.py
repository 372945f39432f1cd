"""`pixelsmith concept train | list | show | delete`: personal subjects on the command line.

Importing this module registers `concept_app` on `pixelsmith.cli.app` (as
`pixelsmith.cli.agent` does for edit/chat/sessions); `pixelsmith.cli.main` imports it.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from pixelsmith.cli.common import ProgressPrinter, emit, settings
from pixelsmith.concepts.store import Concept, ConceptStore, TrainSettings
from pixelsmith.families import FAMILIES

app = typer.Typer()
concept_app = typer.Typer(help="Teach pixelsmith your own subjects from a few photos.", no_args_is_help=True)
app.add_typer(concept_app, name="concept")


@contextmanager
def stop_on_ctrl_c() -> Iterator[threading.Event]:
    """An event the first Ctrl-C sets (training stops after its step, with a checkpoint);
    a second Ctrl-C aborts at once. Outside the main thread, just the event."""
    cancel = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield cancel
        return

    def on_sigint(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\nstopping after this step (with a checkpoint); Ctrl-C again to abort now", file=sys.stderr)

    before = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, before)


def _store() -> ConceptStore:
    return ConceptStore(settings().data_dir)


def _data(concept: Concept) -> dict[str, Any]:
    return concept.model_dump(mode="json") | {"folder": str(concept.folder), "phrase": concept.phrase}


Opt = typer.Option
# `concept train`'s options -> the TrainSettings fields they set (where given).
TRAIN_OPTIONS = dict(
    steps="steps", rank="rank", lr="lr", resolution="resolution", prior_preservation="prior_preservation",
    class_images="class_images", class_steps="class_steps", sample_steps="sample_steps", seed="seed",
    checkpoint_every="checkpoint_every", inpaint="inpaint_adapter",
)  # fmt: skip


@concept_app.command("train")
def concept_train(
    name: Annotated[str, typer.Argument(help="Lowercase letters, digits, '-' or '_'.")],
    more: Annotated[list[Path] | None, typer.Argument(help="More photo files (e.g. a shell glob).")] = None,
    images: Annotated[
        list[Path] | None, Opt("--images", help="A folder of photos or a photo; repeat.")
    ] = None,
    class_word: Annotated[str | None, Opt("--class", help="What the subject is: dog, person, mug.")] = None,
    token: Annotated[str | None, Opt(help="Identifier to bind; default 'sks', else a rare one.")] = None,
    steps: Annotated[int | None, Opt(help="Training steps [400; config training.steps].")] = None,
    rank: Annotated[int | None, Opt(help="LoRA rank [4].")] = None,
    lr: Annotated[float | None, Opt(help="Learning rate [1e-4].")] = None,
    resolution: Annotated[
        int | None, Opt(help="Training size in px, multiple of 8 [512; config training.resolution].")
    ] = None,
    prior_preservation: Annotated[
        bool | None,
        Opt("--prior-preservation/--no-prior-preservation", help="Fit class images too (on by default)."),
    ] = None,
    class_images: Annotated[
        int | None, Opt(help="Class images for prior preservation [50; config training.class_images].")
    ] = None,
    class_steps: Annotated[
        int | None, Opt(help="Denoising steps per class image [25; config training.class_steps].")
    ] = None,
    sample_steps: Annotated[
        int | None, Opt(help="Denoising steps per checkpoint sample [25; config training.sample_steps].")
    ] = None,
    seed: Annotated[int | None, Opt(help="Seed of noise, timesteps and samples [0].")] = None,
    checkpoint_every: Annotated[
        int | None, Opt(help="Steps between checkpoints [100; config training.checkpoint_every].")
    ] = None,
    inpaint: Annotated[
        bool | None,
        Opt(
            "--inpaint/--no-inpaint",
            help="Also train a LoRA for edits on the inpainting model (on by default).",
        ),
    ] = None,
    resume: Annotated[bool, Opt(help="Continue a stopped run from its last checkpoint.")] = False,
    as_json: Annotated[bool, Opt("--json", help="Machine-readable output.")] = False,
) -> None:
    """Train a concept (DreamBooth-LoRA) from 3-20 photos of one subject."""
    from pixelsmith.concepts.teach import train_concept
    from pixelsmith.models import ModelRegistry

    given = {k: v for k, v in locals().items() if k in TRAIN_OPTIONS and v is not None}  # the options set
    current = settings()
    defaults = {} if resume else current.training.model_dump()  # a resumed run keeps its own
    train_settings = TrainSettings.parse(**defaults | {TRAIN_OPTIONS[k]: v for k, v in given.items()})
    bar = ProgressPrinter()
    with stop_on_ctrl_c() as cancel:
        try:
            concept = train_concept(
                ModelRegistry(current),
                ConceptStore(current.data_dir),
                name,
                images=[*(images or []), *(more or [])],
                class_word=class_word,
                token=token,
                settings=train_settings,
                resume=resume,
                on_progress=bar,
                cancel=cancel,
            )
        finally:
            bar.close()
    use = f"use it in prompts as '{concept.phrase}' or 'my {concept.name}'"
    emit(_data(concept), as_json, [concept.describe(), f"wrote {concept.adapter_path('generator')}", use])


@concept_app.command("list")
def concept_list(as_json: Annotated[bool, Opt("--json")] = False) -> None:
    """Every concept and its state."""
    store = _store()
    concepts = store.list()
    lines = [c.describe(store.state(c)) for c in concepts]
    lines = lines or ["no concepts yet; train one with `pixelsmith concept train`"]
    emit({"concepts": [_data(c) | {"state": store.state(c)} for c in concepts]}, as_json, lines)


@concept_app.command("show")
def concept_show(name: str, as_json: Annotated[bool, Opt("--json")] = False) -> None:
    """One concept: its phrase, training settings, loss, files."""
    store = _store()
    concept = store.get(name)
    s, losses, state = concept.settings, concept.loss_curve, store.state(concept)
    lines = [
        concept.describe(state),
        f"  phrase:    {concept.phrase}   (instance prompt: {concept.instance_prompt!r})",
        f"  trained on {concept.base_models.get('generator')} ({FAMILIES[concept.family('generator')]}) "
        f"in {concept.train_seconds:.1f} s",
        f"  settings:  steps {s.steps}, rank {s.rank}, lr {s.lr:g}, {s.resolution} px, seed {s.seed}, "
        f"prior preservation {'on (' + str(s.class_images) + ' images)' if s.prior_preservation else 'off'}"
        f", inpainting LoRA {'on' if s.inpaint_adapter else 'off'}",
        f"  loss:      first {losses[0]:.4f}, last {losses[-1]:.4f}" if losses else "  loss:      -",
        f"  folder:    {concept.folder}",
    ]
    lines += [f"  adapter:   {concept.folder / f}" for f in concept.adapters.values()]
    if concept.samples:  # one per checkpoint: the newest, and how many there are
        folder, newest = concept.folder / "samples", concept.samples[-1]
        lines.append(f"  samples:   {len(concept.samples)} in {folder}, newest {newest}")
    if state == "stopped":
        lines.append(f"  continue:  pixelsmith concept train {concept.name} --resume")
    emit(_data(concept) | {"state": state}, as_json, lines)


@concept_app.command("delete")
def concept_delete(name: str) -> None:
    """Remove a concept with its LoRA, photos, samples and checkpoints."""
    _store().delete(name)
    typer.echo(f"deleted concept {name}")
