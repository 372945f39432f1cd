"""The figure groups: pixelsmith's tools and agent timed beside the plain calls (`Bench`)."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.agent.planner_protocol import OneShotTurn
from pixelsmith.bench.backends import BackendFigures
from pixelsmith.bench.edits import EditFigures
from pixelsmith.bench.measure import (
    cat_photo,
    ellipse_mask,
    median_seconds,
    paired_seconds,
    peak_memory_mb,
    reset_peak,
    variant,
)
from pixelsmith.bench.options import MESSAGE, PROMPT, BenchOptions
from pixelsmith.bench.photo import PhotoFigures
from pixelsmith.bench.plain import (
    plain_detect,
    plain_inpaint,
    plain_lora_batch,
    plain_sam,
    plain_sam_encode,
)
from pixelsmith.bench.planner import PlannerFigures
from pixelsmith.bench.report import Figure
from pixelsmith.config import Settings
from pixelsmith.errors import UserError
from pixelsmith.models import ModelRegistry


class BenchPlanner:
    """The offline planner with the benchmark's step count written into diffusion steps."""

    name = "offline"

    def __init__(self, settings: Settings, steps: int) -> None:
        from pixelsmith.tools import default_tools

        self.steps, self._rules = steps, make_planner(settings, "offline")
        self.tools = default_tools()

    def begin(self, message: str, view) -> OneShotTurn:
        plan = self._rules.begin(message, view).next([], view)
        for step in plan.steps:
            if self.tools.get(step.tool).edits_image:
                step.args["num_inference_steps"] = self.steps
        return OneShotTurn(plan)


class Bench(EditFigures, BackendFigures, PhotoFigures, PlannerFigures):
    """The figure groups over one registry; each method returns its `Figure`s."""

    def __init__(self, models: ModelRegistry, options: BenchOptions) -> None:
        from pixelsmith.tools import MemoryStore, ToolContext, default_tools

        self.models, self.options, self.device = models, options, models.device
        self.tools, self.store = default_tools(), MemoryStore()
        self.ctx = ToolContext(models, self.store)
        self.photo = cat_photo()

    def tool(self, name: str, **args: Any) -> Any:
        spec = self.tools.get(name)
        return spec.run(spec.validate(args), self.ctx)

    def time(self, fn: Callable[[], Any]) -> float:
        return median_seconds(fn, device=self.device, repeats=self.options.repeats)

    def pair(self, ours: Callable[[], Any], plain: Callable[[], Any]) -> tuple[float, float]:
        """Seconds of pixelsmith's way and the plain call, timed in turns (`paired_seconds`)."""
        return paired_seconds(ours, plain, device=self.device, repeats=self.options.repeats)

    def each(self, fn: Callable[[Any], Any], items: list) -> list[float]:
        """Seconds of `fn(item)` for each item, no warm-up (the first call is the point)."""
        return [median_seconds(lambda x=x: fn(x), device=self.device, repeats=1, warmup=False) for x in items]

    def detector(self) -> list[Figure]:
        detector, threshold = self.models.get("detector"), self.models.settings.detector.threshold
        image_id = self.store.add("image", self.photo)
        ours = self.time(lambda: self.tool("detect", image=image_id, labels=["cat"]))
        plain = self.time(lambda: plain_detect(detector, self.photo, "cat", threshold))
        return [Figure("detector.forward", "detector forward", "ms", ours * 1e3, plain * 1e3)]

    def sam(self) -> list[Figure]:
        predictor, n, fresh = self.models.get("segmenter"), self.options.clicks, iter(range(1, 10**6))
        encode = self.time(lambda: predictor.embed(variant(self.photo, next(fresh))))
        plain_encode = self.time(lambda: plain_sam_encode(predictor, self.photo))
        w, h = self.photo.size
        points = [[w * (i + 1) / (n + 1), h * (0.3 + 0.4 * (i % 2))] for i in range(n)]
        # N clicks on an image not seen before: the first one encodes, the rest reuse it.
        image_id, before = self.store.add("image", variant(self.photo, 0)), predictor.encode_count
        ours = self.each(lambda p: self.tool("segment", image=image_id, points=[p]), points)
        encodes, plain_encodes = predictor.encode_count - before, []
        hook = predictor.model.vision_encoder.register_forward_hook(lambda *a: plain_encodes.append(1))
        try:
            plain = self.each(lambda p: plain_sam(predictor, self.photo, point=p), points)
        finally:
            hook.remove()
        click, plain_click = statistics.median(ours[1:]), statistics.median(plain[1:])
        detail = {"clicks": n, "encode_count": encodes}
        return [
            Figure("sam.encode", "SAM image encode", "ms", encode * 1e3, plain_encode * 1e3),
            Figure("sam.click", "SAM click (cached embedding)", "ms", click * 1e3, plain_click * 1e3),
            Figure(
                "sam.clicks_total", f"SAM {n} clicks on a new image", "ms", sum(ours) * 1e3, sum(plain) * 1e3
            ),
            Figure(
                "sam.encodes",
                f"SAM encodes for {n} clicks",
                "count",
                encodes,
                len(plain_encodes),
                detail=detail,
            ),
        ]

    def inpaint(self) -> list[Figure]:
        from pixelsmith import masks as M
        from pixelsmith.tools.diffusion import native_size

        steps, pipeline = self.options.steps, self.models.get("inpainter")
        scale = self.options.size / max(self.photo.size)
        photo = self.photo.resize((round(self.photo.width * scale), round(self.photo.height * scale)))
        mask = ellipse_mask(*photo.size)
        box = M.crop_box(M.grow(mask, 8))  # the tool's crop (blend 8) and work size, for the plain call
        work = dict(
            zip(("width", "height"), M.work_size(box[2] - box[0], box[3] - box[1], native_size(pipeline)))
        )
        image_id, mask_id = self.store.add("image", photo), self.store.add("mask", mask)
        args = dict(image=image_id, mask=mask_id, prompt=PROMPT, num_inference_steps=steps, seed=0)
        ran: list[int] = []
        self.ctx.on_progress = lambda p: ran.append(p.total)
        ours = self.time(lambda: self.tool("inpaint", **args))
        self.ctx.on_progress = None
        crop, crop_mask = photo.crop(box), Image.fromarray(mask).crop(box)
        plain = self.time(lambda: ran.append(plain_inpaint(pipeline, crop, crop_mask, steps, **work)))
        detail = {"photo": list(photo.size), "work_size": list(work.values()), "steps_run": ran[-1]}
        label = f"inpaint {work['width']}x{work['height']}"
        self.tool("inpaint", **args, preview=True)  # the preview pipeline is built once per session
        draft = self.time(lambda: self.tool("inpaint", **args, preview=True))
        preview = self.models.settings.preview
        reference = self._inpaint_reference(args, crop, crop_mask, work, label)
        return [
            Figure(
                "inpaint.steps_per_s", label, "steps/s", ran[0] / ours, ran[-1] / plain, False, detail=detail
            ),
            Figure("inpaint.seconds", f"{label}, {steps} steps", "s/image", ours, plain, detail=detail),
            Figure(
                "inpaint.preview",
                f"inpaint preview ({preview.steps} LCM-LoRA steps) vs plain {steps} steps",
                "s/image",
                draft,
                plain,
                detail=detail | {"fused_unet_copy": True},
            ),
            reference,
        ]

    def _inpaint_reference(self, args: dict, crop: Image.Image, mask: Image.Image, work: dict, label: str):
        """Inpaint with a reference photo (the IP-Adapter) beside the pipeline called on the same
        modules with `ip_adapter_image`, the adapter on, timed in turns."""
        import torch

        from pixelsmith.models.ip_adapter import switched_on

        pipeline, adapter = self.models.ip_adapter("inpainter")
        picture = variant(self.photo, 7)
        plain = type(pipeline)(**pipeline.components)  # the image encoder and feature extractor too
        plain.set_progress_bar_config(disable=True)
        scale, steps = self.models.settings.reference.scale, self.options.steps

        def call() -> None:
            with switched_on(pipeline, adapter, scale=scale), torch.inference_mode():
                seed = torch.Generator("cpu").manual_seed(0)
                plain(prompt=PROMPT, image=crop, mask_image=mask, num_inference_steps=steps,
                      ip_adapter_image=picture, generator=seed, **work)  # fmt: skip

        reference = self.store.add("image", picture)
        ours, plain_s = self.pair(lambda: self.tool("inpaint", **args, references=[reference]), call)
        return Figure("inpaint.reference", f"{label} with a reference photo (IP-Adapter), {steps} steps",
                      "s/image", ours, plain_s)  # fmt: skip

    def turn(self) -> list[Figure]:
        """Figures 4 and 5: warm agent turns, and the model loads of the whole session."""
        done, steps = self._session()
        plan = [s.tool for s in steps if s.turn == 1]
        roles = {r for s in steps if s.tool in self.tools for r in self.tools.get(s.tool).roles}
        used = sorted(r for r in roles if self.models.load_counts[r])
        warm, turns = done[1:], self.options.turns
        seconds = statistics.median(d.seconds for d in warm)
        model = statistics.median(d.model_seconds for d in warm)
        share = statistics.median(100 * (d.seconds - d.model_seconds) / d.model_seconds for d in warm)
        plain = self.time(self._plain_turn)
        loads = sum(self.models.load_counts[r] for r in used)
        load_s = sum(self.models.load_seconds[r] for r in used)
        overhead = f"{(seconds - model) * 1e3:.0f} ms next to {model:.3g} s of model time"
        detail = {"plan": plan, "turns_timed": len(warm), "model_seconds": model}
        return [
            Figure("turn.seconds", "agent turn " + " → ".join(plan), "s", seconds, plain, detail=detail),
            Figure("turn.overhead", "agent overhead (turn − model)", "% of model", share, note=overhead),
            Figure("loads.count", f"model loads, {turns} turns", "count", loads, turns * len(used),
                   detail={"turns": turns, "roles": used}),
            Figure("loads.seconds", f"model load time, {turns} turns", "s", load_s, turns * load_s),
        ]  # fmt: skip

    def _session(self) -> tuple[list, list]:
        """`turns` agent turns, each uploading the photo anew (so SAM encodes every time)."""
        from pixelsmith.agent.agent import Agent
        from pixelsmith.agent.events import ErrorEvent
        from pixelsmith.execution.local import LocalExecutor
        from pixelsmith.workspace import Workspace

        planner, done = BenchPlanner(self.models.settings, self.options.steps), []
        with tempfile.TemporaryDirectory(prefix="pixelsmith-bench-session-") as folder:
            executor = LocalExecutor(self.models, tools=self.tools)
            workspace = Workspace.create(Path(folder))
            agent = Agent(
                workspace, self.models, planner=planner, tools=self.tools, seed=0, executor=executor
            )
            try:
                for n in range(self.options.turns):
                    events = list(agent.send(MESSAGE, image=variant(self.photo, 1000 + n)))
                    errors = [e.text for e in events if isinstance(e, ErrorEvent)]
                    if errors:
                        raise UserError(f"bench turn {n + 1} failed: {errors[0]}")
                    done.append(events[-1])
            finally:
                executor.shutdown()
            return done, workspace.record.steps

    def _plain_turn(self) -> None:
        detector, predictor = self.models.get("detector"), self.models.get("segmenter")
        found = plain_detect(detector, self.photo, "cat", self.models.settings.detector.threshold)
        box = found["boxes"][0].tolist() if len(found["boxes"]) else [0, 0, *self.photo.size]
        mask = Image.fromarray(plain_sam(predictor, self.photo, box=box)[0, 0].numpy().astype(np.uint8) * 255)
        plain_inpaint(self.models.get("inpainter"), self.photo, mask, self.options.steps)

    def lora(self) -> list[Figure]:
        """Figure 6: a DreamBooth-LoRA step with prior preservation (`pixelsmith.concepts.teach`)."""
        from pixelsmith.concepts.lora_trainer import LoraTrainer, TrainData, embed_prompt, encode_images
        from pixelsmith.concepts.photos import centre_square
        from pixelsmith.concepts.store import TrainSettings
        from pixelsmith.tools.diffusion import native_size

        pipeline = self.models.get("generator")
        size, prompts = native_size(pipeline), ["a photo of sks cat", "a photo of cat"]
        photos = [centre_square(variant(self.photo, n), size) for n in range(3)]
        data = TrainData(*encode_images(pipeline, photos), embed_prompt(pipeline, prompts[0]))
        flipped = [p.transpose(Image.FLIP_LEFT_RIGHT) for p in photos]  # stand-ins for class images
        data.class_mean, data.class_std = encode_images(pipeline, flipped)
        data.class_embedding = embed_prompt(pipeline, prompts[1])
        reset_peak(self.device)
        trainer = LoraTrainer(pipeline, TrainSettings(resolution=size, seed=0))
        ours = self.time(lambda: trainer.step(trainer.draw(data)))
        peak, how = peak_memory_mb(self.device)
        reset_peak(self.device)
        plain = self.time(lambda: trainer.step(plain_lora_batch(trainer, pipeline, photos[:2], prompts)))
        plain_peak = peak_memory_mb(self.device)[0] if self.device.type == "cuda" else None
        detail = {"resolution": size, "batch": "1 instance + 1 class image"}
        return [
            Figure("lora.step", f"DreamBooth-LoRA step, {size} px", "s", ours, plain, detail=detail),
            Figure("lora.peak_memory", "DreamBooth-LoRA peak memory", "MB", peak, plain_peak, note=how),
        ]
