"""The upscaler role: a super-resolution network loaded by spandrel (MIT) from a safetensors
state dict (Real-ESRGAN x4plus by default; SwinIR, HAT and the other architectures spandrel
knows load the same way), run in overlapping tiles so a 12 MP photo fits in memory.

`Upscaler.upscale` cuts the photo into tiles of `tile` px with `overlap` px on each side,
runs each through the network, keeps each tile's middle (the overlap only gives the edges
their context) and pastes it at `scale` times its place; progress is per tile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pixelsmith.errors import ModelMissingError


@dataclass
class Upscaler:
    """A loaded network (`spandrel` descriptor) on `device`, and its scale."""

    model: Any
    scale: int
    device: Any
    dtype: Any

    def upscale(
        self,
        image: Image.Image,
        *,
        tile: int = 256,
        overlap: int = 16,
        on_tile: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Image.Image:
        """`image` (RGB) at `scale` times its size, tile by tile."""
        import torch

        pixels = np.asarray(image.convert("RGB"), np.float32) / 255.0
        height, width = pixels.shape[:2]
        out = np.zeros((height * self.scale, width * self.scale, 3), np.uint8)
        boxes = [(x, y) for y in range(0, height, tile) for x in range(0, width, tile)]
        for number, (x, y) in enumerate(boxes, start=1):
            if cancelled is not None and cancelled():
                break
            x0, y0 = max(0, x - overlap), max(0, y - overlap)
            x1, y1 = min(width, x + tile + overlap), min(height, y + tile + overlap)
            part = torch.from_numpy(pixels[y0:y1, x0:x1]).permute(2, 0, 1)[None]
            with torch.inference_mode():
                made = self.model(part.to(self.device, self.dtype)).float().clamp(0, 1)
            made = (made[0].permute(1, 2, 0).cpu().numpy() * 255.0).round().astype(np.uint8)
            s = self.scale
            keep_x, keep_y = (x - x0) * s, (y - y0) * s
            w, h = (min(width, x + tile) - x) * s, (min(height, y + tile) - y) * s
            out[y * s : y * s + h, x * s : x * s + w] = made[keep_y : keep_y + h, keep_x : keep_x + w]
            if on_tile is not None:
                on_tile(number, len(boxes))
        return Image.fromarray(out, "RGB")


def open_upscaler(path: Path, *, device: Any, dtype: Any) -> Upscaler:
    """The network in `path` (a safetensors state dict), as spandrel recognises it."""
    import spandrel
    import torch
    from safetensors.torch import load_file

    state = load_file(str(path))
    try:
        found = spandrel.ModelLoader().load_from_state_dict(state)
    except Exception as err:  # spandrel names what it could not recognise
        raise ModelMissingError(
            f"{path} is no upscaler spandrel knows ({err}); choose another file"
        ) from None
    if not isinstance(found, spandrel.ImageModelDescriptor):
        raise ModelMissingError(f"{path} is a {found.purpose} model, not an upscaler")
    half = dtype == torch.float16 and found.supports_half
    found.to(device).eval()
    if half:
        found.half()
    return Upscaler(found, int(found.scale), device, torch.float16 if half else torch.float32)
