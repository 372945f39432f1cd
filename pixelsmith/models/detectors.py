"""The detector role's backends behind one call: `detect(image, labels, threshold)` gives
boxes in the image's pixels, a score and the index of the label each box is.

- `OwlDetector`: OWLv2 / OWL-ViT, every label its own text query ("a photo of a cat").
- `GroundingDetector`: Grounding DINO and MM-Grounding-DINO, every label in one caption
  ("a cat. a dog."). Each box gets the label whose own tokens it matches best, so several
  labels asked at once come back as those labels, never merged ("cat dog") or dropped.

A photo larger than `MAX_SIDE` is shrunk first (aspect kept): both models work at ~1k px,
and the processors' padding and resizing at full size cost seconds and gigabytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image

MAX_SIDE = 1920
TEMPLATE = "a photo of a {}"
# Where a description's head noun phrase ends: "a fluffy cat | sitting on an old chair".
CLAUSE = re.compile(
    r"\s+(?:sitting|standing|lying|walking|running|sleeping|flying|swimming|holding|wearing|eating"
    r"|playing|looking|riding|on|in|at|by|with|near|under|over|behind|beside|next|that|which|who"
    r"|while|from)\b.*$"
)


@dataclass
class Found:
    """Raw detections before suppression: boxes (N, 4) x0 y0 x1 y1 in image pixels, scores
    (N,) and label_ids (N,) indexing the labels asked for."""

    boxes: torch.Tensor
    scores: torch.Tensor
    label_ids: torch.Tensor


def shrunk(image: Image.Image, side: int) -> Image.Image:
    """`image` with its longer side at most `side` pixels (the same image when it is)."""
    if max(image.size) <= side:
        return image
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.BILINEAR, reducing_gap=2.0)


def query(label: str, tokenizer: Any, limit: int, template: str = TEMPLATE) -> str:
    """The text the detector reads for `label`: `template` around it when it fits `limit`
    token positions; else the label alone; else its head noun phrase (cut before its first
    clause: "a fluffy cat sitting on an old chair" → "a fluffy cat"). What still overruns is
    truncated by the tokenizer, so a label of any length detects instead of crashing."""
    head = CLAUSE.sub("", label) or label
    for text in (template.format(label), label, head):
        if len(tokenizer(text)["input_ids"]) <= limit:
            return text
    return head


def _to(batch: Any, device: torch.device, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    return {k: v.to(device, dtype if v.is_floating_point() else v.dtype) for k, v in batch.items()}


@dataclass
class OwlDetector:
    """OWLv2 or OWL-ViT and its processor: all labels and the image in one forward pass."""

    model: Any
    processor: Any
    backend: str
    device: torch.device
    dtype: torch.dtype

    def detect(self, image: Image.Image, labels: list[str], threshold: float) -> Found:
        limit = self.model.config.text_config.max_position_embeddings  # 16 in OWL-ViT and OWLv2
        queries = [[query(label, self.processor.tokenizer, limit) for label in labels]]
        batch = self.processor(
            text=queries,
            images=shrunk(image, MAX_SIDE),
            return_tensors="pt",
            truncation=True,
            max_length=limit,
        )
        outputs = self.model(**_to(batch, self.device, self.dtype))
        result = self.processor.post_process_grounded_object_detection(  # OWLv2 pads to a square: it knows
            outputs, threshold=threshold, target_sizes=[(image.height, image.width)]
        )[0]
        return Found(result["boxes"].float().cpu(), result["scores"].float().cpu(), result["labels"].cpu())


@dataclass
class GroundingDetector:
    """Grounding DINO (or MM-Grounding-DINO): the labels as one caption, "a cat. a dog."."""

    model: Any
    processor: Any
    backend: str
    device: torch.device
    dtype: torch.dtype

    def caption(self, labels: list[str]) -> tuple[str, list[list[int]]]:
        """The caption for `labels` and, per label, the positions of its tokens in it. Each
        label is shortened (head noun phrase, then cut) to its share of the text length."""
        tokenizer, limit = self.processor.tokenizer, int(self.model.config.max_text_len)
        share = max(2, (limit - 2) // max(1, len(labels)) - 1)  # a label's tokens, then its "."
        parts = []
        for label in labels:
            part = query(label.lower().strip(" ."), tokenizer, share + 2, "{}")  # + [CLS] [SEP]
            ids = tokenizer(part, add_special_tokens=False)["input_ids"]
            parts.append(part if len(ids) <= share else tokenizer.decode(ids[:share]))
        text = ". ".join(parts) + "."
        ids = tokenizer(text)["input_ids"][:limit]
        spans, cursor = [], 1  # after [CLS]
        for part in parts:
            own = tokenizer(part, add_special_tokens=False)["input_ids"]
            at = next((i for i in range(cursor, len(ids)) if ids[i : i + len(own)] == own), None)
            spans.append([] if at is None else list(range(at, at + len(own))))
            cursor = cursor if at is None else at + len(own)
        return text, spans

    def detect(self, image: Image.Image, labels: list[str], threshold: float) -> Found:
        text, spans = self.caption(labels)
        batch = self.processor(
            images=shrunk(image, MAX_SIDE), text=text, return_tensors="pt", truncation=True,
            max_length=int(self.model.config.max_text_len),
        )  # fmt: skip
        outputs = self.model(**_to(batch, self.device, self.dtype))
        boxes = (
            self.processor.post_process_grounded_object_detection(  # boxes only: labels are ours
                outputs,
                batch["input_ids"],
                threshold=0.0,
                text_threshold=1.0,
                target_sizes=[(image.height, image.width)],
            )[0]["boxes"]
            .float()
            .cpu()
        )
        probs = outputs.logits[0].float().sigmoid().cpu()  # (queries, text positions)
        scores, label_ids = label_scores(probs, spans).max(dim=1)
        keep = scores > threshold
        return Found(boxes[keep], scores[keep], label_ids[keep])


def label_scores(probs: torch.Tensor, spans: list[list[int]]) -> torch.Tensor:
    """(queries, labels): how well each box matches each label, the best of its tokens."""
    columns = [probs[:, span].max(dim=1).values if span else torch.zeros(len(probs)) for span in spans]
    return torch.stack(columns, dim=1)
