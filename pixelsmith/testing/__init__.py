"""Builders of tiny randomly initialised checkpoints for every model role.

Used by the test suite and by `pixelsmith tiny-models DIR`. The checkpoints go through
`save_pretrained` and are loaded back through the same registry code as real weights.
"""

from pixelsmith.testing.tiny import build_all, write_config

__all__ = ["build_all", "noise_image", "write_config"]


def noise_image(width: int, height: int, seed: int = 0):
    """A deterministic RGB noise image of the given size (PIL)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")
