"""What the diffusion tools (inpaint, remove, generate) share.

Seeds, batched generators, step progress and interruption, out-of-memory handling,
the pipeline set up for one call (`prepared`: a concept's LoRA, preview mode) and
candidate ranking. Candidate i of a call with seed s is drawn from its own generator
seeded s + i, so any single candidate can be re-made alone.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING, Any

from PIL import Image
from pydantic import BaseModel, Field

from pixelsmith.artifacts import ArtifactSink, Provenance, Stored
from pixelsmith.errors import OutOfMemoryError, ToolInputError
from pixelsmith.tools.base import Progress, ToolContext

if TYPE_CHECKING:
    import torch

MAX_SEED = 2**32 - 1
PROMPT_CHARS = 1000  # a prompt or a negative prompt, at most


class DiffusionParams(BaseModel):
    """The arguments every diffusion tool takes."""

    prompt: str = Field(min_length=1, max_length=PROMPT_CHARS, description="What to paint.")
    negative_prompt: str = Field(default="", max_length=PROMPT_CHARS, description="What to avoid.")
    guidance_scale: float = Field(default=7.5, ge=0.0, le=30.0, description="Prompt adherence.")
    num_inference_steps: int = Field(default=30, ge=1, le=150, description="Denoising steps.")
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="Same seed, same pixels.")
    num_candidates: int = Field(default=1, ge=1, le=8, description="Images to make in one batch.")
    concept: str | None = Field(
        default=None, max_length=40, description="A personal concept's name (taught from photos) to paint."
    )
    preview: bool = Field(
        default=False,
        description="A fast rough draft in a few steps (LCM-LoRA); steps and guidance are then preset.",
    )


@dataclass(frozen=True)
class Sampling:
    """What one pipeline call runs with, once the concept and preview mode are applied."""

    pipeline: Any
    prompt: str
    steps: int
    guidance_scale: float


@dataclass
class ImagesOutput:
    """Candidate images, best first, with their ranking scores (None when unranked).

    `seeds[i]` re-makes `images[i]` on its own with `num_candidates=1`.
    """

    images: list[Image.Image]
    scores: list[float | None]
    seeds: list[int | None]  # None: a model with no randomness (the eraser)

    def summary(self) -> str:
        parts = [
            f"#{i + 1}"
            + ("" if seed is None else f" seed {seed}")
            + ("" if score is None else f" clip {score:.1f}")
            for i, (seed, score) in enumerate(zip(self.seeds, self.scores))
        ]
        size = f"{self.images[0].width}x{self.images[0].height}" if self.images else "-"
        return f"{len(self.images)} image(s) {size}: " + "; ".join(parts)

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        """Every candidate, best first; the best becomes the current image."""
        notes = [_note(made.prompt, seed) for seed in self.seeds]
        ids = [sink.add_image(img, note=note, **made.fields()) for img, note in zip(self.images, notes)]
        sink.set_candidates(ids)
        sink.set_current(ids[0])
        return Stored(ids, "images")


def resolve_seed(seed: int | None) -> int:
    """The given seed, or a fresh random one (recorded so the result can be re-made)."""
    return random.randint(0, MAX_SEED - 16) if seed is None else seed


def candidate_seeds(seed: int, count: int) -> list[int]:
    """The seeds of `count` candidates: seed, seed + 1, ..., wrapping past MAX_SEED to 0, so
    that each reported seed re-makes its candidate alone."""
    return [(seed + i) % (MAX_SEED + 1) for i in range(count)]


def generators(seed: int, count: int) -> list[torch.Generator]:
    """One CPU generator per candidate, seeded with `candidate_seeds` (device-independent)."""
    import torch

    return [torch.Generator("cpu").manual_seed(s) for s in candidate_seeds(seed, count)]


def step_callback(
    ctx: ToolContext, tool: str, total: int, part: tuple[int, int] = (0, 1)
) -> Callable[..., dict]:
    """A diffusers `callback_on_step_end` that reports progress and honours cancel. A call
    that is `part` (index, count) of a tool's several pipeline runs (outpaint's tiles)
    reports on one bar for all of them."""
    index, parts = part

    def callback(pipeline: Any, step: int, timestep: Any, tensors: dict) -> dict:
        # Some schedulers (PNDM) run one step more than asked: count what really runs.
        steps = int(getattr(pipeline, "num_timesteps", 0) or total)
        ctx.report(Progress(tool, index * steps + step + 1, parts * steps, "denoising step"))
        if ctx.cancel.is_set():
            pipeline._interrupt = True
        return tensors

    return callback


@contextmanager
def device_errors(tool: str) -> Iterator[None]:
    """Turn a device out-of-memory into one sentence with what to try."""
    import torch

    try:
        yield
    except torch.cuda.OutOfMemoryError:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise OutOfMemoryError(
            f"{tool}: the GPU ran out of memory; try fewer candidates, a smaller image or "
            "fewer models loaded at once"
        ) from None


def rank(ctx: ToolContext, output: ImagesOutput, text: str) -> ImagesOutput:
    """Order candidates best first by CLIP similarity to `text` (when ranking is on)."""
    if not ctx.settings.ranker.enabled or len(output.images) < 2:
        return output
    from pixelsmith.tools.rank import clip_scores

    scores = clip_scores(ctx, output.images, text)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    return ImagesOutput(
        [output.images[i] for i in order],
        [round(scores[i], 3) for i in order],
        [output.seeds[i] for i in order],
    )


@contextmanager
def concept_applied(ctx: ToolContext, pipeline: Any, prompt: str, concept: str | None, role: str):
    """Yield the prompt to use, with the named concept's LoRA loaded for the block.

    Without a concept the pipeline's lock is still held, so a concept applied by another
    session's call is never seen. The concept's phrase ('sks dog') replaces 'my <name>'
    in the prompt, or leads it when the prompt does not mention the concept.
    """
    from pixelsmith.concepts import applied, rewrite_prompt
    from pixelsmith.concepts.apply import pipeline_lock

    if not concept:
        with pipeline_lock(pipeline):
            yield prompt
        return
    found = ctx.concepts.get(concept)
    if found.status != "ready":
        now = "is training now" if ctx.concepts.training_now(concept) else "has stopped"
        raise ToolInputError(
            f"concept {concept!r} is not trained yet (it {now} at step {found.step} of "
            f"{found.settings.steps}); wait for it, or say 'continue training {concept}'"
        )
    rewritten, used = rewrite_prompt(prompt, [found])
    if not used:  # "my dog" for a dog concept, or a prompt that does not name it at all
        mine = re.compile(rf"\bmy\s+{re.escape(found.class_word)}\b", re.IGNORECASE)
        rewritten = mine.sub(found.phrase, prompt) if mine.search(prompt) else f"{found.phrase}, {prompt}"
    with applied(pipeline, found, role):
        yield rewritten


@contextmanager
def prepared(
    ctx: ToolContext, pipeline: Any, params: DiffusionParams, role: str, *, strength: float = 1.0
) -> Iterator[Sampling]:
    """The pipeline to call, under its lock, with the concept's LoRA in (and its phrase in
    the prompt) for the block. A preview runs on the role's preview pipeline (LCM-LoRA
    fused, LCM scheduler) with the preview's steps and guidance. An image-to-image
    `strength` that leaves no denoising step of them is refused in one sentence."""
    steps, guidance = params.num_inference_steps, params.guidance_scale
    if params.preview:
        steps, guidance = ctx.settings.preview.steps, ctx.settings.preview.guidance_scale
    if int(steps * strength) < 1:  # the pipeline would run no step, and fail deep inside
        raise ToolInputError(
            f"strength {strength:g} of {steps} step(s) runs no denoising step (steps x strength must be "
            f"at least 1); raise the steps to {ceil(1 / strength)} or the strength to {1 / steps:.2g}"
        )
    if params.preview:
        pipeline = ctx.models.preview_pipeline(role)
    with concept_applied(ctx, pipeline, params.prompt, params.concept, role) as prompt:
        yield Sampling(pipeline, prompt, steps, guidance)


def native_size(pipeline: Any) -> int:
    """The pixel size the pipeline's UNet was trained at (512 for SD 1.5)."""
    return int(pipeline.unet.config.sample_size * pipeline.vae_scale_factor)


def _note(prompt: str, seed: int | None) -> str:
    """'a dragon (seed 7)'; with no prompt (an outpaint's plain extension) 'seed 7', so a caption
    that puts the note in parentheses does not double them."""
    prompt = prompt.strip()
    if seed is None:
        return prompt
    return f"{prompt} (seed {seed})" if prompt else f"seed {seed}"
