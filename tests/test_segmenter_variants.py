"""Other SAM checkpoints through the same loader: SAM-HQ picks SamHQModel from its config."""

from __future__ import annotations

import numpy as np

from pixelsmith.config import Settings
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.testing.tiny import build_sam
from pixelsmith.tools import MemoryStore, ToolContext, default_tools


def test_sam_hq_checkpoint_segments_through_the_segment_tool(tmp_path):
    folder = build_sam(tmp_path / "sam-hq", hq=True)
    registry = ModelRegistry(Settings(segmenter={"model": str(folder), "backend": "sam"}, device="cpu"))
    store = MemoryStore()
    image = store.add("image", noise_image(100, 60))
    tool = default_tools().get("segment")
    ctx = ToolContext(registry, store)
    out = tool.run(tool.validate({"image": image, "points": [[30, 20], [80, 50, 0]]}), ctx)
    assert type(registry.get("segmenter").model).__name__ == "SamHQModel"
    assert len(out.masks) == 3 and all(m.shape == (60, 100) for m in out.masks)
    again = tool.run(tool.validate({"image": image, "boxes": [[10, 5, 90, 55]], "multimask": False}), ctx)
    assert registry.get("segmenter").encode_count == 1 and again.masks[0].dtype == np.uint8
