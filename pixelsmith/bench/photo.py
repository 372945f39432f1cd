"""The `everyday` figures (issue 24): the everyday operations through their tools beside the
plain Pillow call, and the upscaler (tiled) beside the plain spandrel call on the whole photo:
speed in input megapixels a second, and on CUDA the peak memory of each."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image, ImageEnhance

from pixelsmith.bench.measure import peak_memory_mb, reset_peak
from pixelsmith.bench.report import Figure

TINY_SIDE = 160  # px: the tiny benchmark's upscale photo


class PhotoFigures:
    """Mixed into `Bench`: uses its `models`, `options`, `store`, `photo`, `device`, `tool` and `time`."""

    models: Any
    options: Any
    store: Any
    photo: Image.Image
    device: torch.device

    def everyday(self) -> list[Figure]:
        scale = self.options.size / max(self.photo.size)
        photo = self.photo.resize((round(self.photo.width * scale), round(self.photo.height * scale)))
        image_id = self.store.add("image", photo)
        tone = self.time(lambda: self.tool("adjust", image=image_id, brightness=1.2, contrast=1.1))  # type: ignore[attr-defined]
        plain_tone = self.time(  # type: ignore[attr-defined]
            lambda: ImageEnhance.Contrast(ImageEnhance.Brightness(photo).enhance(1.2)).enhance(1.1)
        )
        turn = self.time(lambda: self.tool("rotate", image=image_id, degrees=15))  # type: ignore[attr-defined]
        plain_turn = self.time(  # type: ignore[attr-defined]
            lambda: photo.rotate(-15, resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255))
        )
        detail = {"photo": list(photo.size)}
        return [
            Figure("photo.adjust", "adjust: brightness and contrast", "ms", tone * 1e3, plain_tone * 1e3,
                   note="the plain column is ImageEnhance on the same photo", detail=detail),
            Figure("photo.rotate", "rotate 15 degrees on a wider canvas", "ms", turn * 1e3, plain_turn * 1e3,
                   note="the plain column is Image.rotate(expand=True)", detail=detail),
            *self._upscale(photo),
        ]  # fmt: skip

    def _upscale(self, photo: Image.Image) -> list[Figure]:
        if self.options.architecture == "tiny":  # seconds, not a minute, on one thread
            photo = photo.resize((TINY_SIDE, round(photo.height * TINY_SIDE / photo.width)))
        image_id = self.store.add("image", photo)
        upscaler = self.models.get("upscaler")
        megapixels = photo.width * photo.height / 1e6
        tiled = self.time(lambda: self.tool("upscale", image=image_id, scale=upscaler.scale))  # type: ignore[attr-defined]
        pixels = torch.from_numpy(np.asarray(photo, np.float32) / 255.0).permute(2, 0, 1)[None]

        def plain() -> None:  # the network on the whole photo at once, as spandrel's README calls it
            with torch.inference_mode():
                upscaler.model(pixels.to(upscaler.device, upscaler.dtype)).float().clamp(0, 1).cpu()

        whole = self.time(plain)  # type: ignore[attr-defined]
        figures = [
            Figure("photo.upscale", f"upscale {upscaler.scale}x (tiles of 256 px)", "MP/s",
                   megapixels / tiled, megapixels / whole, lower_is_better=False,
                   note="input megapixels a second; the plain column is the network on the whole photo",
                   detail={"photo": list(photo.size), "scale": upscaler.scale}),
        ]  # fmt: skip
        if self.device.type == "cuda":
            reset_peak(self.device)
            self.tool("upscale", image=image_id, scale=upscaler.scale)  # type: ignore[attr-defined]
            ours, how = peak_memory_mb(self.device)
            reset_peak(self.device)
            plain()
            untiled, _ = peak_memory_mb(self.device)
            figures.append(
                Figure("photo.upscale_memory", "upscale peak memory", "MB", ours, untiled, note=how)
            )
        return figures
