"""Timing and memory with the device synchronised, and the benchmark's inputs (photo, mask)."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from PIL import Image


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def median_seconds(
    fn: Callable[[], Any], *, device: torch.device, repeats: int, warmup: bool = True
) -> float:
    """Median wall time of `fn` over `repeats` runs, after one untimed warm-up."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_seconds(
    ours: Callable[[], Any], plain: Callable[[], Any], *, device: torch.device, repeats: int
) -> tuple[float, float]:
    """Median wall times of `ours` and `plain`, run in turns (ours-plain, then plain-ours, ...)
    after one untimed warm-up each, so a machine that speeds up or slows down over the runs
    (a 2-core VM drifts by 5 % in a minute) weighs on both alike rather than on the one timed
    second. Profiled at full size, `instruct` and its plain pipeline call ran the same 260
    convolutions in 33.61 s against 33.63 s: a gap between them measured one after the other
    was the drift."""
    ours(), plain()
    times: dict[int, list[float]] = {0: [], 1: []}
    for turn in range(repeats):
        for which in (0, 1) if turn % 2 == 0 else (1, 0):
            sync(device)
            start = time.perf_counter()
            (ours, plain)[which]()
            sync(device)
            times[which].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def peak_memory_mb(device: torch.device) -> tuple[float, str]:
    """CUDA: max allocated since the last reset; else the process's RSS high-water mark."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, "cuda max allocated"
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, "process RSS high-water"


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def cat_photo() -> Image.Image:
    """The cat photo that ships with pixelsmith (451x300): the photo of the sample request."""
    from pixelsmith.images import sample_photo

    return sample_photo()


def variant(image: Image.Image, n: int) -> Image.Image:
    """`image` with pixel (0, 0) set from `n`: new content, so a new SAM cache key."""
    copy = image.copy()
    copy.putpixel((0, 0), (n % 256, n // 256 % 256, 7))
    return copy


def ellipse_mask(width: int, height: int) -> np.ndarray:
    """(H, W) uint8 0/255: a centred ellipse over 60% x 70% of the image."""
    y, x = np.ogrid[:height, :width]
    inside = ((x - width / 2) / (0.3 * width)) ** 2 + ((y - height / 2) / (0.35 * height)) ** 2 <= 1
    return np.where(inside, 255, 0).astype(np.uint8)
