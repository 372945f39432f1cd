"""One contract every registered tool passes, built-in or plug-in, on the tiny checkpoints:
it runs through the executor on an example call, its output is of its declared type with a
one-line summary, storing it makes artifacts of the kind it declares (an image edit becomes
the current image), and the models it loads are exactly the roles it declares for the call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import get_args

import numpy as np
import pytest

from pixelsmith.artifacts import OutputKind
from pixelsmith.config import load_settings
from pixelsmith.execution.local import LocalExecutor, ToolCall
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.tools import default_tools
from pixelsmith.workspace import Workspace

PLUGIN_DIR = Path(__file__).parent / "plugin_pkg"


def _session(data_dir: Path) -> tuple[Workspace, dict[str, str]]:
    ws = Workspace.create(data_dir)
    photos = [ws.add_image(noise_image(64, 48, seed=s), tool="upload") for s in range(3)]
    ws.set_current(photos[0])
    mask = np.zeros((48, 64), np.uint8)
    mask[12:36, 16:48] = 255
    return ws, {"image": photos[0], "mask": ws.add_mask(mask, tool="upload"), "photos": photos}


# An example call per tool, from the session's ids. A new tool adds its line here.
EXAMPLES: dict[str, Callable[[dict], dict]] = {
    "detect": lambda ids: {"image": ids["image"], "labels": ["cat", "dog"], "threshold": 0.0},
    "segment_text": lambda ids: {"image": ids["image"], "labels": "cat, dog", "threshold": 0.0},
    "segment": lambda ids: {"image": ids["image"], "points": [[30, 20]], "multimask": True},
    "refine_mask": lambda ids: {"mask": ids["mask"], "grow": 3, "feather": 2.0},
    "inpaint": lambda ids: {
        "image": ids["image"],
        "mask": ids["mask"],
        "prompt": "a dragon",
        "num_inference_steps": 2,
        "seed": 1,
        "num_candidates": 2,
    },
    "remove": lambda ids: {"image": ids["image"], "mask": ids["mask"], "num_inference_steps": 2, "seed": 1},
    "generate": lambda ids: {
        "prompt": "a lighthouse",
        "num_inference_steps": 2,
        "seed": 1,
        "width": 64,
        "height": 64,
    },
    "restyle": lambda ids: {
        "image": ids["image"],
        "prompt": "a pencil sketch",
        "num_inference_steps": 2,
        "seed": 1,
        "num_candidates": 2,
    },
    "outpaint": lambda ids: {
        "image": ids["image"],
        "left": 16,
        "bottom": 8,
        "num_inference_steps": 2,
        "seed": 1,
    },
    "instruct": lambda ids: {
        "image": ids["image"],
        "mask": ids["mask"],
        "prompt": "make it winter",
        "num_inference_steps": 2,
        "seed": 1,
        "num_candidates": 2,
    },
    "rank": lambda ids: {"images": ids["photos"], "text": "a cat"},
    "train_concept": lambda ids: {
        "name": "rex",
        "class_word": "dog",
        "images": ids["photos"],
        "steps": 2,
        "resolution": 64,
        "prior_preservation": False,
        "inpaint": True,
    },
    "blur": lambda ids: {"image": ids["image"], "mask": ids["mask"], "strength": 0.5},
    "adjust": lambda ids: {"image": ids["image"], "mask": ids["mask"], "brightness": 1.2, "sepia": True},
    "crop": lambda ids: {"image": ids["image"], "around": ids["mask"], "aspect": "1:1"},
    "rotate": lambda ids: {"image": ids["image"], "degrees": -30},
    "flip": lambda ids: {"image": ids["image"], "direction": "vertical"},
    "perspective": lambda ids: {"image": ids["image"], "vertical": 0.3, "horizontal": -0.2},
    "resize": lambda ids: {"image": ids["image"], "width": 40},
    "upscale": lambda ids: {"image": ids["image"], "scale": 2, "tile": 32},
    "cutout": lambda ids: {"image": ids["image"], "mask": ids["mask"]},
    "place": lambda ids: {"image": ids["image"], "anchor": ids["mask"], "object": "a hat"},
}

BACKENDS = {"segment_text": {"segmenter": {"model": "sam3", "backend": "sam3"}}}  # role: tiny folder, backend


@pytest.fixture(scope="module")
def tools():
    """The process registry with the test plug-in installed (tests/plugin_pkg)."""
    import sys

    sys.path.insert(0, str(PLUGIN_DIR))
    default_tools.cache_clear()
    yield default_tools()
    sys.path.remove(str(PLUGIN_DIR))
    default_tools.cache_clear()


def test_every_registered_tool_has_an_example(tools) -> None:
    assert "blur" in tools  # the plug-in is part of the contract too
    assert sorted(tools.names()) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_tool_contract(name, tools, tiny_config, tmp_path) -> None:
    tool = tools.get(name)
    ws, ids = _session(tmp_path / "data")
    args = EXAMPLES[name](ids)
    backend = BACKENDS.get(name, {})  # a tool that needs another backend than the default's
    overrides = {
        role: {**spec, "model": str(tiny_config.parent / spec["model"])} for role, spec in backend.items()
    }
    models = ModelRegistry(load_settings(tiny_config, data_dir=tmp_path / "data", **overrides))
    executor = LocalExecutor(models, tools=tools)
    try:
        output = executor.submit(ToolCall(name, args, ws, ws.id)).result(timeout=300)
    finally:
        executor.shutdown()
    # 1. The declared output type, summarised in one line.
    assert isinstance(output, tool.output_type)
    summary = output.summary()
    assert isinstance(summary, str) and summary and "\n" not in summary
    # 2. Stored as the kind it declares.
    before = len(ws.record.artifacts)
    stored = tool.store(output, ws, step=0, args=args)
    assert stored.kind in get_args(OutputKind)
    assert [a.id for a in ws.record.artifacts[before:]] == stored.parts + stored.ids
    if tool.makes:
        assert stored.ids and {ws.artifact(i).kind for i in stored.ids} == {tool.makes}
    if tool.edits_image:
        assert ws.record.current_image == stored.ids[0] and ws.artifact(stored.ids[0]).edit
    # 3. It loads exactly the models it says a call like this uses.
    assert sorted(models.loaded()) == sorted(tool.roles_used(args)), models.loaded()
    # 4. Facts the chat and the planners read.
    assert tool.title and tool.description.strip() and tool.json_schema()["properties"]


def test_the_segmenter_backends_meet_the_segmenter_protocol(tiny_registry) -> None:
    from pixelsmith.models.protocols import Segmenter
    from pixelsmith.models.ultralytics_sam import UltralyticsSegmenter

    assert isinstance(tiny_registry.get("segmenter"), Segmenter)
    assert all(callable(getattr(UltralyticsSegmenter, m, None)) for m in ("predict", "everything"))
