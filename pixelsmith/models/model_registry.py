"""The model registry: each role's model is loaded lazily, once, and kept resident.

Model choices belong to a session: `registry.for_session(settings)` is a view of the same
resident models with that session's role specs. Two views that choose the same model share
it; a view that chooses another detector loads that one beside the first, and neither is
unloaded while a job holds it. A role keeps at most `MODELS_PER_ROLE` models resident (the
least recently used one that no job holds goes first), within the memory budget.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pixelsmith.config import ROLES, Role, Settings
from pixelsmith.errors import UserError, shorten
from pixelsmith.families import is_xl
from pixelsmith.models import editors as _editors  # noqa: F401  (registers the flow editors)
from pixelsmith.models import planner_llm as _planner_llm  # noqa: F401  (registers the planner's)
from pixelsmith.models import sdxl as _sdxl  # noqa: F401  (registers the sdxl loaders)
from pixelsmith.models.device import resolve_device, resolve_dtype
from pixelsmith.models.download import LoadStatus, fetch, fetchable, is_cached, refuse_missing
from pixelsmith.models.loaders import LOADERS, load_lcm_lora
from pixelsmith.models.memory import free_device_memory, model_bytes

log = logging.getLogger(__name__)

# transformers and diffusers build models on the meta device through process-wide patches
# (accelerate's init_empty_weights), so two loads at once break each other even when they
# belong to two registries (a UI session's and a training run's): one build at a time.
_BUILD_LOCK = threading.RLock()
MODELS_PER_ROLE = 2  # resident models of one role (sessions that chose different ones), at most


class ModelRegistry:
    """Loads a role's model on first `get`, then returns the same object every time.

    Thread-safe: loads take one registry-wide lock, so two sessions asking at once load a
    model once, and the process-wide `_BUILD_LOCK`, so no two models (of any registry) are
    built at the same time.
    `load_counts` and `load_seconds` record every load for the benchmarks (by role).
    A resident model sits in a slot: its role's name for the spec this registry was made
    with, "<role> (<model>, <backend>)" for another spec a session's view chose.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._base = settings  # the specs whose slots are named by the role alone
        self._views: dict[str, ModelRegistry] = {}  # for_session's, by their settings
        self._views_lock = threading.Lock()  # not the load lock: a page run never waits for a load
        self.device = resolve_device(settings.device)
        self.dtype = resolve_dtype(settings.dtype, self.device)
        self.load_counts: Counter[str] = Counter()
        self.load_seconds: dict[str, float] = {}
        self._models: dict[str, Any] = {}
        self._last_used: dict[str, float] = {}
        self.sizes: dict[str, int] = {}  # bytes of parameters and buffers per loaded role
        self.evictions: Counter[str] = Counter()
        self._load_lock = threading.RLock()
        self._in_use: Counter[str] = Counter()  # roles held by running jobs (`using`)
        self._use_lock = threading.Lock()  # guards _in_use; taken after _load_lock, never before
        self._lcm_lock = threading.Lock()
        self._lcm: dict[bool, dict[str, Any]] = {}  # SDXL or not: its LCM-LoRA's weights
        self._previews: dict[str, Any] = {}  # role -> its preview pipeline (LCM-LoRA fused in)
        self._adapters: dict[str, Any] = {}  # role -> the IP-Adapter in its pipeline (reference photos)
        self.loading: dict[str, LoadStatus] = {}  # slots being downloaded or built now
        self._watchers: dict[str, list[Callable[[LoadStatus], None]]] = {}
        self._download_locks: dict[str, threading.Lock] = {}
        self._downloaded: set[str] = set()  # fetched by this registry: no second cache check

    def get(self, role: Role, *, watch: Callable[[LoadStatus], None] | None = None) -> Any:
        """The loaded model of `role`; loads it on first use (downloading its files first
        when they are not on disk). `watch` hears how the load goes (bytes downloaded,
        then building), whichever thread is doing it."""
        if role not in ROLES:
            raise UserError(f"unknown model role {role!r}; choose one of {', '.join(ROLES)}")
        slot = self.slot(role)
        self._last_used[slot] = time.monotonic()
        model = self._models.get(slot)
        if model is not None:
            return model
        self.refuse_missing(role)  # at once, not after another role's load lets go of the lock
        with self._watching(slot, watch):
            self.download(role)  # outside the load locks: other roles load meanwhile
            with self._load_lock:
                if slot not in self._models:
                    self._make_way(role, slot)
                    with _BUILD_LOCK:
                        self._models[slot] = self._load(role)
                    self.sizes[slot] = model_bytes(self._models[slot])
                    self._enforce_budget(keep=slot)
                return self._models[slot]

    def slot(self, role: str) -> str:
        """Where `role`'s model for this registry's spec is kept (see the class docstring)."""
        spec = self.settings.spec(role)  # type: ignore[arg-type]
        if spec == self._base.spec(role):  # type: ignore[arg-type]
            return role
        return f"{role} ({spec.model}, {spec.backend})"

    def for_session(self, settings: Settings) -> ModelRegistry:
        """A view of these models with a session's role specs (the same view for the same
        settings): its `get` loads what that session chose, beside what others chose.
        Device, dtype, memory budget and executor are the process's and must not differ."""
        if settings == self.settings:
            return self
        fixed = ("device", "dtype", "memory_budget_gb", "executor")
        if changed := [k for k in fixed if getattr(settings, k) != getattr(self._base, k)]:
            raise UserError(f"a session cannot change {', '.join(changed)}; they hold for the whole process")
        key = settings.model_dump_json()
        with self._views_lock:
            if key not in self._views:
                view = copy.copy(self)  # every dict, lock and counter shared; its own settings
                view.settings = settings
                self._views[key] = view
            return self._views[key]

    def _make_way(self, role: str, slot: str) -> None:
        """Before `slot` loads: unload the least recently used other models of `role` that no
        job holds, so the role keeps at most `MODELS_PER_ROLE` resident."""
        while True:
            with self._use_lock:
                others = [s for s in self._models if _role_of(s) == role and s != slot]
                free = [s for s in others if not self._in_use[s]]
            if len(others) < MODELS_PER_ROLE or not free:
                return
            self._unload_slot(min(free, key=lambda s: self._last_used.get(s, 0.0)))

    def refuse_missing(self, role: str) -> None:
        """One sentence for a role whose model cannot load (its folder missing, or not cached
        and not downloadable), raised before waiting on any lock."""
        refuse_missing(self.settings, [role])

    def needs_download(self, role: str) -> bool:
        """Whether `role`'s files must come from the hub before it can load (not loaded,
        not a local folder, not in the cache, and the process not offline)."""
        if role not in ROLES or self.slot(role) in self._models or self.slot(role) in self._downloaded:
            return False
        spec = self.settings.spec(role)  # type: ignore[arg-type]
        return (role, spec.backend) in LOADERS and fetchable(spec) and not is_cached(spec)

    def download(self, role: str, *, watch: Callable[[LoadStatus], None] | None = None) -> None:
        """Fetch `role`'s files into the hub cache if they are not there, with progress to
        `watch`; a second caller meanwhile waits for the first one's download."""
        slot = self.slot(role)
        with self._watching(slot, watch), self._download_locks.setdefault(slot, threading.Lock()):
            if self.needs_download(role):
                spec = self.settings.spec(role)  # type: ignore[arg-type]
                status = self.loading.setdefault(slot, LoadStatus(role, spec.model))
                if fetch(spec, status, lambda now: self._tell(slot, now)) is not None:
                    self._downloaded.add(slot)

    @contextmanager
    def _watching(self, slot: str, watch: Callable[[LoadStatus], None] | None) -> Iterator[None]:
        """`watch` hears of `slot`'s load while inside; told at once where a load already is."""
        if watch is None:
            yield
            return
        watchers = self._watchers.setdefault(slot, [])
        watchers.append(watch)
        if (now := self.loading.get(slot)) is not None:
            watch(now)
        try:
            yield
        finally:
            watchers.remove(watch)

    def _load(self, role: Role) -> Any:
        start, spec, slot = time.perf_counter(), self.settings.spec(role), self.slot(role)
        status = self.loading.setdefault(slot, LoadStatus(role, spec.model))
        status.phase = "loading"
        self._tell(slot, status)
        try:
            model = self._build(role)
        finally:
            self.loading.pop(slot, None)
        self.load_seconds[role] = time.perf_counter() - start
        self.load_counts[role] += 1
        return model

    def _tell(self, slot: str, status: LoadStatus) -> None:
        for watch in list(self._watchers.get(slot, ())):
            try:
                watch(status)
            except Exception:  # a watcher's failure is not the load's
                log.exception("a load watcher failed")

    def _build(self, role: Role) -> Any:
        """`role`'s model from its configured checkpoint (a subclass may build it otherwise)."""
        spec = self.settings.spec(role)
        loader = LOADERS.get((role, spec.backend))
        if loader is None:
            known = sorted(b for r, b in LOADERS if r == role)
            raise UserError(f"unknown {role} backend {spec.backend!r}; choose one of {', '.join(known)}")
        _quiet_libraries()
        try:
            return loader(spec, self)
        except (OSError, ValueError, KeyError) as err:
            if not spec.is_local:
                raise
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise UserError(
                f"{role}: {spec.model} cannot be loaded as a {spec.backend} checkpoint "
                f"({shorten(first, 160)}); point {role}.model at the model's own folder (with its "
                "config.json or model_index.json)"
            ) from None

    def lcm_lora(self, *, xl: bool = False) -> dict[str, Any]:
        """The preview LCM-LoRA's weights (CPU tensors) for SD 1.x or (`xl`) SDXL, read once."""
        with self._lcm_lock:
            if xl not in self._lcm:
                start = time.perf_counter()
                self._lcm[xl] = self._read_lcm_lora(xl=xl)
                self.load_seconds["lcm_lora"] = time.perf_counter() - start
                self.load_counts["lcm_lora"] += 1
            return self._lcm[xl]

    def _read_lcm_lora(self, *, xl: bool = False) -> dict[str, Any]:
        return load_lcm_lora(self.settings.preview, xl=xl)

    def preview_pipeline(self, role: Role) -> Any:
        """`role`'s pipeline for previews: a copy of its UNet with the LCM-LoRA fused in, the
        LCM scheduler, every other part shared; built on first use, dropped with the role.
        Its UNet copy counts towards the memory budget as "<role> preview"."""
        from pixelsmith.models.preview import fused_preview

        if self.settings.cpu_offload and self.device.type == "cuda":
            raise UserError(
                "previews need a second UNet on the GPU, which cpu_offload is there to avoid; "
                "turn cpu_offload off to use preview mode"
            )
        with self._load_lock:  # the base cannot be evicted between here and the cache
            slot = self.slot(role)
            base, preview = self.get(role), self._previews.get(slot)
            if preview is None:
                lora, start = self.lcm_lora(xl=is_xl(base)), time.perf_counter()
                with _BUILD_LOCK:
                    preview = self._previews[slot] = fused_preview(base, lora)
                self.load_seconds[f"{role} preview"] = time.perf_counter() - start
                self.load_counts[f"{role} preview"] += 1
                self.sizes[f"{slot} preview"] = model_bytes(preview.unet)
                self._enforce_budget(keep=slot)
            return preview

    def ip_adapter(self, role: Role) -> tuple[Any, Any]:
        """(`role`'s pipeline, the IP-Adapter loaded into it) for a call with a reference photo:
        loaded on first use, dropped with the role; its image encoder and weights count
        towards the memory budget as "<role> reference"."""
        from pixelsmith.models.ip_adapter import adapter_bytes

        with self._load_lock:  # the base cannot be evicted between here and the cache
            slot = self.slot(role)
            base, adapter = self.get(role), self._adapters.get(slot)
            if adapter is None:
                start = time.perf_counter()
                with _BUILD_LOCK:
                    adapter = self._adapters[slot] = self._load_adapter(base)
                self.load_seconds[f"{role} reference"] = time.perf_counter() - start
                self.load_counts[f"{role} reference"] += 1
                self.sizes[f"{slot} reference"] = model_bytes(base.image_encoder) + adapter_bytes(adapter)
                self._enforce_budget(keep=slot)
            return base, adapter

    def _load_adapter(self, pipeline: Any) -> Any:
        """The configured IP-Adapter put into `pipeline` (a subclass may build it otherwise)."""
        from pixelsmith.models.ip_adapter import load_adapter

        return load_adapter(pipeline, self.settings.reference)

    def warm_up(self, roles: tuple[str, ...]) -> threading.Thread:
        """Load `roles` in a background thread; a request for one of them meanwhile waits
        for it, hearing its progress (`get`'s `watch`).

        A role that cannot load (missing weights) is left for the request to report.
        """

        def load() -> None:
            for role in roles:
                try:
                    self.get(role)  # type: ignore[arg-type]
                except Exception as err:  # the first real request will say what is wrong
                    log.info("warm-up of %s skipped: %s", role, err)

        thread = threading.Thread(target=load, name="pixelsmith-warm-up", daemon=True)
        thread.start()
        return thread

    def is_loaded(self, role: Role) -> bool:
        return self.slot(role) in self._models

    def loaded(self) -> list[str]:
        """Roles whose model (this registry's choice of it) is resident now."""
        return [role for role in ROLES if self.slot(role) in self._models]

    def resident(self) -> list[str]:
        """Every resident model's slot, whichever session chose it."""
        return list(self._models)

    @property
    def resident_models(self) -> dict[str, Any]:
        """The models every session's view shares (one per registry and its views)."""
        return self._models

    def unload(self, role: Role) -> None:
        """Drop this registry's model of `role` (it reloads on the next `get`)."""
        self._unload_slot(self.slot(role))

    def _unload_slot(self, slot: str) -> None:
        with self._load_lock:
            if self._models.pop(slot, None) is not None:
                self.sizes.pop(slot, None)
                self.evictions[_role_of(slot)] += 1
            if self._previews.pop(slot, None) is not None:
                self.sizes.pop(f"{slot} preview", None)
            if self._adapters.pop(slot, None) is not None:
                self.sizes.pop(f"{slot} reference", None)
        free_device_memory()

    @contextmanager
    def using(self, roles: list[str]) -> Iterator[None]:
        """Hold `roles` (this registry's models of them) for a running job: neither the memory
        budget, `evict_all` nor another session's choice unloads a model while a job holds it
        (it would not be freed, only loaded twice)."""
        slots = [self.slot(r) for r in roles]
        with self._use_lock:  # not the load lock: a job starts while another role loads
            self._in_use.update(slots)
        try:
            yield
        finally:
            with self._use_lock:
                self._in_use.subtract(slots)
                for slot in [s for s, n in self._in_use.items() if n <= 0]:
                    del self._in_use[slot]  # in place: every session's view shares this counter

    def held(self, role: str) -> bool:
        """Whether a running job holds this registry's model of `role`."""
        with self._use_lock:
            return self._in_use[self.slot(role)] > 0

    def evict_all(self, *, keep: list[str] | tuple[str, ...] = ()) -> None:
        """Unload every model except `keep` (roles) and those running jobs hold (after an
        out-of-memory error, or when a training task ends)."""
        kept = {self.slot(r) for r in keep}
        with self._load_lock, self._use_lock:
            for slot in [s for s in self._models if s not in kept and not self._in_use[s]]:
                self._unload_slot(slot)

    def _enforce_budget(self, *, keep: str) -> None:
        """Evict least-recently-used models while the resident total exceeds the budget."""
        budget = self.settings.memory_budget_gb
        if budget is None:
            return
        limit = int(budget * 1024**3)
        while sum(self.sizes.values()) > limit:
            with self._use_lock:
                others = [s for s in self._models if s != keep and not self._in_use[s]]
            if not others:
                return
            self._unload_slot(min(others, key=lambda s: self._last_used.get(s, 0.0)))


def _role_of(slot: str) -> str:
    return slot.split(" ", 1)[0]


def _quiet_libraries() -> None:
    """Loading progress is pixelsmith's to report; silence the libraries' own bars."""
    import diffusers
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
