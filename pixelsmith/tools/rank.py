"""rank: score images against a text with CLIP (higher = closer)."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from pixelsmith.artifacts import ArtifactSink, Provenance, Stored
from pixelsmith.tools.base import ToolContext, description, inference_mode
from pixelsmith.tools.tool_registry import Tool


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    images: list[str] = Field(min_length=1, max_length=32, description="Image ids to score.")
    text: str = Field(min_length=1, max_length=300, description="What the best image shows.")


@dataclass
class Output:
    """One CLIP score per input image, in input order (100 x cosine similarity)."""

    scores: list[float]

    def summary(self) -> str:
        return ", ".join(f"#{i + 1} {s:.1f}" for i, s in enumerate(self.scores))

    def store(self, sink: ArtifactSink, made: Provenance) -> Stored:
        return Stored([], "scores")


@inference_mode
def clip_scores(ctx: ToolContext, images: list[Image.Image], text: str) -> list[float]:
    """100 x cosine(image, text) for each image, in order."""
    import torch

    ranker = ctx.models.get("ranker")
    batch = ranker.processor(text=[text], images=images, return_tensors="pt", padding=True, truncation=True)
    batch = {
        k: v.to(ranker.device, ranker.dtype if v.is_floating_point() else v.dtype) for k, v in batch.items()
    }
    out = ranker.model(**batch)
    image_embeds = torch.nn.functional.normalize(out.image_embeds.float(), dim=-1)
    text_embeds = torch.nn.functional.normalize(out.text_embeds.float(), dim=-1)
    return (100.0 * image_embeds @ text_embeds[0]).cpu().tolist()


def run(inputs: Input, ctx: ToolContext) -> Output:
    images = [ctx.store.image(i) for i in inputs.images]
    return Output([round(s, 3) for s in clip_scores(ctx, images, inputs.text)])


TOOL = Tool("rank", Input, Output, description("rank"), run, roles=("ranker",), title="Rank")
