"""Builders of tiny randomly initialised checkpoints for every model role.

Used by the test suite and by `pixelsmith tiny-models DIR`. The checkpoints go through
`save_pretrained` and are loaded back through the same registry code as real weights.
"""

from pixelsmith.testing.tiny import build_all, write_config

__all__ = ["build_all", "write_config"]
