"""`pixelsmith serve`: the model deployments on a Ray cluster, up until Ctrl-C.

Each model role becomes one Ray Serve deployment (see `pixelsmith.execution.ray_deploy`).
The UI and `chat` then use them with `PIXELSMITH_EXECUTOR=ray` on a machine of the
cluster, or `PIXELSMITH_EXECUTOR=ray://HEAD:10001` from elsewhere.
"""

from __future__ import annotations

import signal
import time
from typing import Annotated

import typer

from pixelsmith.cli.common import settings
from pixelsmith.config import ROLES, Settings
from pixelsmith.errors import UserError

app = typer.Typer()

AddressOption = Annotated[
    str | None,
    typer.Option(
        help="auto (a `ray start --head` cluster on this machine) or ray://HOST:PORT; "
        "default: this machine's cluster, else a new one in this process."
    ),
]
ReplicasOption = Annotated[
    int | None, typer.Option(min=1, max=64, help="Replicas of every role (else serve.<role>.replicas).")
]
GpuOption = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="GPU share per replica of every role (else per-role defaults)."),
]
RoleOption = Annotated[
    list[str] | None, typer.Option("--role", help="Serve only this role; repeat for more. Default: all.")
]


@app.command("serve")
def serve_command(
    address: AddressOption = None,
    replicas: ReplicasOption = None,
    gpu_fraction: GpuOption = None,
    role: RoleOption = None,
    detach: Annotated[bool, typer.Option(help="Deploy and exit; the deployments stay up.")] = False,
) -> None:
    """Start one Ray Serve deployment per model role and keep them up until Ctrl-C."""
    try:
        import ray
        from ray import serve

        from pixelsmith.models import ray_deploy as rx
    except ImportError:
        raise UserError("`pixelsmith serve` needs Ray Serve: pip install 'pixelsmith[ray]'") from None
    current = scaled(settings(), replicas=replicas, gpu_fraction=gpu_fraction)
    roles = tuple(role or rx.SERVED_ROLES)
    # 1. Join (or start) the cluster; a detached deployment needs one that outlives us.
    started = rx.connect(address, local_cpus=rx.cpus_needed(current, roles) + 1)
    if detach and started:
        ray.shutdown()
        raise UserError(
            "--detach needs a cluster that outlives this command: run `ray start --head` first, "
            "then `pixelsmith serve --address auto --detach`"
        )
    # 2. Deploy (replacing what runs under the same names) and say what runs where.
    rx.start_deployments(current, roles, update=True)
    gpus = ray.cluster_resources().get("GPU", 0) > 0
    for name in roles:
        typer.echo(describe(name, rx.deployment_options(current, name, gpus=gpus)))
    where = ray.get_runtime_context().gcs_address
    if detach:
        typer.echo(f"deployed on the Ray cluster at {where}; `serve shutdown` removes them")
        return
    users = "this machine" if started else "its machines (ray://HEAD:10001 elsewhere)"
    typer.echo(
        f"serving on the Ray cluster at {where}; use PIXELSMITH_EXECUTOR=ray on {users}. Ctrl-C stops."
    )
    # 3. Stay up; Ctrl-C or SIGTERM (docker stop) removes the deployments.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for name in roles:
            serve.delete(rx.app_name(name))
        typer.echo("stopped", err=True)


def scaled(current: Settings, *, replicas: int | None, gpu_fraction: float | None) -> Settings:
    """`current` with every role's replicas (a fixed count) and GPU share replaced where given."""
    update: dict[str, object] = {}
    if replicas is not None:
        update.update(replicas=replicas, max_replicas=None)
    if gpu_fraction is not None:
        update["gpu_fraction"] = gpu_fraction
    if not update:
        return current
    served = (role for role in ROLES if role in type(current.serve).model_fields)  # not the planner
    roles = {role: getattr(current.serve, role).model_copy(update=update) for role in served}
    return current.model_copy(update={"serve": current.serve.model_copy(update=roles)})


def describe(role: str, options: dict) -> str:
    """One line: the role, its replicas and what each one reserves."""
    actor = options["ray_actor_options"]
    if "autoscaling_config" in options:
        auto = options["autoscaling_config"]
        count = f"{auto['min_replicas']}-{auto['max_replicas']} replicas (autoscaling)"
    else:
        count = f"{options['num_replicas']} replica(s)"
    return f"{role:10} {count}, each {actor['num_gpus']:g} GPU, {actor['num_cpus']:g} CPU"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
