"""Ray Serve executor: each model role is a deployment, and a tool call runs on its role's replicas.

`RayExecutor` keeps `LocalExecutor`'s interface (`submit` -> `JobHandle` with `progress()`,
`result()`, `cancel()`). A call is routed by the first role of its tool in `TOOL_ROLES`;
tools that need no model (`refine_mask`) run here in the caller. Replicas never see the
caller's store: the artifacts a call names are read here and shipped with the call
(`pixelsmith.runtime.ray_replica`). A replica streams progress back as the tool reports it
(through a `ProgressBoard` actor under Ray Client, which cannot stream), and cancelling the
job cancels the Serve request, which sets the tool's stop flag (diffusion stops at the next
step). Serve queues requests per replica (`max_ongoing_requests=1`, like one GPU worker) in
arrival order: the per-session fairness of `LocalExecutor`'s queue is not reproduced here.
"""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import ray
from ray import serve
from ray.serve.exceptions import RequestCancelledError

from pixelsmith.config import ROLES, Settings
from pixelsmith.errors import InterruptedError_, UserError
from pixelsmith.runtime.executor import TOOL_ROLES, JobHandle, ToolCall
from pixelsmith.runtime.ray_replica import (
    ModelServer,
    Outcome,
    ProgressBoard,
    ShippedStore,
    Started,
    ToolRequest,
    role_of,
    run_tool,
    ship,
)
from pixelsmith.runtime.registry import ModelRegistry
from pixelsmith.tools import Progress, ToolContext, default_tools
from pixelsmith.tools.registry import ToolRegistry

APP_PREFIX = "pixelsmith-"
# GPU share per replica where the cluster has GPUs and the settings give none: one of each fits a card.
DEFAULT_GPU_FRACTION = dict(inpainter=0.35, generator=0.35, segmenter=0.1, detector=0.1, ranker=0.1)
SERVED_ROLES = tuple(dict.fromkeys(roles[0] for roles in TOOL_ROLES.values()))
READY_TIMEOUT_S = 300.0


def app_name(role: str) -> str:
    return f"{APP_PREFIX}{role}"


def connect(address: str | None = None, *, local_cpus: float | None = None) -> bool:
    """Join Ray: `address` ('auto', 'ray://HOST:PORT'), else this machine's cluster, else a new one.

    A new local cluster gets at least `local_cpus` logical CPUs, so that every replica can
    be placed on a small machine. True when this process started the cluster (it ends
    with the process).
    """
    if ray.is_initialized():
        return False
    if address is not None:
        try:
            ray.init(address=address)
        except ConnectionError as err:
            raise UserError(
                f"cannot join the Ray cluster at {address!r} ({err}); is `ray start --head` running?"
            ) from None
        return False
    try:
        ray.init(address="auto")
        return False
    except ConnectionError:
        cpus = max(os.cpu_count() or 1, math.ceil(local_cpus or 0))
        ray.init(address="local", num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1")
        return True


def cpus_needed(settings: Settings, roles: tuple[str, ...] | list[str] = SERVED_ROLES) -> float:
    """Logical CPUs that the deployments of `roles` reserve at their minimum size."""
    return sum(getattr(settings.serve, r).num_cpus * getattr(settings.serve, r).replicas for r in roles)


def deployment_options(settings: Settings, role: str, *, gpus: bool) -> dict[str, Any]:
    """Serve options of `role`'s deployment from `settings.serve.<role>`."""
    scaling = getattr(settings.serve, role)
    fraction = scaling.gpu_fraction
    if fraction is None:
        fraction = DEFAULT_GPU_FRACTION.get(role, 0.1) if gpus else 0.0
    options: dict[str, Any] = {
        "name": app_name(role),
        "ray_actor_options": {"num_gpus": fraction, "num_cpus": scaling.num_cpus},
    }
    if scaling.max_replicas and scaling.max_replicas > scaling.replicas:
        options["autoscaling_config"] = {
            "min_replicas": scaling.replicas,
            "max_replicas": scaling.max_replicas,
            "target_ongoing_requests": 1,
        }
    else:
        options["num_replicas"] = scaling.replicas
    return options


def running_roles() -> list[str]:
    """The roles whose pixelsmith deployment runs (or is starting) on the cluster."""
    serve.start(proxy_location="Disabled")
    apps = serve.status().applications
    return [r for r in ROLES if app_name(r) in apps and apps[app_name(r)].status in ("RUNNING", "DEPLOYING")]


def start_deployments(
    settings: Settings,
    roles: tuple[str, ...] | list[str] = SERVED_ROLES,
    *,
    tools: ToolRegistry | None = None,
    update: bool = False,
    timeout: float = READY_TIMEOUT_S,
) -> None:
    """Start the deployments of `roles` (all of them with `update`, else those not running).

    They start side by side; a deployment not running after `timeout` seconds (no room for
    its replicas, say) is removed again and reported as a `UserError`. Needs `connect()`.
    """
    for role in roles:
        if role not in ROLES:
            raise UserError(f"unknown model role {role!r}; choose from {', '.join(SERVED_ROLES)}")
    running = set(running_roles())
    gpus = ray.cluster_resources().get("GPU", 0) > 0
    started = {r: deployment_options(settings, r, gpus=gpus) for r in roles if update or r not in running}
    for role in running & set(started):
        serve.delete(app_name(role))  # replaced, not rolled: its GPU share is free for the new one
    for role, options in started.items():
        server = ModelServer.options(**options)
        serve._run(
            server.bind(settings, role, tools), _blocking=False, name=app_name(role), route_prefix=None
        )
    _wait_running({app_name(r): o["ray_actor_options"] for r, o in started.items()}, timeout)


def _wait_running(needs: dict[str, dict[str, float]], timeout: float) -> None:
    """Wait until every app in `needs` ({name: resources per replica}) runs; else remove them."""
    deadline = time.monotonic() + timeout
    while needs:
        apps = serve.status().applications
        waiting = [n for n in needs if n not in apps or apps[n].status != "RUNNING"]
        failed = [n for n in waiting if n in apps and apps[n].status == "DEPLOY_FAILED"]
        if not waiting:
            return
        if failed or time.monotonic() > deadline:
            name = (failed or waiting)[0]
            app = apps.get(name)
            said = " ".join([app.message, *(d.message for d in app.deployments.values())]) if app else ""
            state = getattr(app.status, "value", app.status) if app else "missing"
            for other in waiting:
                serve.delete(other, _blocking=False)
            need, free = needs[name], ray.available_resources()
            raise UserError(
                f"the Ray Serve deployment {name} did not start within {timeout:g} s ({state}); each "
                f"replica needs {need['num_cpus']:g} CPU and {need['num_gpus']:g} GPU, the cluster has "
                f"{free.get('CPU', 0):g} CPU and {free.get('GPU', 0):g} GPU free. {said}".strip()
            )
        time.sleep(0.2)


class RayExecutor:
    """Runs tool calls on Ray Serve deployments, one per model role (see the module docstring).

    Connects to Ray (see `connect`) unless already connected. On a cluster where pixelsmith
    deployments run already (`pixelsmith serve`), those are used as they are, with the
    models they were started with, and nothing is deployed unless `deploy=True`; on a
    fresh cluster the deployments of `roles` are started. `stream=False` polls progress
    from a board actor as under Ray Client (the default there, where Serve cannot stream).
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
        self._watcher = threading.Thread(target=self._watch, name="pixelsmith-ray-cancel", daemon=True)
        self._watcher.start()

    def submit(self, call: ToolCall, *, cancel: threading.Event | None = None) -> JobHandle:
        job = JobHandle(call, cancel_event=cancel or threading.Event())
        name = f"pixelsmith-ray-{job.id}"
        threading.Thread(target=self._drive, args=(job,), name=name, daemon=True).start()
        return job

    def shutdown(self) -> None:
        """Stop watching for cancellations; the deployments stay up for other callers."""
        self._closed.set()

    def _drive(self, job: JobHandle) -> None:
        if job.cancel_event.is_set():
            job._finish("cancelled", error=InterruptedError_("stopped before it started; nothing changed"))
            return
        try:
            role = role_of(job.call.tool)
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
            outcome = self._follow(job, items)
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

    @staticmethod
    def _follow(job: JobHandle, items: Iterator[Any]) -> Outcome | None:
        """Pass a replica's records on to `job`; the `Outcome`, once it comes."""
        for item in items:
            if isinstance(item, Started):
                job.status = "running"
            elif isinstance(item, Progress):
                job._events.put(item)
            elif isinstance(item, Outcome):
                return item
        return None

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
        """Cancel the Serve request of every job whose stop flag is set (checked every 50 ms)."""
        cancelled: set[int] = set()
        while not self._closed.wait(0.05):
            with self._lock:
                active = list(self._active.items())
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
    settings: Settings, models: ModelRegistry, *, address: str | None = None
) -> RayExecutor:
    """One Ray executor per registry and address per process (the UI and `chat` share it)."""
    with _shared_lock:
        key = (id(models), address)
        if key not in _shared:
            _shared[key] = RayExecutor(settings, models=models, address=address)
        return _shared[key]
