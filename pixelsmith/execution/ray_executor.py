"""Ray executor: each model role is a Ray Serve deployment, and a tool call runs on its role's replicas.

`RayExecutor` keeps `LocalExecutor`'s interface (`submit` -> `JobHandle` with `progress()`,
`result()`, `cancel()`). A call is routed by its tool's first model role (`Tool.roles`);
tools that need no model (`refine_mask`) run here in the caller, and concept training
runs as a Ray task of its own (`pixelsmith.execution.ray_training`), not on a replica.
Replicas never see the caller's store: the artifacts a call names are read here and
shipped with the call (`pixelsmith.execution.ray_replica`). A replica streams progress back
as the tool reports it (through a `ProgressBoard` actor under Ray Client, which cannot
stream), and cancelling the job cancels the Serve request, which sets the tool's stop flag
(diffusion stops at the next step).

Fairness: Serve knows no sessions (requests waiting for a busy replica are taken in no
particular order), so the executor keeps them here in a `FairQueue` per role (the local
executor's) and sends at most `capacity` of them at a time, enough to keep every replica
busy; the next one is picked round robin across sessions, so one session's batch of
twenty does not starve another's click. The turns are per executor (per UI or CLI
process); callers in other processes share the replicas without turns.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import ray
from ray import serve
from ray.serve.exceptions import RequestCancelledError

from pixelsmith.config import Settings
from pixelsmith.errors import InterruptedError_, UserError
from pixelsmith.execution.local import FairQueue, JobHandle, ToolCall
from pixelsmith.execution.ray_deploy import (  # noqa: F401  (the deployment API, re-exported)
    APP_PREFIX,
    DEFAULT_GPU_FRACTION,
    READY_TIMEOUT_S,
    SERVED_ROLES,
    app_name,
    capacity,
    connect,
    cpus_needed,
    deployment_options,
    running_roles,
    start_deployments,
)
from pixelsmith.execution.ray_replica import (
    Outcome,
    ProgressBoard,
    ShippedStore,
    ToolRequest,
    follow,
    role_of,
    run_tool,
    ship,
)
from pixelsmith.execution.ray_training import Trainings
from pixelsmith.models.model_registry import ModelRegistry
from pixelsmith.tools import ToolContext, default_tools
from pixelsmith.tools.tool_registry import ToolRegistry


class RayExecutor:
    """Runs tool calls on Ray Serve deployments, one per model role (see the module docstring).

    Connects to Ray (see `connect`) unless already connected. On a cluster where pixelsmith
    deployments run already (`pixelsmith serve`), those are used as they are, with the
    models they were started with, and nothing is deployed unless `deploy=True`; on a
    fresh cluster the deployments of `roles` are started. `stream=False` polls progress
    from a board actor as under Ray Client (the default there, where Serve cannot stream).
    Each served role gets `capacity(settings, role)` dispatch threads that take its calls
    from a `FairQueue`; training calls and model-free tools start at once.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        models: ModelRegistry | None = None,
        address: str | None = None,
        roles: tuple[str, ...] | list[str] = SERVED_ROLES,
        tools: ToolRegistry | None = None,
        deploy: bool | None = None,
        stream: bool | None = None,
    ) -> None:
        connect(address, local_cpus=cpus_needed(settings, roles) + 1)
        self.settings = settings
        self.tools = tools or default_tools()
        served = running_roles()
        if deploy or (deploy is None and not served):
            start_deployments(settings, roles, tools=tools)
            served = running_roles()
        self.handles = {role: serve.get_app_handle(app_name(role)) for role in served}
        self._models = models  # for tools that need no model role; made on first use
        # Ray Client cannot stream from Serve: replicas post progress to a board actor instead.
        stream = not _is_client() if stream is None else stream
        self._board = None if stream else ProgressBoard.remote()
        self._key = uuid.uuid4().hex
        self._active: dict[int, tuple[JobHandle, Any]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._trainings = Trainings(settings, tools, board=self._board)
        self._threads = [threading.Thread(target=self._watch, name="pixelsmith-ray-cancel", daemon=True)]
        # Calls wait here, in turns across sessions, for one of their role's dispatch threads.
        self.queues = {role: FairQueue() for role in self.handles}
        for role, jobs in self.queues.items():
            for i in range(capacity(settings, role)):
                slot = threading.Thread(target=self._dispatch, args=(jobs,), name=f"pixelsmith-{role}-{i}")
                self._threads.append(slot)
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    def submit(self, call: ToolCall, *, cancel: threading.Event | None = None) -> JobHandle:
        """Queue `call`: a role's calls take turns across sessions; a training runs as a Ray task."""
        job = JobHandle(call, cancel_event=cancel or threading.Event())
        role = role_of(self.tools, call.tool, call.args)
        if not self._long(call.tool) and role in self.queues:
            self.queues[role].push(job)
        else:
            name = f"pixelsmith-ray-{job.id}"
            threading.Thread(target=self._drive, args=(job,), name=name, daemon=True).start()
        return job

    def _long(self, tool: str) -> bool:
        return tool in self.tools and self.tools.get(tool).lane == "long"

    def shutdown(self) -> None:
        """Send what is queued, then stop; the deployments stay up for other callers."""
        for jobs in self.queues.values():
            jobs.close()
        self._closed.set()

    def _dispatch(self, jobs: FairQueue) -> None:
        """One in-flight request of a role: the next queued call, round robin across sessions."""
        while (job := jobs.pop()) is not None:
            self._drive(job)

    def _drive(self, job: JobHandle) -> None:
        if job.cancel_event.is_set():
            job._finish("cancelled", error=InterruptedError_("stopped before it started; nothing changed"))
            return
        try:
            role = role_of(self.tools, job.call.tool, job.call.args)
            if self._long(job.call.tool):
                output = self._trainings.run(job)
            else:
                output = self._run_here(job) if role is None else self._run_remote(job, role)
        except InterruptedError_ as err:
            job._finish("cancelled", error=err)
        except BaseException as err:  # handed to whoever waits on the job
            job._finish("failed", error=err)
        else:
            job._finish("done", output=output)

    def _run_here(self, job: JobHandle) -> Any:
        job.status = "running"
        self._models = self._models or ModelRegistry(self.settings)
        ctx = ToolContext(self._models, job.call.store, on_progress=job._events.put, cancel=job.cancel_event)
        request = ToolRequest(job.call.tool, job.call.args, ShippedStore())
        return run_tool(self.tools, self._models, request, ctx)

    def _run_remote(self, job: JobHandle, role: str) -> Any:
        if role not in self.handles:
            raise UserError(
                f"{job.call.tool} needs the {role} deployment, which is not running on the Ray "
                f"cluster; start it with `pixelsmith serve --role {role}`"
            )
        # 1. Validate here and read the named artifacts from the caller's store.
        inputs = self.tools.get(job.call.tool).validate(job.call.args)
        request = ToolRequest(job.call.tool, dict(job.call.args), ship(inputs, job.call.store))
        # 2. Stream from the role's replicas; the watcher cancels the request on demand.
        if self._board is None:
            response = self.handles[role].options(stream=True).run.remote(request)
            items: Iterator[Any] = iter(response)
        else:
            key = f"{self._key}-{job.id}"
            response = self.handles[role].run_posted.remote(request, self._board, key)
            items = self._posted(response, key)
        with self._lock:
            self._active[job.id] = (job, response)
        try:
            outcome = follow(job, items)
        except RequestCancelledError:
            if job.status == "running":
                raise InterruptedError_("stopped by the user; nothing was changed") from None
            raise InterruptedError_("stopped before it started; nothing changed") from None
        finally:
            with self._lock:
                self._active.pop(job.id, None)
        if outcome is None:
            raise RuntimeError(f"the {role} replica ended {job.call.tool} without a result")
        if outcome.error is not None:
            raise outcome.error
        return outcome.output

    def _posted(self, response: Any, key: str) -> Iterator[Any]:
        """The records a replica posts to the board (Ray Client), polled every 0.1 s."""
        try:
            while True:
                for item in ray.get(self._board.take.remote(key)):
                    yield item
                    if isinstance(item, Outcome):
                        return
                try:
                    response.result(timeout_s=0.1)  # raises if the request was cancelled or failed
                except TimeoutError:
                    pass
        finally:
            self._board.take.remote(key)  # drop what a cancelled request left behind

    def _watch(self) -> None:
        """Cancel the Serve request of every job whose stop flag is set (checked every 50 ms),
        until shut down with nothing queued or in flight."""
        cancelled: set[int] = set()
        while True:
            time.sleep(0.05)
            with self._lock:
                active = list(self._active.items())
            if self._closed.is_set() and not active and not any(map(len, self.queues.values())):
                return
            for job_id, (job, response) in active:
                if job.cancel_event.is_set() and job_id not in cancelled:
                    cancelled.add(job_id)
                    response.cancel()
            cancelled &= {job_id for job_id, _ in active}


def _is_client() -> bool:
    """True when this process talks to the cluster through Ray Client (`ray://`)."""
    from ray.util.client import ray as client

    return client.is_connected()


_shared: dict[tuple[int, str | None], RayExecutor] = {}
_shared_lock = threading.Lock()


def shared_ray_executor(
    settings: Settings,
    models: ModelRegistry,
    *,
    address: str | None = None,
    tools: ToolRegistry | None = None,
) -> RayExecutor:
    """One Ray executor per registry and address per process (the UI and `chat` share it)."""
    with _shared_lock:
        key = (id(models), address, id(tools))
        if key not in _shared:
            _shared[key] = RayExecutor(settings, models=models, address=address, tools=tools)
        return _shared[key]
