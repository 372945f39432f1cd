"""SAM 3 through transformers: a text phrase to every matching instance's box, score and mask
(`Sam3Model`, "promptable concept segmentation"), and points and boxes through its tracker
(`Sam3TrackerModel`, SAM 2's contract: `Sam2Predictor`). Both come from the one checkpoint
(`facebook/sam3`) and share its image backbone in memory.

Each image is encoded once per half and kept by content: a second phrase on the same photo,
and every click after the first, cost only the heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL import Image

from pixelsmith.models.detectors import query
from pixelsmith.models.sam2 import Sam2Predictor


@dataclass
class Instances:
    """What a text query found, best first: `boxes` (N, 4) x0, y0, x1, y1 in image pixels,
    `scores` (N,), `label_ids` (N,) into the labels asked, `masks` (N, H, W) bool at the
    image's size."""

    boxes: torch.Tensor
    scores: torch.Tensor
    label_ids: torch.Tensor
    masks: torch.Tensor


class Sam3Segmenter(Sam2Predictor):
    """A `Segmenter` on SAM 3's tracker that also reads text (`find`)."""

    def __init__(
        self,
        tracker,
        tracker_processor,
        detector,
        text_processor,
        *,
        device: torch.device,
        dtype: torch.dtype,
        cache_size: int = 8,
    ) -> None:
        super().__init__(tracker, tracker_processor, device=device, dtype=dtype, cache_size=cache_size)
        self.detector = detector
        self.text_processor = text_processor

    def _vision(self, image: Image.Image):
        """The detector's image features (backbone and its own neck)."""
        inputs = self.text_processor(images=image, return_tensors="pt")
        return self.detector.get_vision_features(
            pixel_values=inputs["pixel_values"].to(self.device, self.dtype)
        )

    def _tokens(self, label: str):
        """`label` as the processor tokenizes it (padded to the text encoder's 32 positions),
        shortened to its head noun phrase and then cut when it would overrun them."""
        limit = self.detector.config.text_config.max_position_embeddings
        tokenizer = self.text_processor.tokenizer
        text = query(label, tokenizer, limit, template="{}")
        return tokenizer(text, return_tensors="pt", padding="max_length", max_length=limit, truncation=True)

    @torch.inference_mode()
    def find(
        self, image: Image.Image, labels: list[str], threshold: float, mask_threshold: float = 0.5
    ) -> Instances:
        """Every instance of each label scoring above `threshold` (SAM 3's score: the query's
        match times the phrase's presence in the image), one pass of the heads per label."""
        vision = self._cached("text", image, self._vision)
        size = [(image.height, image.width)]
        boxes, scores, label_ids, masks = [], [], [], []
        for index, label in enumerate(labels):
            text = self._tokens(label)
            output = self.detector(
                vision_embeds=vision,
                input_ids=text["input_ids"].to(self.device),
                attention_mask=text["attention_mask"].to(self.device),
            )
            found = self.text_processor.post_process_instance_segmentation(
                output, threshold=threshold, mask_threshold=mask_threshold, target_sizes=size
            )[0]
            boxes.append(found["boxes"].float().cpu())
            scores.append(found["scores"].float().cpu())
            masks.append(found["masks"].bool().cpu())
            label_ids.append(torch.full((len(found["scores"]),), index, dtype=torch.long))
        score = torch.cat(scores)
        order = torch.argsort(score, descending=True, stable=True)
        return Instances(
            torch.cat(boxes)[order], score[order], torch.cat(label_ids)[order], torch.cat(masks)[order]
        )
