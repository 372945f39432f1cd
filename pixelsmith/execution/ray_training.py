"""Concept training under Ray: one Ray task per run, so that no Serve replica is held by it.

A training run takes minutes to hours. On a generator replica it would keep that replica
(and its GPU share) from every `generate` call until it ended; here it is a Ray task
(`train_task`) that asks for the generator's GPU share and CPUs (`settings.serve.generator`,
no GPU on a cluster without GPUs), builds its own `ModelRegistry` from the settings and
runs the `train_concept` tool, exactly as the local executor does.

Shared storage: the task writes the concept (photos, checkpoints, samples, the LoRA
files) under the data folder of the calling session (`ToolContext.data_dir`: the
workspace's, else the settings' `data_dir`). On a cluster of several machines that folder
must be storage that every node mounts at the same path (NFS, a cloud file system): the
replicas that apply the concept, a run resumed on another node and the UI all read it.

Progress goes through a `ProgressBoard` actor, which works under Ray Client too: the task
posts `Started`, the tool's `Progress` records and one `Outcome`, and the caller polls
them every `POLL_S` seconds. Stopping: a run still waiting for room on the cluster is
`ray.cancel`led and never starts; a running one sees the stop on the board, which sets the
trainer's cancel event (the training itself runs in a second thread), so training stops at
the next step and writes a checkpoint. A run whose worker or node died (killed, out of
memory) is started again with `resume=True`, up to `RESUME_TRIES` times: it continues from
the last checkpoint on the shared storage.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import ray
from ray.exceptions import (
    LocalRayletDiedError,
    NodeDiedError,
    TaskCancelledError,
    WorkerCrashedError,
)
from ray.exceptions import OutOfMemoryError as RayOutOfMemoryError

from pixelsmith.config import Settings
from pixelsmith.errors import InterruptedError_, UserError
from pixelsmith.execution.local import JobHandle
from pixelsmith.execution.ray_deploy import deployment_options
from pixelsmith.execution.ray_replica import (
    Outcome,
    ProgressBoard,
    Started,
    ToolRequest,
    follow,
    portable,
    run_tool,
    ship,
)
from pixelsmith.models.model_registry import ModelRegistry
from pixelsmith.tools import Progress, ToolContext, default_tools
from pixelsmith.tools.tool_registry import ToolRegistry

RESUME_TRIES = 2  # a run whose worker died is started again (resumed) this often
POLL_S = 0.1
LOST = (WorkerCrashedError, NodeDiedError, LocalRayletDiedError, RayOutOfMemoryError)


def task_options(settings: Settings) -> dict[str, float]:
    """The resources of one training task: those of a generator replica (no GPU without GPUs)."""
    gpus = ray.cluster_resources().get("GPU", 0) > 0
    actor = deployment_options(settings, "generator", gpus=gpus)["ray_actor_options"]
    return {"num_gpus": actor["num_gpus"], "num_cpus": actor["num_cpus"]}


@ray.remote(max_retries=0)  # a lost run is resumed by the caller, not repeated from scratch
def train_task(
    settings: Settings, tools: ToolRegistry | None, request: ToolRequest, board: Any, key: str
) -> None:
    """Run `request` (a training tool) on this worker; post its records to `board` under `key`.

    The tool runs in a thread; this one waits for it and turns `ray.cancel` (which arrives
    here as KeyboardInterrupt) into the trainer's cancel event.
    """
    board.post.remote(key, Started())
    cancel, finished = threading.Event(), threading.Event()
    outcome: list[Outcome] = []

    def work() -> None:
        def report(progress: Progress) -> None:
            board.post.remote(key, progress)

        try:
            outcome.append(_train(settings, tools or default_tools(), request, report, cancel))
        finally:
            finished.set()

    threading.Thread(target=work, name="pixelsmith-train", daemon=True).start()
    while not finished.is_set():  # not Thread.join: an interrupted join can end a wait early
        try:
            finished.wait(POLL_S)
            if not cancel.is_set() and ray.get(board.stopping.remote(key)):
                cancel.set()
        except KeyboardInterrupt:
            cancel.set()
    ray.get(board.post.remote(key, outcome[0]))  # every record is on the board when the task ends


def _train(
    settings: Settings,
    tools: ToolRegistry,
    request: ToolRequest,
    report: Callable[[Progress], None],
    cancel: threading.Event,
) -> Outcome:
    models = ModelRegistry(settings)
    ctx = ToolContext(models, request.store, on_progress=report, cancel=cancel)
    try:
        return Outcome(output=run_tool(tools, models, request, ctx))
    except BaseException as err:  # handed to the caller, who raises it
        return Outcome(error=portable(err))
    finally:
        models.evict_all()


class Trainings:
    """Runs training calls of one executor as Ray tasks, with their progress and stop."""

    def __init__(
        self, settings: Settings, tools: ToolRegistry | None = None, *, board: Any | None = None
    ) -> None:
        self.settings, self._shipped_tools = settings, tools  # None: the task uses the built-ins
        self.tools = tools or default_tools()
        self._board = board

    def run(self, job: JobHandle) -> Any:
        """Run `job` to its end and return the tool's output; resumed where its worker died."""
        # 1. Validate here and read the photos from the caller's store, as for a replica.
        inputs = self.tools.get(job.call.tool).validate(job.call.args)
        request = ToolRequest(job.call.tool, dict(job.call.args), ship(inputs, job.call.store))
        for _ in range(RESUME_TRIES + 1):
            try:
                return self._attempt(job, request)
            except LOST as err:
                if job.cancel_event.is_set():
                    raise InterruptedError_(
                        f"stopped; the training run was lost ({type(err).__name__})"
                    ) from None
                lost = type(err).__name__
            # Again, from the last checkpoint (or from the start if it never made the concept).
            request = replace(request, args={**request.args, "resume": True})
        raise UserError(
            f"the training run was lost {RESUME_TRIES + 1} times, last: {lost}; its checkpoints are "
            f"kept: say 'continue training {inputs.name}' to resume it"
        )

    def _attempt(self, job: JobHandle, request: ToolRequest) -> Any:
        board, key = self.board(), f"train-{uuid.uuid4().hex}"
        task = train_task.options(**task_options(self.settings))
        ref = task.remote(self.settings, self._shipped_tools, request, board, key)
        try:
            outcome = follow(job, self._records(ref, key, job.cancel_event))
        except TaskCancelledError:
            raise InterruptedError_("stopped before it started; nothing changed") from None
        finally:
            board.forget.remote(key)
        if outcome is None:
            raise RuntimeError(f"the training task ended {job.call.tool} without a result")
        if outcome.error is not None:
            raise outcome.error
        return outcome.output

    def _records(self, ref: Any, key: str, cancel: threading.Event) -> Iterator[Any]:
        """What the task posts under `key`, until it ends; passes a stop on to it."""
        stopped = started = False
        while True:
            ended = bool(ray.wait([ref], timeout=POLL_S)[0])
            records = ray.get(self._board.take.remote(key))
            started = started or any(isinstance(r, Started) for r in records)
            yield from records
            if ended:
                ray.get(ref)  # raises when the task was cancelled before it started or its worker died
                return
            if cancel.is_set() and not stopped:
                stopped = True
                self._board.stop.remote(key)  # a running task sees it within POLL_S
                if not started:
                    ray.cancel(ref)  # one still waiting for room never starts

    def board(self) -> Any:
        if self._board is None:
            self._board = ProgressBoard.remote()
        return self._board
