"""The eraser role: LaMa as an ONNX graph run by ONNX Runtime (an .onnx file is a graph and
its weights, not a pickle). `Eraser.fill` takes a crop and its mask at any size and works at
the graph's input size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pixelsmith.errors import ModelMissingError


@dataclass
class Eraser:
    session: Any  # onnxruntime.InferenceSession
    image_input: str
    mask_input: str
    size: tuple[int, int]  # (width, height) the graph takes
    output_scale: float

    def fill(self, crop: Image.Image, mask: np.ndarray) -> Image.Image:
        """`crop` with the white of `mask` (same size) filled in, at `crop`'s size."""
        image = np.asarray(crop.convert("RGB").resize(self.size, Image.BICUBIC), np.float32) / 255.0
        hole = Image.fromarray(mask).resize(self.size, Image.NEAREST)
        hole = (np.asarray(hole) > 127).astype(np.float32)
        feeds = {self.image_input: image.transpose(2, 0, 1)[None], self.mask_input: hole[None, None]}
        (out,) = self.session.run(None, feeds)
        pixels = np.clip(out[0].transpose(1, 2, 0) * (255.0 / self.output_scale), 0, 255)
        return Image.fromarray(np.rint(pixels).astype(np.uint8)).resize(crop.size, Image.BICUBIC)


def open_eraser(path: Path, *, cuda: bool, output_scale: float) -> Eraser:
    """An ONNX Runtime session for the graph at `path` (CUDA when asked and installed)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ModelMissingError("the eraser needs onnxruntime; pip install onnxruntime") from None
    wanted = ["CUDAExecutionProvider", "CPUExecutionProvider"] if cuda else ["CPUExecutionProvider"]
    providers = [p for p in wanted if p in ort.get_available_providers()]
    session = ort.InferenceSession(str(path), providers=providers)
    inputs = {i.name: i for i in session.get_inputs()}
    if not {"image", "mask"} <= set(inputs):
        names = ", ".join(inputs)
        raise ModelMissingError(f"{path} is not a LaMa graph: its inputs are {names}, not image and mask")
    height, width = (dim if isinstance(dim, int) else 512 for dim in inputs["image"].shape[2:4])
    return Eraser(session, "image", "mask", (width, height), output_scale)
