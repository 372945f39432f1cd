"""One loader for every image and mask that enters pixelsmith.

Images come out as RGB `PIL.Image.Image`; masks as `numpy.ndarray` of shape (H, W),
dtype uint8, 0 = keep, 255 = edit (values in between are soft edges).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pixelsmith import keepsakes
from pixelsmith.errors import ImageError

Source = str | Path | bytes


def _name(source: Source) -> str:
    return "uploaded image" if isinstance(source, bytes) else str(source)


def _read_bytes(source: Source, max_bytes: int | None) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise ImageError(f"{path}: no such file; check the path")
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise ImageError(f"{path}: file is {size} bytes, over the {max_bytes}-byte limit")
        data = path.read_bytes()
    if not data:
        raise ImageError(f"{_name(source)}: file is empty (0 bytes); choose an image file")
    if max_bytes is not None and len(data) > max_bytes:
        raise ImageError(f"{_name(source)}: {len(data)} bytes is over the {max_bytes}-byte upload limit")
    return data


def _open(source: Source, *, max_pixels: int, max_bytes: int | None) -> Image.Image:
    data = _read_bytes(source, max_bytes)
    name = _name(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    f"{name}: {width}x{height} is {width * height} pixels, over the limit of "
                    f"{max_pixels}; downscale it first"
                )
            image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        # Pillow refuses before we see the size; its message has the pixel count from the header.
        found = re.search(r"\((\d+) pixels\)", str(err))
        count = f"{found[1]} pixels" if found else "more pixels than Pillow opens"
        raise ImageError(f"{name}: {count}, over the limit of {max_pixels}; downscale it first") from None
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not a readable image (PNG, JPEG, WebP, ...)") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageError(f"{name}: image is truncated or corrupt ({err})") from None
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any mode (RGBA, LA, P, CMYK, I;16, F, L, 1) to RGB; alpha composited on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = array.max() if array.size and array.max() > 0 else 1.0
        image = Image.fromarray(np.clip(array / top * 255.0, 0, 255).astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def load_image(source: Source, *, max_pixels: int = 40_000_000, max_bytes: int | None = None) -> Image.Image:
    """Read an image file or bytes as RGB with its EXIF orientation applied; what else it
    carries (ICC profile, EXIF, alpha) is in the result's `info` (`pixelsmith.keepsakes`).

    Raises `ImageError` (one line naming the file) for missing, empty, truncated,
    non-image or over-limit inputs.
    """
    image = _open(source, max_pixels=max_pixels, max_bytes=max_bytes)
    fmt = image.format  # gone from the copy exif_transpose makes
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError):
        pass  # a broken EXIF block should not make a good image unusable
    try:
        kept = keepsakes.taken(image)
    except (OSError, ValueError, SyntaxError):
        kept = {}  # a broken EXIF block: the pixels still count
    if fmt:
        kept[keepsakes.FORMAT] = fmt
    rgb = _to_rgb(image)
    rgb.info.update(kept)  # its ICC profile, EXIF and alpha go with it (pixelsmith.keepsakes)
    return rgb


def load_mask(source: Source, *, size: tuple[int, int], max_pixels: int = 40_000_000) -> np.ndarray:
    """Read a mask file as (H, W) uint8; white/opaque = edit.

    `size` is the (width, height) of the image it belongs to; a mask of any other size is
    refused, never stretched. A mask with an alpha channel uses the alpha channel.
    """
    image = _open(source, max_pixels=max_pixels, max_bytes=None)
    try:
        image = ImageOps.exif_transpose(image)  # as its image is: a phone's JPEG mask stays aligned
    except (OSError, ValueError, SyntaxError):
        pass
    if image.size != tuple(size):
        raise ImageError(
            f"{_name(source)}: mask is {image.size[0]}x{image.size[1]} but the image is "
            f"{size[0]}x{size[1]}; make a mask of the same size"
        )
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return _full_scale(np.asarray(image.convert("RGBA"))[..., 3].copy())
    if image.mode in ("L", "P", "1"):
        return _full_scale(np.asarray(image.convert("L")).copy())
    return _full_scale(np.asarray(_to_rgb(image).convert("L")).copy())


def _full_scale(mask: np.ndarray) -> np.ndarray:
    """A mask saved with the values 0 and 1 (label maps, numpy dumps) as 0 and 255."""
    if mask.size and mask.max() == 1:
        return mask * np.uint8(255)
    return mask


def check_mask(mask: np.ndarray, image: Image.Image, *, name: str = "mask") -> np.ndarray:
    """Validate an in-memory mask against its image and return it as (H, W) uint8."""
    if mask.ndim != 2:
        raise ImageError(f"{name}: expected a 2-D (H, W) mask, got shape {mask.shape}")
    if mask.shape != (image.height, image.width):
        raise ImageError(
            f"{name}: mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
            f"{image.width}x{image.height}; make a mask of the same size"
        )
    if mask.dtype == bool:
        return mask.astype(np.uint8) * 255
    if mask.dtype != np.uint8 and mask.size:
        low, high = float(mask.min()), float(mask.max())
        if np.issubdtype(mask.dtype, np.floating) and low >= 0.0 and high <= 1.0:
            return np.rint(mask * 255.0).astype(np.uint8)
        if not (low >= 0 and high <= 255) or not np.isfinite([low, high]).all():
            raise ImageError(
                f"{name}: mask values must be 0-255 (or 0-1, or True/False), got {low:g} to {high:g}"
            )
    return _full_scale(mask.astype(np.uint8, copy=False))


def check_image(image: Any, *, max_pixels: int, name: str = "image") -> Image.Image:
    """An in-memory image as the RGB image pixelsmith works on, within the pixel limit."""
    if not isinstance(image, Image.Image):
        raise ImageError(f"{name} must be a file path or a PIL image, got {type(image).__name__}")
    width, height = image.size
    if width * height > max_pixels:
        raise ImageError(
            f"{name} is {width}x{height} = {width * height:,} pixels, over limits.max_pixels "
            f"({max_pixels:,}); downscale it first"
        )
    if width < 1 or height < 1:
        raise ImageError(f"{name} is {width}x{height}: empty")
    rgb = _to_rgb(image)
    rgb.info.update(keepsakes.taken(image))  # its alpha, ICC profile and EXIF go with it
    return rgb


def mask_to_image(mask: np.ndarray) -> Image.Image:
    """(H, W) uint8 or bool mask as an 8-bit grayscale image (save it as PNG)."""
    if mask.dtype == bool:
        mask = mask.astype(np.uint8) * 255
    return Image.fromarray(mask, "L")


def content_hash(image: Image.Image) -> str:
    """Stable hash of an image's pixels and size (not of its file encoding)."""
    digest = hashlib.sha256()
    digest.update(f"{image.mode}:{image.width}x{image.height}".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()[:32]


def sample_photo() -> Image.Image:
    """The sample photo that ships with pixelsmith: a cat ("Chelsea", 451x300 RGB, CC0 by
    Stefan van der Walt, from scikit-image's data), for the UI's sample button and the bench."""
    from importlib import resources

    with resources.files("pixelsmith").joinpath("data", "cat.png").open("rb") as handle:
        return Image.open(handle).convert("RGB")
