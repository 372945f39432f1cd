"""`pixelsmith bench` (issue #6): each figure beside the plain way of doing the same thing.

Figures: detector forward; SAM encode, a click from the cached embedding and N clicks;
inpainting steps/s and s/image; a warm detect → segment → inpaint turn through the agent
and its overhead; model loads over a session; DreamBooth-LoRA step time and memory. The
plain way is what a user would write with transformers/diffusers alone, run on the same
model objects (loading is its own figure). Every time is the median of `repeats` runs
after one warm-up, with the device synchronised around each run.

Architectures: `tiny` (random checkpoints saved and loaded back through the registry,
seconds anywhere), `full` with `random_weights` (the public configs built in memory by
`pixelsmith.testing.full`), or `full` (the checkpoints in the settings).
"""

from pixelsmith.bench.options import GROUPS, BenchOptions
from pixelsmith.bench.report import BenchReport, Figure, format_table
from pixelsmith.bench.runner import run_benchmark

__all__ = ["GROUPS", "BenchOptions", "BenchReport", "Figure", "format_table", "run_benchmark"]
