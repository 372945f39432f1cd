"""Running the benchmark: the registry for an architecture, then each group in turn."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from pixelsmith.bench.groups import Bench
from pixelsmith.bench.options import GROUPS, BenchOptions
from pixelsmith.bench.report import BenchReport, Figure
from pixelsmith.config import Settings, load_settings
from pixelsmith.errors import UserError
from pixelsmith.models import ModelRegistry


def make_registry(options: BenchOptions, settings: Settings | None, workdir: Path) -> ModelRegistry:
    """Tiny checkpoints through the loaders, full-size configs built in memory, or `settings`."""
    if options.architecture == "tiny":
        import transformers

        from pixelsmith.testing import build_all, write_config
        from pixelsmith.testing.tiny import PLANNER_DIR

        transformers.utils.logging.disable_progress_bar()  # as the registry does on its first load
        config = write_config(workdir, build_all(workdir))
        planner = {"model": str(workdir / PLANNER_DIR), "max_string_chars": 24}  # random weights: short words
        return ModelRegistry(load_settings(config, device=options.device, planner_model=planner))
    if options.random_weights:
        from pixelsmith.testing.full import FullRegistry

        # Threshold 0: random detectors score low, but the turn needs a box to go on.
        return FullRegistry(
            load_settings(None, device=options.device, detector={"threshold": 0.0}), sam=options.sam
        )
    settings = settings or load_settings()
    return ModelRegistry(
        settings if options.device == "auto" else settings.model_copy(update={"device": options.device})
    )


def run_benchmark(
    options: BenchOptions, *, settings: Settings | None = None, log: Callable[[str], None] | None = None
) -> BenchReport:
    """Measure the groups in `options.only`; `settings` serves real checkpoints (full without
    random weights). Tiny runs on one CPU thread: on shared cores, tiny ops would be
    dominated by hand-offs between threads."""
    options, log, threads = options.resolved(), log or (lambda text: None), torch.get_num_threads()
    figures: list[Figure] = []
    try:
        if options.architecture == "tiny":
            torch.set_num_threads(1)
        with tempfile.TemporaryDirectory(prefix="pixelsmith-bench-") as workdir:
            models = make_registry(options, settings, Path(workdir))
            bench = Bench(models, options)
            for group in (g for g in GROUPS if options.measures(g)):
                start = time.perf_counter()
                try:
                    figures += getattr(bench, group)()
                except UserError as err:  # e.g. a turn that found nothing: the other groups still count
                    figures.append(Figure(f"{group}.failed", f"{group} failed", "", None, note=str(err)))
                log(f"bench: {group} took {time.perf_counter() - start:.1f} s")
    finally:
        torch.set_num_threads(threads)
    random = options.architecture == "tiny" or options.random_weights
    kind = options.architecture + (" (random weights)" if random else "")
    dtype = str(models.dtype).removeprefix("torch.")
    return BenchReport(kind, str(models.device), dtype, options.steps, figures)
