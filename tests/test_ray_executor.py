"""The Ray Serve executor against the local one: same pixels, same boxes, progress, cancel;
sessions taking turns; concept training as a Ray task (same losses, stop, resume, a killed
worker).

Ray runs on this machine's CPU (two logical CPUs, no dashboard, no usage stats), with one
deployment each for the detector and the inpainter on the tiny checkpoints.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading

import numpy as np
import pytest

from pixelsmith.tools.base import LOAD_PHASES

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")

from pixelsmith.config import load_settings  # noqa: E402
from pixelsmith.errors import InterruptedError_, ToolInputError, UserError  # noqa: E402
from pixelsmith.execution.local import LocalExecutor, ToolCall  # noqa: E402
from pixelsmith.models import ModelRegistry  # noqa: E402
from pixelsmith.testing import noise_image  # noqa: E402
from pixelsmith.tools import MemoryStore, default_tools  # noqa: E402
from pixelsmith.workspace import Workspace  # noqa: E402

RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled", "RAY_DEDUP_LOGS": "0"}


@pytest.fixture(scope="module")
def ray_local():
    """A fresh local Ray instance (never one that happens to run on this machine)."""
    saved = {key: os.environ.get(key) for key in [*RAY_ENV, "RAY_ADDRESS"]}
    os.environ.pop("RAY_ADDRESS", None)
    os.environ.update(RAY_ENV)
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=512 * 1024**2,
        _temp_dir=temp,
        _node_ip_address="127.0.0.1",  # keep Ray's own traffic on loopback
        log_to_driver=False,
    )
    yield
    serve.shutdown()
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


@pytest.fixture(scope="module")
def executors(ray_local, tiny_config):
    """(LocalExecutor, RayExecutor) on the same tiny checkpoints."""
    from pixelsmith.execution.ray_executor import RayExecutor

    settings = load_settings(tiny_config)
    local = LocalExecutor(ModelRegistry(settings))
    remote = RayExecutor(settings, roles=("detector", "inpainter"))
    yield local, remote
    local.shutdown()
    remote.shutdown()


def _store(width: int = 96, height: int = 64) -> tuple[MemoryStore, str, str]:
    store = MemoryStore()
    image = store.add("image", noise_image(width, height, seed=5))
    mask = np.zeros((height, width), np.uint8)
    mask[12:44, 30:70] = 255
    return store, image, store.add("mask", mask)


def _both(executors, tool: str, args: dict, store) -> tuple:
    local, remote = executors
    jobs = [executor.submit(ToolCall(tool, args, store, "s")) for executor in (local, remote)]
    return tuple(job.result(timeout=120) for job in jobs)


def test_settings_pick_the_executor_and_size_each_deployment(tiny_config, monkeypatch):
    from pixelsmith.cli.serve import describe, scaled
    from pixelsmith.execution.choose import make_executor
    from pixelsmith.execution.ray_executor import deployment_options

    settings = load_settings(tiny_config)
    assert isinstance(make_executor(settings, ModelRegistry(settings)), LocalExecutor)
    with pytest.raises(UserError, match="executor must be local, ray or ray://HOST:PORT, got 'spark'"):
        load_settings(tiny_config, executor="spark")
    monkeypatch.setenv("PIXELSMITH_SERVE__INPAINTER__MAX_REPLICAS", "4")
    options = deployment_options(load_settings(tiny_config), "inpainter", gpus=True)
    assert options["autoscaling_config"]["max_replicas"] == 4 and "num_replicas" not in options
    assert options["ray_actor_options"] == {"num_gpus": 0.35, "num_cpus": 1.0}
    assert deployment_options(settings, "detector", gpus=False)["ray_actor_options"]["num_gpus"] == 0
    wide = deployment_options(scaled(settings, replicas=3, gpu_fraction=0.25), "ranker", gpus=True)
    assert describe("ranker", wide) == "ranker     3 replica(s), each 0.25 GPU, 1 CPU"


def test_inpaint_gives_the_same_pixels_as_local(executors):
    store, image, mask = _store()
    args = {"image": image, "mask": mask, "prompt": "a dragon", "seed": 3, "num_inference_steps": 2}
    here, there = _both(executors, "inpaint", args, store)
    assert there.images[0].size == (96, 64) and there.seeds == here.seeds == [3]
    assert np.array_equal(np.asarray(here.images[0]), np.asarray(there.images[0]))


def test_detect_gives_the_same_boxes_as_local(executors):
    store, image, _ = _store(80, 112)
    here, there = _both(executors, "detect", {"image": image, "labels": ["cat", "dog"]}, store)
    assert there.detections and there.detections == here.detections
    assert there.image_size == (80, 112)


def test_artifacts_are_read_by_the_caller_and_shipped(executors, tmp_path):
    from pixelsmith.execution.ray_replica import ship

    _, remote = executors
    workspace = Workspace.create(tmp_path, "ray-session")
    image = workspace.add_image(noise_image(96, 64, seed=5))
    workspace.add_image(noise_image(32, 32))  # not named by the call: stays behind
    mask = np.zeros((64, 96), np.uint8)
    mask[12:44, 30:70] = 255
    mask_id = workspace.add_mask(mask)
    args = {"image": image, "mask": mask_id, "prompt": "a dragon", "seed": 3, "num_inference_steps": 2}
    inputs = default_tools().get("inpaint").validate(args)
    assert ship(inputs, workspace).ids() == [image, mask_id]
    from_disk = remote.submit(ToolCall("inpaint", args, workspace, workspace.id)).result(timeout=120)
    store, image, mask = _store()
    in_memory = ToolCall("inpaint", {**args, "image": image, "mask": mask}, store)
    from_memory = remote.submit(in_memory).result(timeout=120)
    assert np.array_equal(np.asarray(from_disk.images[0]), np.asarray(from_memory.images[0]))


def test_progress_streams_like_local(executors):
    local, remote = executors
    store, image, mask = _store()
    args = {"image": image, "mask": mask, "prompt": "x", "seed": 1, "num_inference_steps": 3}
    streams = []
    for executor in (local, remote):
        job = executor.submit(ToolCall("inpaint", args, store))
        streams.append([(p.tool, p.step, p.total) for p in job.progress()])
        assert job.result(timeout=60) and job.status == "done"
    assert streams[1] == streams[0] and len(streams[1]) >= 3


def test_cancel_stops_running_and_queued_jobs(executors):
    _, remote = executors
    store, image, mask = _store()
    args = {"image": image, "mask": mask, "prompt": "x", "seed": 1, "num_inference_steps": 150}
    running = remote.submit(ToolCall("inpaint", args, store, "a"))
    queued = remote.submit(ToolCall("inpaint", args, store, "b"))
    seen = 0
    for _ in running.progress():
        seen += 1
        queued.cancel()
        running.cancel()
    with pytest.raises(InterruptedError_, match="stopped by the user"):
        running.result(timeout=60)
    assert running.status == "cancelled" and seen < 150  # stopped at a next step
    with pytest.raises(InterruptedError_):
        queued.result(timeout=60)
    assert queued.status == "cancelled"
    stopped = threading.Event()
    stopped.set()
    early = remote.submit(ToolCall("detect", {"image": image, "labels": ["cat"]}, store), cancel=stopped)
    with pytest.raises(InterruptedError_, match="before it started"):
        early.result(timeout=60)
    # the deployment keeps serving after cancellations
    done = remote.submit(ToolCall("inpaint", {**args, "num_inference_steps": 2}, store))
    assert done.result(timeout=60).images[0].size == (96, 64)


def test_errors_come_back_as_they_were_raised(executors):
    _, remote = executors
    store, image, _ = _store()
    missing = remote.submit(ToolCall("inpaint", {"image": image, "mask": "mask-9", "prompt": "x"}, store))
    with pytest.raises(ToolInputError, match="unknown mask id 'mask-9'; known: mask-1"):
        missing.result(timeout=60)  # the caller's store's own words
    assert missing.status == "failed"
    empty = store.add("mask", np.zeros((64, 96), np.uint8))
    args = {"image": image, "mask": empty, "seed": 1, "backend": "diffusion"}  # on the inpainter replica
    refused = remote.submit(ToolCall("remove", args, store))
    with pytest.raises(ToolInputError, match="the mask is empty"):
        refused.result(timeout=60)


def _loaded(executor, role: str) -> list[str]:
    """What a role's replica holds, asked from a plain thread: Serve refuses sync calls from a
    thread with a running asyncio loop (pytest-playwright leaves one in the main thread)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: executor.handles[role].loaded.remote().result(timeout_s=30)).result()


def test_model_free_tools_run_in_the_caller_and_replicas_hold_one_role(executors):
    _, remote = executors
    store, _, mask = _store()
    grown = remote.submit(ToolCall("refine_mask", {"mask": mask, "grow": 2}, store)).result(timeout=30)
    assert int((grown.mask > 127).sum()) > 32 * 40
    assert _loaded(remote, "detector") == ["detector"]
    assert _loaded(remote, "inpainter") == ["inpainter"]
    with pytest.raises(UserError, match="segmenter deployment"):
        remote.submit(ToolCall("segment", {"image": "image-1", "points": [[5, 5]]}, store)).result(30)


def test_a_second_executor_uses_the_running_deployments(executors, tiny_config):
    from pixelsmith.execution.ray_executor import RayExecutor

    _, first = executors
    second = RayExecutor(load_settings(tiny_config))  # all roles asked for; none started
    assert sorted(second.handles) == ["detector", "inpainter"]
    store, image, _ = _store()
    assert second.submit(ToolCall("detect", {"image": image, "labels": ["cat"]}, store)).result(60)
    second.shutdown()


def test_serve_replaces_a_running_deployment(executors, tiny_config):
    from pixelsmith.execution.ray_executor import start_deployments

    _, remote = executors
    store, image, _ = _store()
    assert remote.submit(ToolCall("detect", {"image": image, "labels": ["cat"]}, store)).result(60)
    start_deployments(load_settings(tiny_config), ["detector"], update=True)  # as `pixelsmith serve` does
    assert _loaded(remote, "detector") == []  # a new replica
    assert remote.submit(ToolCall("detect", {"image": image, "labels": ["cat"]}, store)).result(60)


def test_without_streaming_progress_and_cancel_go_through_a_board(executors, tiny_config):
    """The Ray Client path (Serve cannot stream there), on the same cluster."""
    from pixelsmith.execution.ray_executor import RayExecutor

    local, _ = executors
    polled = RayExecutor(load_settings(tiny_config), stream=False)
    store, image, mask = _store()
    args = {"image": image, "mask": mask, "prompt": "a dragon", "seed": 3, "num_inference_steps": 2}
    jobs = [executor.submit(ToolCall("inpaint", args, store)) for executor in (local, polled)]
    streams = [[(p.step, p.total) for p in job.progress()] for job in jobs]
    here, there = (job.result(timeout=60) for job in jobs)
    assert streams[1] == streams[0] and np.array_equal(
        np.asarray(here.images[0]), np.asarray(there.images[0])
    )
    long = polled.submit(ToolCall("inpaint", {**args, "num_inference_steps": 150}, store))
    for _ in long.progress():
        long.cancel()
    with pytest.raises(InterruptedError_, match="stopped by the user"):
        long.result(timeout=60)
    polled.shutdown()


def test_a_deployment_without_room_is_reported_and_removed(executors, tiny_config):
    from pixelsmith.config import Scaling
    from pixelsmith.execution.ray_executor import running_roles, start_deployments

    settings = load_settings(tiny_config)
    settings.serve.segmenter = Scaling(num_cpus=64)
    with pytest.raises(
        UserError, match="pixelsmith-segmenter did not start.*needs 64 CPU and 0 GPU, the cluster has 0 CPU"
    ):
        start_deployments(settings, ["segmenter"], timeout=2)
    assert "segmenter" not in running_roles()


def test_sessions_take_turns_at_a_busy_deployment(executors):
    """One session's burst of six does not starve another's single call sent after it."""
    _, remote = executors
    store, image, mask = _store()
    args = {"image": image, "mask": mask, "prompt": "x", "seed": 1, "num_inference_steps": 2}
    burst = [remote.submit(ToolCall("inpaint", args, store, "batch")) for _ in range(6)]
    click = remote.submit(ToolCall("inpaint", args, store, "click"))
    finished: list[str] = []
    lock = threading.Lock()

    def wait(job, who: str) -> None:
        job.result(timeout=120)
        with lock:
            finished.append(who)

    waiters = [threading.Thread(target=wait, args=(j, f"batch-{i}")) for i, j in enumerate(burst)]
    waiters.append(threading.Thread(target=wait, args=(click, "click")))
    for waiter in waiters:
        waiter.start()
    for waiter in waiters:
        waiter.join(timeout=180)
    assert sorted(finished) == sorted(["click", *(f"batch-{i}" for i in range(6))])
    # One inpainter replica, one request in flight: batch-0 is sent at once, then the sessions
    # alternate. (Sent all at once, Serve would answer them in no particular order.)
    assert finished.index("click") in (1, 2), finished
    assert [who for who in finished if who != "click"] == [f"batch-{i}" for i in range(6)]


TRAIN = {"name": "rex", "class_word": "dog", "resolution": 64, "rank": 4, "seed": 7}
FAST = {**TRAIN, "prior_preservation": False, "inpaint": False}


@pytest.fixture
def trainer(executors, tiny_config):
    """A RayExecutor whose training tasks reserve no CPU (the two replicas hold both)."""
    from pixelsmith.config import Scaling
    from pixelsmith.execution.ray_executor import RayExecutor

    settings = load_settings(tiny_config)
    settings.serve.generator = Scaling(num_cpus=0)
    executor = RayExecutor(settings)
    yield executor
    executor.shutdown()


def _photos(data_dir) -> tuple[Workspace, list[str]]:
    """A session in `data_dir` holding three 64 px photos."""
    ws = Workspace.create(data_dir, "photos")
    return ws, [ws.add_image(noise_image(64, 64, seed=seed)) for seed in range(3)]


def _train(executor, data_dir, steps: int, **options):
    ws, photos = _photos(data_dir)
    call = ToolCall("train_concept", {**FAST, "steps": steps, "images": photos}, ws, ws.id)
    return ws, executor.submit(call, **options)


def _concept(ws: Workspace):
    from pixelsmith.concepts import ConceptStore

    return ConceptStore(ws.data_dir).get("rex")


def test_training_runs_as_a_ray_task_with_the_local_losses(executors, trainer, tmp_path):
    local, _ = executors
    assert "generator" not in trainer.handles  # no replica could have run it
    runs = []
    for executor, where in ((local, "local"), (trainer, "ray")):
        ws, job = _train(executor, tmp_path / where, 4)
        stream = [
            (p.tool, p.step, p.total, p.label.split(",")[0])
            for p in job.progress()
            if p.phase not in LOAD_PHASES  # a first load here; the replica loads on its own
        ]
        runs.append((stream, job.result(timeout=120), _concept(ws)))
    (stream_here, _, here), (stream_there, output, there) = runs
    assert stream_there == stream_here == [("train_concept", s, 4, "training step") for s in (1, 2, 3, 4)]
    assert (there.status, there.step, output.steps) == ("ready", 4, 4)
    assert output.folder == str(tmp_path / "ray" / "concepts" / "rex")  # the session's data folder
    assert there.loss_curve == pytest.approx(here.loss_curve, rel=1e-4)
    assert output.loss == pytest.approx(here.loss_curve[-1], rel=1e-4)


def test_a_stopped_ray_training_resumes_from_its_checkpoint(trainer, tmp_path):
    ws, job = _train(trainer, tmp_path / "ray", 250)  # ~0.02 s a step: room for a late stop
    for progress in job.progress():
        if progress.step == 2:
            job.cancel()  # the task stops at its next step, with a checkpoint
    with pytest.raises(InterruptedError_, match="stopped at step"):
        job.result(timeout=60)
    half = _concept(ws)
    assert job.status == "cancelled" and half.status == "training" and 2 <= half.step < 250
    assert (half.folder / "checkpoints" / f"step-{half.step}").is_dir()
    # resumed on Ray from the checkpoint in the session's (shared) data folder
    resumed = trainer.submit(ToolCall("train_concept", {**job.call.args, "resume": True}, ws, ws.id))
    steps = [p.step for p in resumed.progress()]
    assert resumed.result(timeout=120).steps == 250 and steps[0] == half.step + 1
    done = _concept(ws)
    assert done.status == "ready" and done.loss_curve[: half.step] == half.loss_curve


def test_a_training_waiting_for_room_is_cancelled_before_it_starts(executors, tiny_config, tmp_path):
    from pixelsmith.config import Scaling
    from pixelsmith.execution.ray_executor import RayExecutor

    settings = load_settings(tiny_config)
    settings.serve.generator = Scaling(num_cpus=64)  # more than the cluster has: it waits
    crowded = RayExecutor(settings)
    ws, job = _train(crowded, tmp_path, 4)
    threading.Timer(1.0, job.cancel).start()
    with pytest.raises(InterruptedError_, match="before it started"):
        job.result(timeout=60)
    assert job.status == "cancelled" and not list(job.progress())
    crowded.shutdown()


def test_a_killed_training_task_is_resumed(executors, trainer, tmp_path):
    import psutil

    local, _ = executors
    ws, job = _train(trainer, tmp_path / "ray", 200)
    killed, steps = [], []
    for progress in job.progress():
        steps.append(progress.step)
        if not killed and progress.step >= 3:
            killed = [p for p in psutil.process_iter(["cmdline"]) if _is_training(p.info["cmdline"])]
            assert len(killed) == 1, killed
            killed[0].kill()  # as if its node went away
    output = job.result(timeout=180)
    assert job.status == "done" and output.steps == 200 and _concept(ws).status == "ready"
    assert steps.count(1) == 2  # started again (no checkpoint yet: from the first step)
    unbroken, short = _train(local, tmp_path / "local", 4)
    short.result(timeout=60)
    assert _concept(ws).loss_curve[:4] == pytest.approx(_concept(unbroken).loss_curve, rel=1e-4)


def _is_training(cmdline: list[str] | None) -> bool:
    """A Ray worker running `train_task` (Ray names its process after the task)."""
    return "ray::train_task" in " ".join(cmdline or [])
