"""Executors: where tool calls run. One interface for the agent, the UI and the CLI.

`LocalExecutor` (the default) owns a worker thread per device slot that runs jobs from a
fair queue: sessions take turns, so one session's long batch does not starve another's
click. Long jobs (a tool whose `lane` is "long": training, minutes to hours) run in a lane
of its own, a second fair queue with its own thread, so the conversation goes on beside
it; trainings take turns among themselves. A job streams progress, can be cancelled while queued or running
(diffusion and training stop at the next step), and survives one out-of-memory error
(pixelsmith's or torch's) by evicting the models no running job uses and trying again; a
second one ends the job with one sentence.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from pixelsmith.errors import InterruptedError_, OutOfMemoryError
from pixelsmith.models.download import LoadStatus
from pixelsmith.models.model_registry import ModelRegistry
from pixelsmith.tools.base import ArtifactStore, Progress, ToolContext
from pixelsmith.tools.tool_registry import ToolRegistry

log = logging.getLogger(__name__)

_DONE = object()
_ids = itertools.count(1)


@dataclass
class ToolCall:
    """A tool name, its validated-or-raw arguments, and the session whose store it reads;
    `models`: that session's view of the registry (`ModelRegistry.for_session`), with the
    models it chose (None: the executor's own settings)."""

    tool: str
    args: dict[str, Any]
    store: ArtifactStore
    session: str = "default"
    models: ModelRegistry | None = None


@dataclass
class JobHandle:
    """A submitted call: iterate `progress()`, then `result()`; `cancel()` any time."""

    call: ToolCall
    cancel_event: threading.Event = field(default_factory=threading.Event)
    id: int = field(default_factory=lambda: next(_ids))
    status: str = "queued"  # downloading | queued | running | done | failed | cancelled
    _events: queue.Queue = field(default_factory=queue.Queue)
    _finished: threading.Event = field(default_factory=threading.Event)
    _output: Any = None
    _error: BaseException | None = None

    def progress(self) -> Iterator[Progress]:
        """Progress records until the job ends (returns at once for a finished job)."""
        while not self._finished.is_set() or not self._events.empty():
            item = self._events.get()
            if item is _DONE:
                return
            yield item

    def result(self, timeout: float | None = None) -> Any:
        if not self._finished.wait(timeout):
            raise TimeoutError(f"job {self.id} ({self.call.tool}) is still {self.status}")
        if self._error is not None:
            raise self._error
        return self._output

    def cancel(self) -> None:
        self.cancel_event.set()

    def _finish(self, status: str, output: Any = None, error: BaseException | None = None) -> None:
        self.status, self._output, self._error = status, output, error
        self._finished.set()
        self._events.put(_DONE)


class Executor(Protocol):
    def submit(self, call: ToolCall, *, cancel: threading.Event | None = None) -> JobHandle: ...
    def shutdown(self) -> None: ...


class FairQueue:
    """Jobs grouped by session; `pop` serves sessions in turn (round robin)."""

    def __init__(self) -> None:
        self._by_session: OrderedDict[str, deque[JobHandle]] = OrderedDict()
        self._ready = threading.Condition()
        self._closed = False

    def push(self, job: JobHandle) -> None:
        with self._ready:
            self._by_session.setdefault(job.call.session, deque()).append(job)
            self._ready.notify()

    def pop(self) -> JobHandle | None:
        """The next job, or None once closed and empty."""
        with self._ready:
            while not self._by_session and not self._closed:
                self._ready.wait()
            if not self._by_session:
                return None
            session, jobs = next(iter(self._by_session.items()))
            job = jobs.popleft()
            del self._by_session[session]
            if jobs:  # this session goes to the back of the line
                self._by_session[session] = jobs
            return job

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def __len__(self) -> int:
        with self._ready:
            return sum(len(jobs) for jobs in self._by_session.values())


class LocalExecutor:
    """Runs tool calls on this machine's device with the registry's resident models.

    `workers` threads serve `queue`; one more serves `long_queue` (training). The two
    lanes share the registry, which holds the roles of every running job (`using`), so
    that neither the memory budget nor an out-of-memory retry in one lane evicts a model
    the other is using.
    """

    def __init__(self, models: ModelRegistry, *, tools: ToolRegistry | None = None, workers: int = 1) -> None:
        from pixelsmith.tools import default_tools

        self.models = models
        self.tools = tools or default_tools()
        self.queue = FairQueue()
        self.long_queue = FairQueue()
        lanes = [(f"pixelsmith-worker-{i}", self.queue) for i in range(workers)]
        self._threads = [
            threading.Thread(target=self._work, args=(lane,), name=name, daemon=True)
            for name, lane in [*lanes, ("pixelsmith-long-jobs", self.long_queue)]
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, call: ToolCall, *, cancel: threading.Event | None = None) -> JobHandle:
        """Queue `call`; a call whose models must be downloaded first waits for them outside
        the lanes (with progress), so the other sessions' jobs run meanwhile."""
        job = JobHandle(call, cancel_event=cancel or threading.Event())
        long = call.tool in self.tools and self.tools.get(call.tool).lane == "long"
        lane = self.long_queue if long else self.queue
        missing = [r for r in self._roles(call) if self._models(call).needs_download(r)]
        if missing:
            job.status = "downloading"
            threading.Thread(
                target=self._download_then_queue,
                args=(job, missing, lane),
                name="pixelsmith-download",
                daemon=True,
            ).start()
        else:
            lane.push(job)
        return job

    def _models(self, call: ToolCall) -> ModelRegistry:
        """The models `call` runs with: its session's choices, else the executor's."""
        return call.models or self.models

    def _roles(self, call: ToolCall) -> list[str]:
        if call.tool not in self.tools:
            return []  # said when the job runs
        try:
            return self.tools.get(call.tool).roles_used(
                call.args, ranking=self._models(call).settings.ranker.enabled
            )
        except Exception:  # arguments the tool's validation will name when it runs
            return []

    def _download_then_queue(self, job: JobHandle, roles: list[str], lane: FairQueue) -> None:
        try:
            for role in roles:
                if job.cancel_event.is_set():
                    break  # the lane says "stopped before it started"
                self._models(job.call).download(role, watch=self._reporter(job))
        except BaseException as err:  # handed to whoever waits on the job
            job._finish("failed", error=err)
            return
        job.status = "queued"
        lane.push(job)

    def shutdown(self) -> None:
        self.queue.close()
        self.long_queue.close()

    def _work(self, lane: FairQueue) -> None:
        while (job := lane.pop()) is not None:
            if job.cancel_event.is_set():
                job._finish(
                    "cancelled", error=InterruptedError_("stopped before it started; nothing changed")
                )
                continue
            job.status = "running"
            try:
                job._finish("done", output=self._run(job))
            except InterruptedError_ as err:
                job._finish("cancelled", error=err)
            except BaseException as err:  # handed to whoever waits on the job
                job._finish("failed", error=err)

    def _run(self, job: JobHandle) -> Any:
        tool, models = self.tools.get(job.call.tool), self._models(job.call)
        inputs = tool.validate(job.call.args)
        ctx = ToolContext(models, job.call.store, on_progress=job._events.put, cancel=job.cancel_event)
        roles = tool.roles_used(job.call.args, ranking=models.settings.ranker.enabled)
        with models.using(roles):
            self._load(job, roles)
            try:
                return tool.run(inputs, ctx)
            except out_of_memory_errors():
                pass  # retried below, outside this block, so the failed attempt's tensors are freed
            self._make_room(models, roles)
            try:
                return tool.run(inputs, ctx)
            except OutOfMemoryError:
                raise  # the tool's own sentence
            except out_of_memory_errors():
                pass  # torch's, many lines long: said in one sentence below, its frames let go
        raise OutOfMemoryError(
            f"{job.call.tool}: the GPU ran out of memory, also with the other models unloaded; "
            "try a smaller image, fewer candidates or fewer steps"
        )

    def _load(self, job: JobHandle, roles: list[str]) -> None:
        """Make the job's models ready before it runs, its progress saying how each first
        load goes (downloading: bytes, speed, time left; then loading), also when another
        thread (the UI's warm-up) is the one loading it."""

        models = self._models(job.call)
        for role in roles:
            models.get(role, watch=self._reporter(job))  # type: ignore[arg-type]

    @staticmethod
    def _reporter(job: JobHandle) -> Callable[[LoadStatus], None]:
        """A model load's status as the job's progress."""

        def report(status: LoadStatus) -> None:
            job._events.put(
                Progress(
                    job.call.tool,
                    status.done,
                    status.total,
                    label=status.line(),
                    eta_seconds=status.eta_seconds,
                    phase=status.phase,
                )
            )

        return report

    def _make_room(self, models: ModelRegistry, roles: list[str]) -> None:
        """Before an out-of-memory retry: evict every model no running job holds (of any
        session) and make this job's pipelines leaner."""
        models.evict_all()
        log.info("out of memory: evicted the models no running job holds; trying again")
        _empty_device_cache()
        for role in roles:
            lighten(models.get(role))  # type: ignore[arg-type]


def out_of_memory_errors() -> tuple[type[BaseException], ...]:
    """pixelsmith's `OutOfMemoryError` and torch's (`torch.cuda.OutOfMemoryError`, and
    `torch.OutOfMemoryError` where this torch has it)."""
    import torch

    found = [OutOfMemoryError, torch.cuda.OutOfMemoryError, getattr(torch, "OutOfMemoryError", None)]
    return tuple(dict.fromkeys(e for e in found if e is not None))


def _empty_device_cache() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def lighten(model: Any) -> None:
    """Trade speed for memory on a diffusers pipeline: sliced attention, tiled VAE."""
    if hasattr(model, "enable_attention_slicing"):
        model.enable_attention_slicing()
    vae = getattr(model, "vae", None)
    if vae is not None and hasattr(vae, "enable_tiling"):
        vae.enable_tiling()


_shared: dict[tuple[int, int], LocalExecutor] = {}
_shared_lock = threading.Lock()


def shared_executor(models: ModelRegistry, tools: ToolRegistry | None = None) -> LocalExecutor:
    """One executor per registry per process (the UI and `chat` share it; every session's
    view of a registry shares its executor, each job running on its own view's models)."""
    from pixelsmith.tools import default_tools

    tools = tools or default_tools()
    with _shared_lock:
        key = (id(models.resident_models), id(tools))
        if key not in _shared:
            _shared[key] = LocalExecutor(models, tools=tools)
        return _shared[key]
