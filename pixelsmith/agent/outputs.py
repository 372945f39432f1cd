"""Turning a tool's output into workspace artifacts (the step's record of what it made)."""

from __future__ import annotations

from typing import Any

from pixelsmith.diffusion import ImagesOutput
from pixelsmith.tools import detect, rank, refine_mask, segment, train_concept
from pixelsmith.workspace import Workspace


def store(workspace: Workspace, step_index: int, tool: str, args: dict, output: Any) -> tuple[list[str], str]:
    """Add the output's artifacts; returns (ids best first, kind of output)."""
    parents = [args[k] for k in ("image", "mask", "detection", "other") if isinstance(args.get(k), str)]
    meta = {"parents": parents, "tool": tool, "step": step_index}
    record = workspace.record
    if isinstance(output, detect.Output):
        note = f"{len(output.detections)} found for {', '.join(output.labels)}"
        return [workspace.add_detections(output, note=note, **meta)], "detection"
    if isinstance(output, segment.Output):
        ids = [
            workspace.add_mask(m, note=f"score {s:.2f}", **meta) for m, s in zip(output.masks, output.scores)
        ]
        for artifact in record.artifacts[-len(ids) :]:
            artifact.candidates = ids
        record.last_masks = ids
        return ids, "masks"
    if isinstance(output, refine_mask.Output):
        return [workspace.add_mask(output.mask, note="refined", **meta)], "mask"
    if isinstance(output, ImagesOutput):
        prompt = args.get("prompt") or args.get("object") or ""
        ids = [
            workspace.add_image(img, note=f"{prompt} (seed {seed})".strip(), **meta)
            for img, seed in zip(output.images, output.seeds)
        ]
        for artifact in record.artifacts[-len(ids) :]:
            artifact.candidates = ids
        workspace.set_current(ids[0])  # and its step the last edit
        return ids, "images"
    if isinstance(output, rank.Output):
        return [], "scores"
    if isinstance(output, train_concept.Output):
        return [], "concept"
    raise TypeError(f"no way to store the output of {tool}: {type(output).__name__}")
