"""MobileSAM and FastSAM through ultralytics, running: the optional `segmenter.backend = "ultralytics"`.

Both segmenters do their expensive work once per image, keyed by the content hash
(STYLE.md 3): MobileSAM caches the image encoder's features and answers each prompt with
the prompt encoder and mask decoder; FastSAM (`pixelsmith.models.ultralytics_fastsam`)
segments the whole image once and answers each prompt by choosing among those masks.
`encode_count` counts the expensive runs. Finding the checkpoint and importing ultralytics
offline is `pixelsmith.models.ultralytics_load`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import torch
from PIL import Image

from pixelsmith.images import content_hash
from pixelsmith.models.sam import Prediction, rank_everything
from pixelsmith.models.ultralytics_load import import_ultralytics

# import_ultralytics is re-exported for `pixelsmith.testing.tiny_ultralytics`, which imports it from here.
__all__ = ["MobileSamSegmenter", "UltralyticsSegmenter", "import_ultralytics"]

MASK_BUDGET_BYTES = 512 * 1024**2  # float masks held at once while scaling to the image size


def bgr(image: Image.Image) -> np.ndarray:
    """HWC uint8 BGR, the order ultralytics expects of numpy images."""
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[..., ::-1])


def to_bool(masks: torch.Tensor) -> np.ndarray:
    return masks.bool().cpu().numpy()


class UltralyticsSegmenter:
    """`SamPredictor`'s interface (`predict`, `everything`) over an ultralytics MobileSAM or FastSAM.

    `load` returns a `MobileSamSegmenter` or a `FastSamSegmenter`; both cache their
    per-image work by content hash and count it in `encode_count`.
    """

    def __init__(self, model: Any, *, device: torch.device, cache_size: int = 8) -> None:
        self.model = model  # the ultralytics SAM / FastSAM wrapper (a torch Module)
        self.device = device
        self.cache_size = cache_size
        self.encode_count = 0
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()  # ultralytics predictors keep per-image state

    def _encoded(self, image: Image.Image) -> Any:
        """The cached per-image work for `image`, running `_encode` on first sight."""
        key = content_hash(image)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            encoded = self._encode(image)
            self.encode_count += 1
            self._cache[key] = encoded
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return encoded

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
        Coordinates are image pixels (x, y) and (x0, y0, x1, y1). Returns masks (P, K, H, W)
        bool at the image size and scores (P, K), best first; K <= 3, 1 without `multimask`.
        """
        points = None if points is None or not len(points) else np.asarray(points, np.float64).reshape(-1, 2)
        boxes = None if boxes is None or not len(boxes) else np.asarray(boxes, np.float64).reshape(-1, 4)
        if points is None and boxes is None:
            raise ValueError("predict needs points or boxes")
        if points is not None:
            labels = np.ones(len(points), np.int32) if labels is None else np.asarray(labels, np.int32)
            if labels.shape != (len(points),):
                raise ValueError(f"labels must have shape ({len(points)},), got {labels.shape}")
        return self._predict(self._encoded(image), image, points, labels, boxes, multimask)

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
        """All object masks (M, 1, H, W) bool, sorted by area (largest first), then score.

        Masks scoring under `min_score` are dropped and near-duplicates (box IoU above
        `iou_threshold`) removed; at most `max_masks` are returned.
        """
        found = self._encoded(image)
        masks, scores = self._candidates(found, image, points_per_side, batch, min_score)
        keep = (scores >= min_score) & masks.flatten(1).any(dim=1)
        masks, scores = masks[keep], scores[keep]
        if not len(masks):
            return Prediction(np.zeros((0, 1, image.height, image.width), bool), np.zeros((0, 1), np.float32))
        order = rank_everything(masks, scores, iou_threshold=iou_threshold, max_masks=max_masks)
        return Prediction(self._full_size(found, masks[order])[:, None], scores[order][:, None].numpy())

    # What each model supplies.
    def _encode(self, image: Image.Image) -> Any:
        raise NotImplementedError

    def _predict(self, found, image, points, labels, boxes, multimask: bool) -> Prediction:
        raise NotImplementedError

    def _candidates(self, found, image, points_per_side: int, batch: int, min_score: float):
        """Candidate masks (M, h, w) bool and scores (M,) (a tensor each), those under `min_score` may go."""
        raise NotImplementedError

    def _full_size(self, found, masks: torch.Tensor) -> np.ndarray:
        """Candidate masks as (M, H, W) bool at the image size."""
        raise NotImplementedError


class MobileSamSegmenter(UltralyticsSegmenter):
    """A SAM-family model (MobileSAM) on ultralytics' SAM `Predictor`; features cached per image.

    Scores are the decoder's predicted IoU, as with the transformers SAM. "everything" prompts
    a grid of `points_per_side`^2 single points, 3 candidates each, `batch` points at a time.
    """

    def __init__(self, model: Any, predictor: Any, *, device: torch.device, cache_size: int = 8) -> None:
        super().__init__(model, device=device, cache_size=cache_size)
        self.predictor = predictor

    @torch.inference_mode()
    def _encode(self, image: Image.Image) -> torch.Tensor:
        self.predictor.set_image(bgr(image))  # letterbox to 1024, normalise, run the image encoder
        features = self.predictor.features
        self.predictor.reset_image()
        return features

    def _decode(
        self, features: torch.Tensor, size: tuple[int, int], multimask: bool, **prompts
    ) -> Prediction:
        """Masks for P prompts, given as ultralytics' `inference_features` takes them."""
        decode = self.predictor.inference_features
        masks, boxes = decode(features, size, multimask_output=multimask, **prompts)
        k = 3 if multimask else 1
        scores = boxes[:, 4].float().reshape(-1, k)
        masks = masks.reshape(-1, k, *size)  # (P*K, H, W) -> (P, K, H, W)
        order = torch.argsort(scores, dim=1, descending=True)
        masks = torch.take_along_dim(masks, order[..., None, None], dim=1)
        scores = torch.take_along_dim(scores, order, dim=1)
        return Prediction(to_bool(masks), scores.cpu().numpy().astype(np.float32))

    def _predict(self, found, image, points, labels, boxes, multimask: bool) -> Prediction:
        prompts: dict[str, np.ndarray] = {}
        count = 1 if boxes is None else len(boxes)
        if points is not None:
            prompts["points"] = np.repeat(points[None], count, axis=0)  # (P, N, 2): one prompt per box
            prompts["labels"] = np.repeat(labels[None], count, axis=0)  # (P, N)
        if boxes is not None:
            prompts["bboxes"] = boxes
        return self._decode(found, (image.height, image.width), multimask, **prompts)

    def _candidates(self, found, image, points_per_side: int, batch: int, min_score: float):
        height, width = image.height, image.width
        steps = (np.arange(points_per_side) + 0.5) / points_per_side
        grid = np.stack(np.meshgrid(steps * width, steps * height), -1).reshape(-1, 1, 2)
        batch = max(1, min(batch, MASK_BUDGET_BYTES // (3 * 4 * height * width)))
        masks, scores = [], []
        for start in range(0, len(grid), batch):
            chunk = grid[start : start + batch]
            decoded = self._decode(
                found, (height, width), True, points=chunk, labels=np.ones((len(chunk), 1))
            )
            keep = decoded.scores >= min_score  # drop early: every mask here is at the image size
            masks.append(torch.from_numpy(decoded.masks[keep]))
            scores.append(torch.from_numpy(decoded.scores[keep]))
        return torch.cat(masks), torch.cat(scores)

    def _full_size(self, found, masks: torch.Tensor) -> np.ndarray:
        return masks.numpy()  # decoded at the image size already
