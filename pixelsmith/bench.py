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

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.planner import OneShotTurn, make_planner
from pixelsmith.config import Settings, load_settings
from pixelsmith.errors import UserError
from pixelsmith.runtime import ModelRegistry
from pixelsmith.runtime.executor import TOOL_ROLES

GROUPS = ("detector", "sam", "inpaint", "turn", "lora")
MESSAGE = "replace the cat with a realistic green dragon"
PROMPT = "a realistic green dragon"
NA_CONCEPTS = "n/a (concepts not installed)"


@dataclass
class Figure:
    """One measurement beside the plain way. `ratio` is how many times better pixelsmith is:
    plain ÷ pixelsmith where lower is better (times, counts), the inverse for rates."""

    key: str
    label: str
    unit: str
    pixelsmith: float | None  # None only where the figure does not apply (n/a, with a note)
    plain: float | None = None  # None where there is no plain counterpart
    lower_is_better: bool = True
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.note = self.note or NOTES.get(self.key, "")

    @property
    def ratio(self) -> float | None:
        if not self.pixelsmith or not self.plain:
            return None
        return self.plain / self.pixelsmith if self.lower_is_better else self.pixelsmith / self.plain

    def record(self) -> dict[str, Any]:
        data = asdict(self)
        del data["lower_is_better"]
        return data | {"ratio": self.ratio}


@dataclass
class BenchOptions:
    """What to measure. `steps` and `repeats` default to 30 and 3 (full) or 4 and 5 (tiny)."""

    architecture: str = "tiny"  # tiny | full
    random_weights: bool = False  # full only: public configs with random weights, no checkpoints
    device: str = "auto"
    steps: int | None = None  # diffusion steps per image
    size: int = 512  # long side (px) of the non-square photo that is inpainted
    repeats: int | None = None
    clicks: int = 5  # SAM clicks on one image
    turns: int = 10  # agent turns in the session (the first one warms up)
    sam: str = "vit-b"  # SAM variant built with random weights: vit-b, vit-l, vit-h
    only: tuple[str, ...] = GROUPS

    def resolved(self) -> BenchOptions:
        """Defaults filled in; a bad value raises `UserError` naming it."""
        tiny = self.architecture == "tiny"
        steps = self.steps if self.steps is not None else (4 if tiny else 30)
        repeats = self.repeats if self.repeats is not None else (5 if tiny else 3)
        for ok, message in [
            (
                self.architecture in ("tiny", "full"),
                f"architecture must be tiny or full, got {self.architecture!r}",
            ),
            (self.size >= 64, f"size must be at least 64 px, got {self.size}"),
            (self.clicks >= 2, f"clicks must be at least 2, got {self.clicks}"),
            (self.turns >= 2, f"turns must be at least 2 (the first warms up), got {self.turns}"),
            (steps >= 1 and repeats >= 1, f"steps and repeats must be at least 1, got {steps} and {repeats}"),
            (
                set(self.only) <= set(GROUPS),
                f"only must name {', '.join(GROUPS)}, got {', '.join(self.only)}",
            ),
        ]:
            if not ok:
                raise UserError(message)
        return replace(self, steps=steps, repeats=repeats)  # fmt: skip


# -- measuring ------------------------------------------------------------------------


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def median_seconds(
    fn: Callable[[], Any], *, device: torch.device, repeats: int, warmup: bool = True
) -> float:
    """Median wall time of `fn` over `repeats` runs, after one untimed warm-up."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory_mb(device: torch.device) -> tuple[float, str]:
    """CUDA: max allocated since the last reset; else the process's RSS high-water mark."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, "cuda max allocated"
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, "process RSS high-water"


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def cat_photo() -> Image.Image:
    """scikit-image's 'chelsea' (451x300): the real cat photo of the sample request."""
    from skimage import data

    return Image.fromarray(data.chelsea(), "RGB")


def variant(image: Image.Image, n: int) -> Image.Image:
    """`image` with pixel (0, 0) set from `n`: new content, so a new SAM cache key."""
    copy = image.copy()
    copy.putpixel((0, 0), (n % 256, n // 256 % 256, 7))
    return copy


def ellipse_mask(width: int, height: int) -> np.ndarray:
    """(H, W) uint8 0/255: a centred ellipse over 60% x 70% of the image."""
    y, x = np.ogrid[:height, :width]
    inside = ((x - width / 2) / (0.3 * width)) ** 2 + ((y - height / 2) / (0.35 * height)) ** 2 <= 1
    return np.where(inside, 255, 0).astype(np.uint8)


def make_registry(options: BenchOptions, settings: Settings | None, workdir: Path) -> ModelRegistry:
    """Tiny checkpoints through the loaders, full-size configs built in memory, or `settings`."""
    if options.architecture == "tiny":
        import transformers

        from pixelsmith.testing import build_all, write_config

        transformers.utils.logging.disable_progress_bar()  # as the registry does on its first load
        return ModelRegistry(load_settings(write_config(workdir, build_all(workdir)), device=options.device))
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


# -- the plain way --------------------------------------------------------------------


@torch.inference_mode()
def plain_detect(detector: Any, image: Image.Image, label: str, threshold: float) -> dict:
    """transformers alone: processor, model, post-processing."""
    inputs = detector.processor(text=[[f"a photo of a {label}"]], images=image, return_tensors="pt")
    inputs = inputs.to(detector.device, detector.dtype)
    outputs = detector.model(**inputs)
    target = [(image.height, image.width)]
    return detector.processor.post_process_grounded_object_detection(
        outputs, threshold=threshold, target_sizes=target
    )[0]


@torch.inference_mode()
def plain_sam(predictor: Any, image: Image.Image, *, point=None, box=None) -> torch.Tensor:
    """transformers alone: SamProcessor + a full SamModel forward (the image encoded every call)."""
    prompt = {"input_points": [[[point]]]} if point is not None else {"input_boxes": [[box]]}
    inputs = predictor.processor(images=image, return_tensors="pt", **prompt)
    inputs = inputs.to(predictor.device, predictor.dtype)
    outputs = predictor.model(**inputs)
    return predictor.processor.image_processor.post_process_masks(
        outputs.pred_masks.float().cpu(), inputs["original_sizes"].cpu(), inputs["reshaped_input_sizes"].cpu()
    )[0]


@torch.inference_mode()
def plain_sam_encode(predictor: Any, image: Image.Image) -> torch.Tensor:
    """transformers alone: SamProcessor + the image encoder."""
    inputs = predictor.processor(images=image, return_tensors="pt")
    return predictor.model.get_image_embeddings(inputs["pixel_values"].to(predictor.device, predictor.dtype))


def plain_inpaint(pipeline: Any, image: Image.Image, mask: Image.Image, steps: int, **size: int) -> int:
    """diffusers alone: a new `StableDiffusionInpaintPipeline` on the same modules, its defaults
    (PNDM, guidance 7.5); returns the denoising steps that ran."""
    from diffusers import StableDiffusionInpaintPipeline

    components = {k: getattr(pipeline, k) for k in ("vae", "text_encoder", "tokenizer", "unet")}
    plain = StableDiffusionInpaintPipeline(
        **components,
        scheduler=type(pipeline.scheduler).from_config(pipeline.scheduler.config),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    plain.set_progress_bar_config(disable=True)
    ran = []
    with torch.inference_mode():
        plain(
            prompt=PROMPT,
            image=image,
            mask_image=mask,
            num_inference_steps=steps,
            generator=torch.Generator("cpu").manual_seed(0),
            callback_on_step_end=lambda pipe, i, t, tensors: ran.append(i) or tensors,
            **size,
        )
    return len(ran)


# -- the figures ----------------------------------------------------------------------

NOTES = {  # what each plain figure is, printed under the table
    "detector.forward": "plain: processor + model + post-processing; pixelsmith: the detect tool",
    "sam.click": "plain: SamProcessor + a full SamModel forward per click",
    "sam.clicks_total": "the first pixelsmith click encodes the image, the others reuse it",
    "inpaint.seconds": "plain: StableDiffusionInpaintPipeline defaults on the same crop and work size",
    "turn.seconds": "plain: the same three calls with transformers/diffusers alone, pipeline defaults",
    "loads.count": "plain: every request loads the models it needs",
    "loads.seconds": "plain: turns x each role's measured load",
    "lora.step": "plain: diffusers' example defaults, VAE and text encoder run every step",
}


class BenchPlanner:
    """The offline planner with the benchmark's step count written into diffusion steps.

    Where `pixelsmith.agent.offline` is not installed, the plan its rules make for the
    sample request (detect → segment → inpaint) stands in for it.
    """

    name = "offline"

    def __init__(self, settings: Settings, steps: int) -> None:
        self.steps = steps
        try:
            self._rules = make_planner(settings, "offline")
        except ModuleNotFoundError as err:
            if err.name != "pixelsmith.agent.offline":
                raise
            self._rules = None

    def begin(self, message: str, view) -> OneShotTurn:
        plan = self._rules.begin(message, view).next([], view) if self._rules else scripted_plan()
        for step in plan.steps:
            if step.tool in ("inpaint", "remove", "generate"):
                step.args["num_inference_steps"] = self.steps
        return OneShotTurn(plan)


def scripted_plan() -> Plan:
    detect = Step(tool="detect", args={"labels": ["cat"]}, why="find the cat")
    segment = Step(tool="segment", args={"detection": "$1"}, why="cut the cat out")
    inpaint = Step(tool="inpaint", args={"mask": "$2", "prompt": PROMPT}, why="paint the dragon")
    return Plan(steps=[detect, segment, inpaint])


class Bench:
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
        from pixelsmith.diffusion import native_size

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
        return [
            Figure(
                "inpaint.steps_per_s", label, "steps/s", ran[0] / ours, ran[-1] / plain, False, detail=detail
            ),
            Figure("inpaint.seconds", f"{label}, {steps} steps", "s/image", ours, plain, detail=detail),
        ]

    def turn(self) -> list[Figure]:
        """Figures 4 and 5: warm agent turns, and the model loads of the whole session."""
        done, steps = self._session()
        plan = [s.tool for s in steps if s.turn == 1]
        used = sorted({r for s in steps for r in TOOL_ROLES.get(s.tool, []) if self.models.load_counts[r]})
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
        from pixelsmith.runtime.executor import LocalExecutor
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
        """Figure 6: a DreamBooth-LoRA step with prior preservation (`pixelsmith.concepts.train`)."""
        try:
            from pixelsmith.concepts.registry import TrainSettings, centre_square
            from pixelsmith.concepts.train import LoraTrainer, TrainData, embed_prompt, encode_images
        except ImportError:
            return [
                Figure("lora.step", "DreamBooth-LoRA step", "s", None, note=NA_CONCEPTS),
                Figure("lora.peak_memory", "DreamBooth-LoRA peak memory", "MB", None, note=NA_CONCEPTS),
            ]
        from pixelsmith.diffusion import native_size

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


def plain_lora_batch(trainer: Any, pipeline: Any, photos: list[Image.Image], prompts: list[str]) -> Any:
    """What diffusers' train_dreambooth_lora.py does before the UNet at every step: encode
    the instance and class photo with the VAE and both prompts with the text encoder."""
    from pixelsmith.concepts.train import Batch, embed_prompt, encode_images

    mean, std = encode_images(pipeline, photos)
    latents = mean + std * torch.randn(mean.shape)
    embeddings = torch.cat([embed_prompt(pipeline, p) for p in prompts])
    timesteps = torch.randint(0, trainer.noise_scheduler.config.num_train_timesteps, (len(latents),))
    return Batch(latents, torch.randn(latents.shape), timesteps, embeddings, torch.full((len(latents),), 0.5))


# -- running and printing -------------------------------------------------------------


@dataclass
class BenchReport:
    architecture: str
    device: str
    dtype: str
    steps: int
    figures: list[Figure]

    def records(self) -> list[dict[str, Any]]:
        return [f.record() for f in self.figures]


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
            for group in (g for g in GROUPS if g in options.only):
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


def _number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{int(value)}"
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"


def format_table(report: BenchReport) -> str:
    """The report as a table (figure, pixelsmith, plain, ratio, unit) with notes below it."""
    width = max([len(f.label) for f in report.figures] + [6])
    lines = [
        f"pixelsmith bench: {report.architecture}, {report.device} {report.dtype}, {report.steps} steps",
        f"{'figure':<{width}}  {'pixelsmith':>10}  {'plain':>10}  {'ratio':>7}  unit",
    ]
    for f in report.figures:
        ratio = "n/a" if f.ratio is None else f"{f.ratio:.2f}x"
        row = f"{_number(f.pixelsmith):>10}  {_number(f.plain):>10}  {ratio:>7}"
        lines.append(f"{f.label:<{width}}  {row}  {f.unit}")
    lines.append("ratio: how many times better pixelsmith is (plain / pixelsmith; for rates the inverse)")
    return "\n".join(lines + [f"  {f.label}: {f.note}" for f in report.figures if f.note])
