"""The photos a concept is taught from: files, folders and globs expanded, each checked
(readable, a sensible shape), and cut to the training's square."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from pixelsmith.errors import UserError
from pixelsmith.images import load_image

MIN_IMAGES, MAX_IMAGES = 3, 200
MAX_ASPECT, MAX_SIZE_SPREAD, MIN_SIDE = 3.0, 8.0, 32
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def expand_sources(sources: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders become their image files (by suffix), sorted."""
    paths: list[Path] = []
    for source in sources:
        path = Path(source).expanduser()
        if path.is_dir():
            paths += sorted(
                p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
            )
        else:
            paths.append(path)
    return paths


def load_photos(sources: Iterable[str | Path], *, max_pixels: int = 40_000_000) -> list[Image.Image]:
    """Read and check the subject's photos (see the module docstring for the rules)."""
    paths = expand_sources(sources)
    if not MIN_IMAGES <= len(paths) <= MAX_IMAGES:
        raise UserError(
            f"need {MIN_IMAGES} to {MAX_IMAGES} photos of the subject, got {len(paths)}; "
            "5-20 varied photos work best"
        )
    images = [load_image(p, max_pixels=max_pixels) for p in paths]
    for path, image in zip(paths, images):
        short, long = sorted(image.size)
        if long / short > MAX_ASPECT:
            raise UserError(
                f"{path}: {image.width}x{image.height} is longer than 3:1; crop it nearer to square "
                "(training uses the centre square)"
            )
        if short < MIN_SIDE:
            raise UserError(
                f"{path}: {image.width}x{image.height} is too small; the shorter side must be ≥ 32 px"
            )
    shorts = [min(image.size) for image in images]
    big, small = int(np.argmax(shorts)), int(np.argmin(shorts))
    if shorts[big] / shorts[small] > MAX_SIZE_SPREAD:
        raise UserError(
            f"photos differ more than 8x in size ({paths[big].name}: {shorts[big]} px, "
            f"{paths[small].name}: {shorts[small]} px on the shorter side); use photos of similar size"
        )
    return images


def centre_square(image: Image.Image, size: int) -> Image.Image:
    """The centre square of `image`, resized to `size` x `size`."""
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side)).resize((size, size), Image.LANCZOS)
