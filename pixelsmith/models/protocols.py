"""What the tools ask of a model role's backend, as typed protocols: a new backend (SAM 2,
another detector) is one loader returning an object that meets its role's protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    from pixelsmith.models.sam import Prediction
    from pixelsmith.models.sam3 import Instances


@runtime_checkable
class Segmenter(Protocol):
    """Prompted masks (points with 1/0 labels and/or boxes, in image pixels), answered from
    a per-image embedding cached by content, and segment-everything. SAM, SlimSAM and SAM-HQ
    (`SamPredictor`), MobileSAM and FastSAM (the ultralytics segmenters) meet it."""

    def predict(
        self,
        image: Image.Image,
        *,
        points: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        boxes: np.ndarray | None = None,
        multimask: bool = True,
    ) -> Prediction: ...

    def everything(
        self, image: Image.Image, *, points_per_side: int = 16, min_score: float = 0.8
    ) -> Prediction: ...


@runtime_checkable
class TextSegmenter(Segmenter, Protocol):
    """A segmenter that also finds what a phrase names, each instance with its box, score and
    mask (SAM 3's `Sam3Segmenter`); `segment_text` needs one."""

    def find(
        self, image: Image.Image, labels: list[str], threshold: float, mask_threshold: float = 0.5
    ) -> Instances: ...
