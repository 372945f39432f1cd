"""MobileSAM and FastSAM through ultralytics: the optional `segmenter.backend = "ultralytics"`.

ultralytics is AGPL-3.0 and an opt-in extra (`pip install "pixelsmith[ultralytics]"`), so it
is imported only inside the functions here. As in ultralytics, the file NAME picks the
architecture: a name containing "FastSAM" is a FastSAM (YOLO-seg) checkpoint, a name ending
in mobile_sam.pt (or sam_b/sam_l/sam_h.pt) a SAM. Only existing files are ever handed to
ultralytics: given a bare asset name it would download it.

Both segmenters do their expensive work once per image, keyed by the content hash
(STYLE.md 3): MobileSAM caches the image encoder's features and answers each prompt with
the prompt encoder and mask decoder; FastSAM segments the whole image once and answers each
prompt by choosing among those masks. `encode_count` counts the expensive runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import torch
from PIL import Image

from pixelsmith.config import ModelSpec
from pixelsmith.errors import ModelMissingError, UserError
from pixelsmith.images import content_hash
from pixelsmith.runtime.sam import Prediction, rank_everything

SAM_NAMES = ("mobile_sam.pt", "sam_b.pt", "sam_l.pt", "sam_h.pt")  # ultralytics matches the name's end
MASK_BUDGET_BYTES = 512 * 1024**2  # float masks held at once while scaling to the image size


def model_family(path: Path) -> str:
    """'fastsam' or 'sam' from the file name, as ultralytics decides; anything else is a UserError."""
    if "fastsam" in path.name.lower():
        return "fastsam"
    if path.name.endswith(SAM_NAMES):
        return "sam"
    raise UserError(
        f"cannot tell the ultralytics model from the file name {path.name!r}: name a FastSAM "
        f"checkpoint with 'FastSAM' in it (FastSAM-s.pt) or end a SAM one in {' / '.join(SAM_NAMES)}"
    )


def configure_offline(data_dir: str | Path | None = None) -> None:
    """Keep ultralytics off the network: no online checks, no pip installs, a private config dir.

    Sets YOLO_OFFLINE=1, YOLO_AUTOINSTALL=0 and YOLO_CONFIG_DIR (`<data_dir>/ultralytics`, or a
    temporary folder when that is not writable) unless the user already set them. Takes effect
    only before ultralytics is first imported.
    """
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "0")
    if os.environ.get("YOLO_CONFIG_DIR"):
        return
    data_dir = data_dir or os.environ.get("PIXELSMITH_DATA_DIR") or platformdirs.user_data_dir("pixelsmith")
    config_dir = Path(data_dir).expanduser() / "ultralytics"
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        config_dir = Path(tempfile.mkdtemp(prefix="pixelsmith-ultralytics-"))
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)


def _system_font() -> Path | None:
    """A TTF on this machine: matplotlib's DejaVuSans.ttf (found without importing it), else a system font."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    for root in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(root) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    for folder in ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts"):
        found = next(Path(folder).rglob("*.ttf"), None) if Path(folder).is_dir() else None
        if found is not None:
            return found
    return None


def _install_font() -> None:
    """Put a TTF named Arial.ttf where ultralytics looks, so plotting never fetches it."""
    from ultralytics.utils import USER_CONFIG_DIR

    target = Path(USER_CONFIG_DIR) / "Arial.ttf"
    source = None if target.exists() else _system_font()
    if source is not None:
        try:
            shutil.copyfile(source, target)
        except OSError:
            pass  # a read-only config dir: plotting is not used by pixelsmith


def _undo_global_patches(numpy_print: dict[str, Any] | None) -> None:
    """Take back what importing ultralytics changes for the whole process.

    It replaces `PIL.Image.open` with a wrapper that, on an unidentifiable file, pip-installs
    pi-heif (or raises ModuleNotFoundError instead of UnidentifiedImageError), and it sets
    numpy's print options. pixelsmith passes arrays to ultralytics, so neither is needed.
    """
    from ultralytics.utils import patches

    if Image.open is getattr(patches, "image_open", None):
        Image.open = patches._image_open
    if numpy_print is not None:
        np.set_printoptions(**numpy_print)


def import_ultralytics(data_dir: str | Path | None = None) -> Any:
    """The ultralytics module, configured offline; a UserError naming the extra if it is missing."""
    numpy_print = None
    if "ultralytics" not in sys.modules:
        configure_offline(data_dir)
        numpy_print = np.get_printoptions()
    try:
        import ultralytics
    except ImportError as err:
        extra = 'pip install "pixelsmith[ultralytics]"'
        raise UserError(f"the ultralytics segmenter backend needs the optional extra: {extra}") from err
    _undo_global_patches(numpy_print)
    _install_font()
    return ultralytics


def _bgr(image: Image.Image) -> np.ndarray:
    """HWC uint8 BGR, the order ultralytics expects of numpy images."""
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[..., ::-1])


def _to_bool(masks: torch.Tensor) -> np.ndarray:
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

    @classmethod
    def load(
        cls, spec: ModelSpec, *, device: torch.device | str = "cpu", data_dir: str | Path | None = None
    ) -> UltralyticsSegmenter:
        """The segmenter for the checkpoint FILE `spec.model`, chosen by its name.

        A missing file is a `ModelMissingError`; ultralytics not installed is a `UserError`.
        `data_dir` holds ultralytics' settings (default: $PIXELSMITH_DATA_DIR or the user data dir).
        """
        path = Path(spec.model).expanduser()
        if not path.is_file():
            raise ModelMissingError(
                f"the segmenter model file {spec.model} does not exist; download mobile_sam.pt or "
                "FastSAM-s.pt from the ultralytics assets release "
                "(https://github.com/ultralytics/assets/releases) and set segmenter.model to its path"
            )
        family = model_family(path)
        ultralytics = import_ultralytics(data_dir)
        device = torch.device(device)
        if family == "fastsam":
            return FastSamSegmenter(ultralytics.FastSAM(str(path)), device=device)
        from ultralytics.models.sam import Predictor

        model = ultralytics.SAM(str(path))
        predictor = Predictor(overrides=dict(imgsz=1024, device=str(device), verbose=False, save=False))
        predictor.setup_model(model=model.model, verbose=False)
        return MobileSamSegmenter(model, predictor, device=device)

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
        self.predictor.set_image(_bgr(image))  # letterbox to 1024, normalise, run the image encoder
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
        return Prediction(_to_bool(masks), scores.cpu().numpy().astype(np.float32))

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
            out[start : start + step] = _to_bool(scale_masks(chunk, (height, width))[0] > 0.5)
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
            _bgr(image), conf=self.conf, iou=self.iou, retina_masks=False, verbose=False,
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
