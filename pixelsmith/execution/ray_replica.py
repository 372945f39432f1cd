"""What runs on a Ray Serve replica: one model role's server, and what a request carries.

The caller (`pixelsmith.execution.ray_executor`) reads the artifacts a call names and ships
them in a `ShippedStore`; `ModelServer.run` streams `Started`, the tool's `Progress`
records and one `Outcome`. Where Serve cannot stream (Ray Client), `run_posted` posts the
same records to a `ProgressBoard` actor that the caller polls (concept training, a Ray
task, posts there too).
"""

from __future__ import annotations

import asyncio
import pickle
import re
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
from pydantic import BaseModel
from ray import serve

from pixelsmith.config import ROLES, Settings
from pixelsmith.errors import OutOfMemoryError, UserError
from pixelsmith.models.model_registry import ModelRegistry
from pixelsmith.tools import MemoryStore, Progress, ToolContext, default_tools
from pixelsmith.tools.base import ArtifactStore
from pixelsmith.tools.tool_registry import ToolRegistry

ARTIFACT_ID = re.compile(r"^(image|mask|detection)-\d+$")
MAX_ONGOING_REQUESTS = 1  # per replica: one request at a time, like the local executor's GPU worker


def role_of(tools: ToolRegistry, tool: str, args: dict | None = None) -> str | None:
    """The deployment that runs `tool` with `args` (the first model role it uses: `remove`
    goes to the eraser, or with backend "diffusion" to the inpainter), or None: it runs in
    the caller."""
    roles = tools.get(tool).roles_used(args or {}) if tool in tools else []
    return roles[0] if roles else None


def served_roles(tools: ToolRegistry) -> tuple[str, ...]:
    """One deployment per role that some tool is served by (its first role, with its
    default arguments)."""
    return tuple(dict.fromkeys(r for t in tools if (r := role_of(tools, t.name)) is not None))


def models_of(role: str, tools: ToolRegistry) -> tuple[str, ...]:
    """Every model the tools served by `role` use: the inpainter's replicas also rank with CLIP."""
    needed = [r for t in tools if t.roles[:1] == (role,) for r in t.roles]
    return tuple(dict.fromkeys([role, *needed]))


class RoleRegistry(ModelRegistry):
    """A `ModelRegistry` that loads only `roles`: a replica holds its role's models, nothing else."""

    def __init__(self, settings: Settings, roles: tuple[str, ...]) -> None:
        super().__init__(settings)
        self.roles = roles

    def get(self, role, *, watch=None):  # type: ignore[no-untyped-def]
        if role in ROLES and role not in self.roles:
            raise RuntimeError(f"this replica serves {', '.join(self.roles)}; a tool asked for the {role}")
        return super().get(role, watch=watch)


class ShippedStore(MemoryStore):
    """The artifacts one call reads, under their ids in the caller's store; pickled to the replica.

    An id the caller's store refused raises that store's own error here, if a tool asks for it.
    `data_dir` is the caller session's data folder (where concepts live), if its store has one;
    under Ray it must be on storage that every node mounts at the same path.
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        super().__init__()
        self._refused: dict[str, UserError] = {}
        self.data_dir = data_dir

    def put(self, artifact_id: str, value: Any) -> None:
        self._items[artifact_id] = value

    def refuse(self, artifact_id: str, error: UserError) -> None:
        self._refused[artifact_id] = error

    def ids(self) -> list[str]:
        return list(self._items)

    def _get(self, kind: str, artifact_id: str) -> Any:
        if artifact_id in self._refused:
            raise self._refused[artifact_id]
        return super()._get(kind, artifact_id)


def ship(inputs: BaseModel, store: ArtifactStore) -> ShippedStore:
    """Read every image, mask and detection id named in `inputs` from `store`.

    Any string shaped like an id is tried. One the store refuses is not an error here (a
    prompt may look like an id); the replica raises the store's error if the tool uses it.
    """
    readers = {"image": store.image, "mask": store.mask, "detection": store.detections}
    shipped = ShippedStore(getattr(store, "data_dir", None))
    for value in _strings(inputs.model_dump()):
        match = ARTIFACT_ID.match(value)
        if match and value not in shipped.ids():
            try:
                shipped.put(value, readers[match.group(1)](value))
            except UserError as err:
                shipped.refuse(value, err)
    return shipped


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return []


@dataclass
class ToolRequest:
    """What a replica receives: the tool, its arguments and the artifacts they name."""

    tool: str
    args: dict[str, Any]
    store: ShippedStore


@dataclass(frozen=True)
class Started:
    """Streamed first, when a replica takes the request off its queue."""


@dataclass
class Outcome:
    """Streamed last: the tool's output, or the error it raised."""

    output: Any = None
    error: BaseException | None = None


def follow(job: Any, items: Iterator[Any]) -> Outcome | None:
    """Pass the records of a replica or a training task on to `job` (a `JobHandle`); the
    `Outcome`, once it comes."""
    for item in items:
        if isinstance(item, Started):
            job.status = "running"
        elif isinstance(item, Progress):
            job._events.put(item)
        elif isinstance(item, Outcome):
            return item
    return None


def run_tool(tools: ToolRegistry, models: ModelRegistry, request: ToolRequest, ctx: ToolContext) -> Any:
    """Validate and run one call; one retry with the replica's other models evicted on OOM."""
    tool = tools.get(request.tool)
    inputs = tool.validate(request.args)
    try:
        return tool.run(inputs, ctx)
    except OutOfMemoryError:
        models.evict_all(keep=list(tool.roles))
        return tool.run(inputs, ctx)


@serve.deployment(max_ongoing_requests=MAX_ONGOING_REQUESTS)
class ModelServer:
    """One model role's replica: a registry restricted to the role, loaded on first use."""

    def __init__(self, settings: Settings, role: str, tools: ToolRegistry | None = None) -> None:
        self.role = role
        self.tools = tools or default_tools()
        self.models = RoleRegistry(settings, models_of(role, self.tools))

    def loaded(self) -> list[str]:
        """The roles whose model this replica holds now."""
        return self.models.loaded()

    async def run(self, request: ToolRequest):
        """Stream `Started`, the tool's `Progress` records, then one `Outcome`."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()
        cancel = threading.Event()
        end = object()

        def report(progress: Progress) -> None:
            loop.call_soon_threadsafe(events.put_nowait, progress)

        # 1. The tool runs in a thread so that this coroutine can stream and see a cancel.
        work = loop.run_in_executor(None, self._run, request, report, cancel)
        work.add_done_callback(lambda _: events.put_nowait(end))
        yield Started()
        try:
            while (item := await events.get()) is not end:
                yield item
            yield work.result()
        except asyncio.CancelledError:
            # 2. The caller cancelled: stop the tool at its next step, then free the slot.
            cancel.set()
            await asyncio.shield(work)
            raise

    async def run_posted(self, request: ToolRequest, board: Any, key: str) -> None:
        """`run` for callers that cannot stream: every record goes to `board` under `key`."""
        async for item in self.run(request):
            posted = board.post.remote(key, item)
        await posted  # the board has every record (in order) once the Outcome is there

    def _run(self, request: ToolRequest, report, cancel: threading.Event) -> Outcome:
        ctx = ToolContext(self.models, request.store, on_progress=report, cancel=cancel)
        try:
            return Outcome(output=run_tool(self.tools, self.models, request, ctx))
        except BaseException as err:  # handed to the caller, who raises it
            return Outcome(error=portable(err))


def portable(err: BaseException) -> BaseException:
    """`err` with its replica traceback as a note, or a RuntimeError where it cannot be pickled."""
    if not isinstance(err, UserError) and hasattr(err, "add_note"):
        err.add_note("on the Ray replica:\n" + "".join(traceback.format_exception(err)))
    try:
        pickle.dumps(err)
        return err
    except Exception:
        return RuntimeError("".join(traceback.format_exception(err)))


@ray.remote(num_cpus=0)
class ProgressBoard:
    """Records that replicas and training tasks post per request key and callers take."""

    def __init__(self) -> None:
        self._items: dict[str, list[Any]] = {}
        self._stops: set[str] = set()

    def post(self, key: str, item: Any) -> None:
        self._items.setdefault(key, []).append(item)

    def take(self, key: str) -> list[Any]:
        return self._items.pop(key, [])

    def stop(self, key: str) -> None:
        """Ask the task posting under `key` to stop; it polls `stopping`."""
        self._stops.add(key)

    def stopping(self, key: str) -> bool:
        return key in self._stops

    def forget(self, key: str) -> None:
        """Drop what a finished (or abandoned) request left behind."""
        self._items.pop(key, None)
        self._stops.discard(key)
