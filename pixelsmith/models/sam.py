"""SAM through transformers with the image embedding computed once per image.

`SamPredictor.predict` answers points and boxes from an embedding cached by the image's
content hash, so every click after the first costs only the prompt encoder and the mask
decoder (segment-anything's `set_image` idea, keyed by content instead of call order).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from pixelsmith.images import content_hash


@dataclass
class Embedding:
    """One image's encoder output and the sizes needed to map coordinates."""

    forward_kwargs: dict[str, Any]  # image_embeddings (+ intermediate_embeddings for SAM-HQ)
    original_size: tuple[int, int]  # (H, W) of the image
    reshaped_size: tuple[int, int]  # (H, W) after the processor's longest-edge resize


@dataclass
class Prediction:
    """Masks for P prompts with K candidates each, best candidate first per prompt.

    masks: (P, K, H, W) bool at the original image size; scores: (P, K) predicted IoU.
    """

    masks: np.ndarray
    scores: np.ndarray


class SamPredictor:
    """Prompts (points, boxes) to masks with a per-image embedding cache."""

    def __init__(
        self, model, processor, *, device: torch.device, dtype: torch.dtype, cache_size: int = 8
    ) -> None:
        self.model = model
        self.processor = processor
        self.device = device
        self.dtype = dtype
        self.cache_size = cache_size
        self.encode_count = 0  # image-encoder runs: the expensive part
        self._cache: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    @torch.inference_mode()
    def embed(self, image: Image.Image) -> Embedding:
        """The cached embedding of `image`, computing it on first sight."""
        return self._cached("prompt", image, self._encode)

    def _cached(self, kind: str, image: Image.Image, encode: Callable[[Image.Image], Any]) -> Any:
        """`encode(image)`, kept by `kind` and the image's content for the next call; the
        `cache_size` most recent are kept."""
        key = (kind, content_hash(image))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        encoded = encode(image)
        with self._lock:
            self.encode_count += 1
            self._cache[key] = encoded
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return encoded

    def _encode(self, image: Image.Image) -> Embedding:
        """Run the image encoder (the expensive part) on `image`."""
        inputs = self.processor(images=image, return_tensors="pt")
        pixel_values = inputs["pixel_values"].to(self.device, self.dtype)
        output = self.model.get_image_embeddings(pixel_values)
        if isinstance(output, tuple):  # SAM-HQ also returns intermediate embeddings
            kwargs = {"image_embeddings": output[0], "intermediate_embeddings": output[1]}
        else:
            kwargs = {"image_embeddings": output}
        reshaped = tuple(int(v) for v in inputs["reshaped_input_sizes"][0])
        return Embedding(kwargs, (image.height, image.width), reshaped)  # type: ignore[arg-type]

    def _masks(self, pred_masks: torch.Tensor, embedding: Embedding) -> torch.Tensor:
        """The decoder's low-resolution mask logits (P, K, h, w) to bool masks at the image's size."""
        return self.processor.image_processor.post_process_masks(
            [pred_masks], [embedding.original_size], [embedding.reshaped_size]
        )[0]

    def _scale(self, embedding: Embedding, coords: np.ndarray) -> torch.Tensor:
        """Original-pixel (x, y, ...) coordinates to the model's input frame."""
        height, width = embedding.original_size
        new_h, new_w = embedding.reshaped_size
        scale = np.array([new_w / width, new_h / height] * (coords.shape[-1] // 2))
        return torch.as_tensor(coords * scale, dtype=torch.float32, device=self.device)

    @torch.inference_mode()
    def predict(
        self,
        image: Image.Image,
        *,
        points: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        boxes: np.ndarray | None = None,
        multimask: bool = True,
    ) -> Prediction:
        """Masks for points (N, 2) with labels (N,) 1=positive 0=negative, and/or boxes (B, 4).

        Each box is one prompt (the points join every box); points alone are one prompt.
        Coordinates are original-image pixels (x, y) and (x0, y0, x1, y1).
        """
        embedding = self.embed(image)
        prompts = max(1, 0 if boxes is None else len(boxes))
        kwargs: dict[str, Any] = dict(embedding.forward_kwargs)
        if points is not None and len(points):
            scaled = self._scale(embedding, np.asarray(points, dtype=np.float64))
            kwargs["input_points"] = scaled[None, None].expand(1, prompts, -1, -1)
            kwargs["input_labels"] = torch.as_tensor(labels, device=self.device)[None, None].expand(
                1, prompts, -1
            )
        if boxes is not None and len(boxes):
            kwargs["input_boxes"] = self._scale(embedding, np.asarray(boxes, dtype=np.float64))[None]
        return self._decode(embedding, kwargs, multimask)

    def _decode(self, embedding: Embedding, kwargs: dict[str, Any], multimask: bool) -> Prediction:
        output = self.model(multimask_output=multimask, **kwargs)
        masks = self._masks(output.pred_masks[0].float().cpu(), embedding)  # (P, K, H, W) bool
        scores = output.iou_scores[0].float().cpu()  # (P, K)
        order = torch.argsort(scores, dim=1, descending=True)
        masks = torch.take_along_dim(masks, order[..., None, None], dim=1)
        scores = torch.take_along_dim(scores, order, dim=1)
        return Prediction(masks.numpy(), scores.numpy())

    @torch.inference_mode()
    def everything(
        self,
        image: Image.Image,
        *,
        points_per_side: int = 16,
        min_score: float = 0.8,
        iou_threshold: float = 0.7,
        batch: int = 64,
        max_masks: int = 64,
    ) -> Prediction:
        """All object masks: a grid of single-point prompts, filtered and de-duplicated.

        Returns masks (M, 1, H, W) sorted by area (largest first), then score.
        """
        embedding = self.embed(image)
        height, width = embedding.original_size
        steps = (np.arange(points_per_side) + 0.5) / points_per_side
        grid = np.stack(np.meshgrid(steps * width, steps * height), -1).reshape(-1, 2)
        found_masks, found_scores = [], []
        for start in range(0, len(grid), batch):
            chunk = self._scale(embedding, grid[start : start + batch])
            kwargs = dict(embedding.forward_kwargs)
            kwargs["input_points"] = chunk[None, :, None, :]
            kwargs["input_labels"] = torch.ones(1, len(chunk), 1, dtype=torch.long, device=self.device)
            prediction = self._decode(embedding, kwargs, multimask=True)
            keep = (prediction.scores >= min_score) & prediction.masks.any(axis=(2, 3))
            found_masks.append(prediction.masks[keep])
            found_scores.append(prediction.scores[keep])
        masks = torch.from_numpy(np.concatenate(found_masks))
        scores = torch.from_numpy(np.concatenate(found_scores)).float()
        order = rank_everything(masks, scores, iou_threshold=iou_threshold, max_masks=max_masks)
        return Prediction(masks[order][:, None].numpy(), scores[order][:, None].numpy())


def rank_everything(
    masks: torch.Tensor, scores: torch.Tensor, *, iou_threshold: float, max_masks: int
) -> torch.Tensor:
    """Indices of (M, h, w) bool masks to keep: box-NMS de-duplicated, largest area first, then score."""
    from torchvision.ops import masks_to_boxes, nms

    if not len(masks):
        return torch.zeros(0, dtype=torch.long)
    keep = nms(masks_to_boxes(masks).float(), scores.float(), iou_threshold)
    areas = masks[keep].flatten(1).sum(1).tolist()
    order = sorted(range(len(keep)), key=lambda i: (-areas[i], -float(scores[keep[i]])))
    return keep[order[:max_masks]]
