"""FastSAM through ultralytics: one YOLO-seg pass per image, prompts answered from its masks.

Loaded by `pixelsmith.models.ultralytics_load`; the shared interface and its cache are
`pixelsmith.models.ultralytics_sam.UltralyticsSegmenter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from pixelsmith.models.sam import Prediction
from pixelsmith.models.ultralytics_sam import MASK_BUDGET_BYTES, UltralyticsSegmenter, bgr, to_bool


@dataclass
class Segments:
    """FastSAM's masks of one image: (M, h, w) bool at the letterboxed model input, scores (M,)."""

    masks: torch.Tensor
    scores: np.ndarray  # detector confidence in [0, 1]
    original_size: tuple[int, int]  # (H, W) of the image

    def to_input(self, coords: np.ndarray) -> np.ndarray:
        """Image (x, y, ...) coordinates to the letterboxed mask frame: `scale_masks` inverted."""
        (h0, w0), (h, w) = self.original_size, self.masks.shape[1:]
        gain = min(h / h0, w / w0)
        left = round((w - max(round(w0 * gain), 1)) / 2 - 0.1)
        top = round((h - max(round(h0 * gain), 1)) / 2 - 0.1)
        return np.asarray(coords, np.float64) * gain + np.array([left, top] * (coords.shape[-1] // 2))

    def to_image(self, masks: torch.Tensor) -> np.ndarray:
        """(n, h, w) masks of this frame as (n, H, W) bool at the image size, a budget's worth at a time."""
        from ultralytics.utils.ops import scale_masks

        height, width = self.original_size
        out = np.zeros((len(masks), height, width), bool)
        step = max(1, MASK_BUDGET_BYTES // (4 * height * width))
        for start in range(0, len(masks), step):
            chunk = masks[start : start + step][None].float()
            out[start : start + step] = to_bool(scale_masks(chunk, (height, width))[0] > 0.5)
        return out


class FastSamSegmenter(UltralyticsSegmenter):
    """FastSAM: one YOLO-seg pass per image finds every mask; prompts choose among them.

    Point-only prompts keep the masks holding a positive point and no negative one, scored by
    the detector's confidence; a box prompt ranks masks by their IoU with the box and reports
    that IoU (the rules of ultralytics' `FastSAMPredictor.prompt`, kept apart per prompt).
    When no mask fits a prompt, that prompt gets one all-False mask with score 0.0, so the
    shapes (P, K >= 1, H, W) hold and the tool reports a 0 px mask. "everything" compares
    `min_score` with the detector's confidence, which runs lower than SAM's predicted IoU
    (FastSAM's own cut is 0.4); it needs no grid, so `points_per_side` and `batch` are unused.
    """

    def __init__(self, model: Any, *, device: torch.device, cache_size: int = 8) -> None:
        super().__init__(model, device=device, cache_size=cache_size)
        self.conf = 0.25  # detector confidence threshold of the whole-image pass
        self.iou = 0.9  # its NMS IoU: high, so parts survive next to wholes (FastSAM's advice)
        self.imgsz: int | None = None  # None: the checkpoint's own training size

    @torch.inference_mode()
    def _encode(self, image: Image.Image) -> Segments:
        extra = {"imgsz": self.imgsz} if self.imgsz else {}
        result = self.model.predict(
            bgr(image), conf=self.conf, iou=self.iou, retina_masks=False, verbose=False,
            device=str(self.device), **extra,
        )[0]  # fmt: skip
        size = tuple(result.orig_shape)
        if result.masks is None or not len(result):
            return Segments(torch.zeros((0, 1, 1), dtype=torch.bool), np.zeros(0, np.float32), size)
        return Segments(result.masks.data.bool().cpu(), result.boxes.conf.float().cpu().numpy(), size)

    @staticmethod
    def _allowed(found: Segments, points: np.ndarray | None, labels: np.ndarray | None) -> np.ndarray:
        """(M,) bool: masks holding a positive point (any, if none is positive) and no negative point."""
        allowed = np.ones(len(found.masks), bool)
        if points is None or not len(found.masks):
            return allowed
        _, h, w = found.masks.shape
        xy = np.rint(found.to_input(points)).astype(int)
        hits = found.masks[:, np.clip(xy[:, 1], 0, h - 1), np.clip(xy[:, 0], 0, w - 1)].numpy()  # (M, N)
        if (labels == 1).any():
            allowed &= hits[:, labels == 1].any(axis=1)
        return allowed & ~hits[:, labels == 0].any(axis=1)

    @staticmethod
    def _choose(found: Segments, allowed: np.ndarray, box: np.ndarray | None, k: int):
        """Up to k (indices, scores) for one prompt, best first."""
        if box is None:
            scores = np.where(allowed, found.scores, -1.0)
        else:
            _, h, w = found.masks.shape
            x0, y0, x1, y1 = np.rint(found.to_input(box)).astype(int)
            (x0, x1), (y0, y1) = np.clip([x0, x1], 0, w), np.clip([y0, y1], 0, h)
            inside = found.masks[:, y0:y1, x0:x1].sum(dim=(1, 2)).numpy().astype(np.float64)
            union = (x1 - x0) * (y1 - y0) + found.masks.sum(dim=(1, 2)).numpy() - inside
            scores = np.where(allowed & (inside > 0), inside / np.maximum(union, 1), -1.0)
        order = np.argsort(-scores, kind="stable")[:k]
        order = order[scores[order] >= 0]
        return order, scores[order].astype(np.float32)

    def _predict(self, found: Segments, image, points, labels, boxes, multimask: bool) -> Prediction:
        allowed = self._allowed(found, points, labels)
        prompts = [None] if boxes is None else list(boxes)
        chosen = [self._choose(found, allowed, box, 3 if multimask else 1) for box in prompts]
        k = max(1, *(len(index) for index, _ in chosen))
        masks = np.zeros((len(prompts), k, image.height, image.width), bool)
        scores = np.zeros((len(prompts), k), np.float32)
        for p, (index, score) in enumerate(chosen):
            if len(index):
                masks[p, : len(index)] = found.to_image(found.masks[torch.from_numpy(index)])
                scores[p, : len(index)] = score
        return Prediction(masks, scores)

    def _candidates(self, found: Segments, image, points_per_side: int, batch: int, min_score: float):
        return found.masks, torch.from_numpy(found.scores)

    def _full_size(self, found: Segments, masks: torch.Tensor) -> np.ndarray:
        return found.to_image(masks)
