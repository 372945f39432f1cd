"""SAM 2.1 through transformers (`Sam2Model`), behind the same `Segmenter` protocol as SAM:
points, boxes, multimask candidates, segment-everything, and the image embedding cached by
content so that every later click costs only the prompt encoder and mask decoder.

SAM 2 squeezes the whole image into a square (1024 px) instead of SAM's longest-side
resize and padding, so a point is scaled per axis; the embedding is a list of three
feature maps (high-resolution features for the decoder beside the last one).
"""

from __future__ import annotations

import torch
from PIL import Image

from pixelsmith.models.sam import Embedding, SamPredictor


class Sam2Predictor(SamPredictor):
    """A `SamPredictor` on a `Sam2Model` and `Sam2Processor`."""

    def _encode(self, image: Image.Image) -> Embedding:
        inputs = self.processor(images=image, return_tensors="pt")
        pixel_values = inputs["pixel_values"].to(self.device, self.dtype)
        features = self.model.get_image_embeddings(pixel_values)
        side = int(self.processor.target_size)  # the square the coordinates are given in
        return Embedding({"image_embeddings": features}, (image.height, image.width), (side, side))

    def _masks(self, pred_masks: torch.Tensor, embedding: Embedding) -> torch.Tensor:
        return self.processor.post_process_masks([pred_masks], [embedding.original_size])[0]
