"""Ray Serve deployments of the model roles: joining the cluster, sizing and starting them.

One Serve application per role (`pixelsmith-<role>`), sized from `settings.serve.<role>`
(`pixelsmith.config.Scaling`). `pixelsmith serve` and `RayExecutor` start them here.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import ray
from ray import serve

from pixelsmith.config import ROLES, Settings
from pixelsmith.errors import UserError
from pixelsmith.execution.ray_replica import MAX_ONGOING_REQUESTS, ModelServer
from pixelsmith.tools.tool_registry import ToolRegistry

APP_PREFIX = "pixelsmith-"
# GPU share per replica where the cluster has GPUs and the settings give none: one of each fits a card.
DEFAULT_GPU_FRACTION = dict(inpainter=0.35, generator=0.35, segmenter=0.1, detector=0.1, ranker=0.1)
# The built-in tools' serving roles, a deployment each (plug-in tools served by others add theirs).
SERVED_ROLES = ("detector", "segmenter", "inpainter", "generator", "ranker", "editor", "eraser", "upscaler")
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


def running_replicas(role: str) -> int:
    """How many replicas of `role`'s deployment run now (0 when it does not)."""
    app = serve.status().applications.get(app_name(role))
    if app is None:
        return 0
    return sum(d.replica_states.get("RUNNING", 0) for d in app.deployments.values())


def capacity(settings: Settings, role: str) -> int:
    """Requests of `role` that a caller keeps in flight at once: enough to keep every replica
    busy (the most replicas when autoscaling, so that the autoscaler sees the load), and at
    least as many as run now (a `pixelsmith serve --replicas N` started elsewhere)."""
    scaling = getattr(settings.serve, role)
    replicas = max(scaling.max_replicas or scaling.replicas, running_replicas(role))
    return replicas * MAX_ONGOING_REQUESTS


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
