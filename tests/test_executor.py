"""The local executor: fair queue, cancellation, out-of-memory retry, memory budget."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest
from pydantic import BaseModel

from pixelsmith.artifacts import Stored
from pixelsmith.config import load_settings
from pixelsmith.errors import InterruptedError_, OutOfMemoryError
from pixelsmith.execution.local import FairQueue, JobHandle, LocalExecutor, ToolCall
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.tools import MemoryStore, builtin_tools
from pixelsmith.tools.base import LOAD_PHASES
from pixelsmith.tools.tool_registry import Tool


def _store(width: int = 96, height: int = 64) -> tuple[MemoryStore, str, str]:
    store = MemoryStore()
    image = store.add("image", noise_image(width, height))
    mask = np.zeros((height, width), np.uint8)
    mask[10:40, 20:60] = 255
    return store, image, store.add("mask", mask)


def test_fair_queue_serves_sessions_in_turn():
    queue = FairQueue()
    jobs = [JobHandle(ToolCall("detect", {}, MemoryStore(), "busy")) for _ in range(5)]
    click = JobHandle(ToolCall("segment", {}, MemoryStore(), "other"))
    for job in jobs:
        queue.push(job)
    queue.push(click)
    order = [queue.pop() for _ in range(6)]
    assert order[:3] == [jobs[0], click, jobs[1]]  # the other session waits for one job, not five
    assert order[3:] == jobs[2:]


def test_jobs_stream_progress_and_results(tiny_registry):
    executor = LocalExecutor(tiny_registry)
    store, image, mask = _store()
    args = {"image": image, "mask": mask, "prompt": "a dragon", "num_inference_steps": 3, "seed": 4}
    job = executor.submit(ToolCall("inpaint", args, store, "s1"))
    progress = [p for p in job.progress() if p.phase not in LOAD_PHASES]  # not a first load's
    steps, totals = [p.step for p in progress], {p.total for p in progress}
    # one record per step the scheduler runs (PNDM runs one more than asked), in order, to the end
    assert len(steps) >= 3 and steps == list(range(1, len(steps) + 1)) and totals == {steps[-1]}
    assert job.result().images[0].size == (96, 64) and job.status == "done"
    executor.shutdown()


def test_cancel_running_and_queued_jobs(tiny_registry):
    executor = LocalExecutor(tiny_registry)
    store, image, mask = _store()
    args = {"image": image, "mask": mask, "prompt": "x", "num_inference_steps": 60, "seed": 1}
    running = executor.submit(ToolCall("inpaint", args, store, "a"))
    queued = executor.submit(ToolCall("inpaint", args, store, "a"))
    queued.cancel()
    seen = 0
    for _ in running.progress():
        seen += 1
        running.cancel()
    with pytest.raises(InterruptedError_):
        running.result(timeout=60)
    assert running.status == "cancelled" and seen < 60  # stopped at the next step
    with pytest.raises(InterruptedError_, match="before it started"):
        queued.result(timeout=60)
    # the executor keeps serving after cancellations
    done = executor.submit(ToolCall("detect", {"image": image, "labels": ["cat"]}, store, "b"))
    assert done.result(timeout=60).image_size == (96, 64)
    executor.shutdown()


class _Input(BaseModel):
    image: str


@dataclass
class _Output:
    attempts: int

    def summary(self) -> str:
        return f"{self.attempts} attempts"

    def store(self, sink, made) -> Stored:
        return Stored([], "scores")


def test_out_of_memory_once_is_survived_by_evicting(tiny_config):
    registry = ModelRegistry(load_settings(tiny_config))
    registry.get("detector"), registry.get("ranker")
    attempts = []

    def run(inputs: _Input, ctx) -> _Output:
        attempts.append(sorted(ctx.models.loaded()))
        if len(attempts) == 1:
            raise OutOfMemoryError("simulated: the GPU ran out of memory")
        return _Output(len(attempts))

    tools = builtin_tools()
    tools.register(Tool("flaky", _Input, _Output, "fails once with OOM", run))
    executor = LocalExecutor(registry, tools=tools)
    store, image, _ = _store()
    assert executor.submit(ToolCall("flaky", {"image": image}, store)).result(timeout=30).attempts == 2
    assert attempts == [["detector", "ranker"], []]  # the retry ran with the others evicted
    executor.shutdown()


def test_memory_budget_evicts_least_recently_used_and_reloads_correctly(tiny_config):
    registry = ModelRegistry(load_settings(tiny_config, memory_budget_gb=0.005))
    tools, (store, image, mask) = builtin_tools(), _store()
    from pixelsmith.tools import ToolContext

    ctx = ToolContext(registry, store)
    detect = tools.get("detect")
    before = detect.run(detect.validate({"image": image, "labels": ["cat"]}), ctx)
    registry.get("segmenter")
    inpaint = tools.get("inpaint")
    inpaint.run(
        inpaint.validate({"image": image, "mask": mask, "prompt": "x", "num_inference_steps": 2, "seed": 0}),
        ctx,
    )
    assert sum(registry.sizes.values()) <= 0.005 * 1024**3
    assert registry.evictions["detector"] == 1 and not registry.is_loaded("detector")
    after = detect.run(detect.validate({"image": image, "labels": ["cat"]}), ctx)
    assert registry.load_counts["detector"] == 2
    assert after.detections == before.detections


def test_real_inpaint_survives_an_out_of_memory_with_a_leaner_pipeline(tiny_config):
    import torch

    registry = ModelRegistry(load_settings(tiny_config))
    pipeline = registry.get("inpainter")
    registry.get("detector")
    forward, calls = pipeline.unet.forward, []

    def flaky_forward(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return forward(*args, **kwargs)

    pipeline.unet.forward = flaky_forward
    executor = LocalExecutor(registry)
    store, image, mask = _store()
    args = {"image": image, "mask": mask, "prompt": "x", "num_inference_steps": 2, "seed": 0}
    result = executor.submit(ToolCall("inpaint", args, store)).result(timeout=60)
    assert result.images[0].size == (96, 64)
    assert not registry.is_loaded("detector")  # evicted for the retry
    processors = {type(p).__name__ for p in pipeline.unet.attn_processors.values()}
    assert processors == {"SlicedAttnProcessor"} and pipeline.vae.use_tiling
    executor.shutdown()


def test_first_use_of_a_model_is_announced(tiny_config, tmp_path):
    from pixelsmith.agent import events as ev
    from pixelsmith.agent.agent import Agent
    from pixelsmith.agent.planner_choice import make_planner
    from pixelsmith.workspace import Workspace

    settings = load_settings(tiny_config, data_dir=tmp_path / "data")
    agent = Agent(
        Workspace.create(settings.data_dir),
        ModelRegistry(settings),
        planner=make_planner(settings, "offline"),
    )
    first = [
        e.text for e in agent.send("find the cat", image=noise_image(64, 48)) if isinstance(e, ev.Notice)
    ]
    again = [e.text for e in agent.send("find the dog") if isinstance(e, ev.Notice)]
    assert first and "loading detector" in first[0] and again == []


def test_the_announced_and_recorded_models_are_the_ones_a_call_uses(tiny_config, tmp_path):
    """One candidate needs no ranker: neither announced nor recorded; four candidates load it."""
    from pixelsmith.agent import events as ev
    from pixelsmith.agent.agent import Agent
    from pixelsmith.agent.planner_choice import make_planner
    from pixelsmith.workspace import Workspace

    settings = load_settings(tiny_config, data_dir=tmp_path / "data")
    models = ModelRegistry(settings)
    agent = Agent(Workspace.create(settings.data_dir), models, planner=make_planner(settings, "offline"))
    one = [e.text for e in agent.send("generate a lighthouse, 2 steps") if isinstance(e, ev.Notice)]
    assert "loading generator" in one[0] and "ranker" not in one[0] and not models.is_loaded("ranker")
    assert set(agent.workspace.record.steps[-1].models) == {"generator"}
    four = [
        e.text for e in agent.send("generate a castle, 2 steps, 4 candidates") if isinstance(e, ev.Notice)
    ]
    assert "loading ranker" in four[0] and models.is_loaded("ranker")
    assert set(agent.workspace.record.steps[-1].models) == {"generator", "ranker"}
    tools = agent.tools
    assert tools.get("train_concept").roles_used({}) == ["generator", "inpainter"]
    assert tools.get("train_concept").roles_used({"inpaint": False}) == ["generator"]
    assert tools.get("inpaint").roles_used({"num_candidates": 3}, ranking=False) == ["inpainter"]
    assert tools.get("inpaint").roles_used({"num_candidates": 3}) == ["inpainter", "ranker"]
    assert tools.get("rank").roles_used({}) == ["ranker"]  # ranking is the tool's whole job


class _TrainInput(BaseModel):
    name: str
    inpaint: bool = False  # the training's roles: the generator only
    load: bool = False


@dataclass
class _Echo:
    tag: str
    pixel: int

    def summary(self) -> str:
        return self.tag

    def store(self, sink, made) -> Stored:
        return Stored([], "scores")


class _EchoInput(BaseModel):
    image: str
    tag: str


def _echo(inputs: _EchoInput, ctx) -> _Echo:
    """Answers with its own argument and the first pixel of the image it was given."""
    return _Echo(inputs.tag, int(np.asarray(ctx.store.image(inputs.image))[0, 0, 0]))


def _tools_with_a_training(started):
    """The built-ins less `train_concept`, which is a fake that reports one step, sets
    `started` and waits for its cancel (like a real one, it stops at the next step)."""
    from pixelsmith.tools import Progress
    from pixelsmith.tools.tool_registry import ToolRegistry

    def train(inputs: _TrainInput, ctx) -> _Output:
        if inputs.load:
            ctx.models.get("generator")
        ctx.report(Progress("train_concept", 1, 1000, "training step"))
        started.set()
        while not ctx.cancel.wait(0.01):
            pass
        raise InterruptedError_(f"training of {inputs.name!r} stopped at step 1")

    tools = ToolRegistry()
    for tool in builtin_tools():
        if tool.name != "train_concept":
            tools.register(tool)
    fake = Tool("train_concept", _TrainInput, _Output, "a fake training", train, roles=("generator",))
    tools.register(replace(fake, lane="long"))
    tools.register(Tool("echo", _EchoInput, _Echo, "answers with its input", _echo))
    return tools


def test_a_running_training_does_not_block_another_sessions_click(tiny_registry):
    import threading

    started = threading.Event()
    executor = LocalExecutor(tiny_registry, tools=_tools_with_a_training(started))
    store, image, _ = _store()
    training = executor.submit(ToolCall("train_concept", {"name": "rex"}, store, "teacher"))
    assert started.wait(10) and training.status == "running"
    click = executor.submit(ToolCall("echo", {"image": image, "tag": "click"}, store, "other"))
    assert click.result(timeout=10).tag == "click" and click.status == "done"
    assert training.status == "running"  # still training while the click was served
    training.cancel()
    with pytest.raises(InterruptedError_, match="stopped at step 1"):
        training.result(timeout=10)
    steps = [p.step for p in training.progress() if p.phase not in LOAD_PHASES]
    assert training.status == "cancelled" and steps == [1]
    executor.shutdown()


def test_an_out_of_memory_retry_keeps_the_model_a_running_training_uses(tiny_config):
    import threading

    import torch

    registry = ModelRegistry(load_settings(tiny_config))
    registry.get("detector"), registry.get("ranker")
    started, attempts = threading.Event(), []

    def run(inputs: _Input, ctx) -> _Output:
        attempts.append(sorted(ctx.models.loaded()))
        if len(attempts) == 1:  # torch's own error, as a tool without `device_errors` lets it out
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (simulated)")
        return _Output(len(attempts))

    tools = _tools_with_a_training(started)
    tools.register(Tool("flaky", _Input, _Output, "fails once with torch's OOM", run))
    executor = LocalExecutor(registry, tools=tools)
    store, image, _ = _store()
    training = executor.submit(ToolCall("train_concept", {"name": "rex", "load": True}, store, "a"))
    assert started.wait(30)
    assert executor.submit(ToolCall("flaky", {"image": image}, store, "b")).result(timeout=30).attempts == 2
    # the retry evicted the idle models, not the generator the training holds
    assert attempts == [["detector", "generator", "ranker"], ["generator"]]
    training.cancel()
    with pytest.raises(InterruptedError_):
        training.result(timeout=10)
    executor.shutdown()


def test_a_second_torch_out_of_memory_ends_the_job_in_one_sentence(tiny_registry):
    import torch

    calls = []

    def run(inputs: _Input, ctx) -> _Output:
        calls.append(1)
        raise torch.cuda.OutOfMemoryError(
            "CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 8 GiB\n"
            "Of the allocated memory 7.1 GiB is allocated by PyTorch (simulated)"
        )

    tools = _tools_with_a_training(None)
    tools.register(Tool("greedy", _Input, _Output, "always runs out of memory", run))
    executor = LocalExecutor(tiny_registry, tools=tools)
    store, image, _ = _store()
    job = executor.submit(ToolCall("greedy", {"image": image}, store))
    with pytest.raises(OutOfMemoryError) as caught:
        job.result(timeout=30)
    message = str(caught.value)
    assert message.startswith("greedy: the GPU ran out of memory, also with the other models unloaded")
    assert "\n" not in message and "Tried to allocate" not in message
    assert caught.value.__context__ is None  # torch's error (and its frames) let go
    assert len(calls) == 2 and job.status == "failed"
    after = executor.submit(ToolCall("echo", {"image": image, "tag": "next"}, store))
    assert after.result(timeout=30).tag == "next"  # the executor keeps serving
    executor.shutdown()


def test_concurrent_sessions_get_their_own_results(tiny_registry):
    import threading

    executor = LocalExecutor(tiny_registry, tools=_tools_with_a_training(None), workers=2)
    sessions = {f"s{n}": MemoryStore() for n in range(4)}
    images = {
        name: store.add("image", noise_image(16, 16).point(lambda _, n=n: 40 * n + 10))
        for n, (name, store) in enumerate(sessions.items())
    }
    results: dict[str, list] = {}
    ready = threading.Barrier(len(sessions))

    def chat(name: str) -> None:
        ready.wait()
        calls = [{"image": images[name], "tag": f"{name}-{i}"} for i in range(8)]
        jobs = [executor.submit(ToolCall("echo", args, sessions[name], name)) for args in calls]
        results[name] = [job.result(timeout=30) for job in jobs]

    threads = [threading.Thread(target=chat, args=(name,)) for name in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for n, name in enumerate(sessions):
        assert [(r.tag, r.pixel) for r in results[name]] == [(f"{name}-{i}", 40 * n + 10) for i in range(8)]
    executor.shutdown()


def test_the_budget_never_evicts_a_model_a_running_job_holds(tiny_config):
    """Under a budget with room for the inpainter (5.1 MB) but not for it and the detector,
    a load evicts idle models only, never one a running job (another lane) holds;
    `evict_all` spares it too."""
    registry = ModelRegistry(load_settings(tiny_config, memory_budget_gb=0.0049))
    with registry.using(["inpainter"]):
        registry.get("inpainter")
        registry.get("detector")  # over budget, but the held inpainter stays
        assert registry.is_loaded("inpainter") and registry.evictions["inpainter"] == 0
        registry.evict_all()
        assert registry.loaded() == ["inpainter"]
    registry.get("detector")
    assert not registry.is_loaded("inpainter") and registry.evictions["inpainter"] == 1  # no longer held
