"""Builders of tiny randomly initialised checkpoints for every model role.

Used by the test suite and by `pixelsmith tiny-models DIR`. The checkpoints go through
`save_pretrained` and are loaded back through the same registry code as real weights.
"""

from pathlib import Path

from pixelsmith.testing.tiny import IP_ADAPTER_DIR, ROLE_DIRS, build_roles, write_config
from pixelsmith.testing.tiny_adapters import build_ip_adapter
from pixelsmith.testing.tiny_backends import build_alternatives

__all__ = ["build_all", "noise_image", "write_config"]


def build_all(root: str | Path) -> dict[str, Path]:
    """Every role's tiny checkpoint, then the other backends' (`grounding-dino/`, `sam2/`,
    `sdxl/`, ...) and the IP-Adapter for both inpainters under `root`; returns {role: folder}
    of the defaults."""
    root = Path(root)
    folders = build_roles(root)
    build_alternatives(root)
    build_ip_adapter(root / IP_ADAPTER_DIR, sd=root / ROLE_DIRS["inpainter"], xl=root / "sdxl-inpaint")
    return folders


def noise_image(width: int, height: int, seed: int = 0):
    """A deterministic RGB noise image of the given size (PIL)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")
