"""The model registry: each role's model is loaded lazily, once, and kept resident."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pixelsmith.config import ROLES, Role, Settings
from pixelsmith.errors import UserError
from pixelsmith.families import is_xl
from pixelsmith.models import sdxl as _sdxl  # noqa: F401  (registers the sdxl loaders)
from pixelsmith.models.device import resolve_device, resolve_dtype
from pixelsmith.models.download import LoadStatus, fetch, fetchable, is_cached, refuse_missing
from pixelsmith.models.loaders import LOADERS, load_lcm_lora

log = logging.getLogger(__name__)

# transformers and diffusers build models on the meta device through process-wide patches
# (accelerate's init_empty_weights), so two loads at once break each other even when they
# belong to two registries (a UI session's and a training run's): one build at a time.
_BUILD_LOCK = threading.RLock()


class ModelRegistry:
    """Loads a role's model on first `get`, then returns the same object every time.

    Thread-safe: loads take one registry-wide lock, so two sessions asking at once load a
    model once, and the process-wide `_BUILD_LOCK`, so no two models (of any registry) are
    built at the same time.
    `load_counts` and `load_seconds` record every load for the benchmarks.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
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
        self.loading: dict[str, LoadStatus] = {}  # roles being downloaded or built now
        self._watchers: dict[str, list[Callable[[LoadStatus], None]]] = {}
        self._download_locks: dict[str, threading.Lock] = {}
        self._downloaded: set[str] = set()  # fetched by this registry: no second cache check

    def get(self, role: Role, *, watch: Callable[[LoadStatus], None] | None = None) -> Any:
        """The loaded model of `role`; loads it on first use (downloading its files first
        when they are not on disk). `watch` hears how the load goes (bytes downloaded,
        then building), whichever thread is doing it."""
        if role not in ROLES:
            raise UserError(f"unknown model role {role!r}; choose one of {', '.join(ROLES)}")
        self._last_used[role] = time.monotonic()
        model = self._models.get(role)
        if model is not None:
            return model
        self.refuse_missing(role)  # at once, not after another role's load lets go of the lock
        with self._watching(role, watch):
            self.download(role)  # outside the load locks: other roles load meanwhile
            with self._load_lock:
                if role not in self._models:
                    with _BUILD_LOCK:
                        self._models[role] = self._load(role)
                    self.sizes[role] = model_bytes(self._models[role])
                    self._enforce_budget(keep=role)
                return self._models[role]

    def refuse_missing(self, role: str) -> None:
        """One sentence for a role whose model cannot load (its folder missing, or not cached
        and not downloadable), raised before waiting on any lock."""
        refuse_missing(self.settings, [role])

    def needs_download(self, role: str) -> bool:
        """Whether `role`'s files must come from the hub before it can load (not loaded,
        not a local folder, not in the cache, and the process not offline)."""
        if role not in ROLES or role in self._models or role in self._downloaded:
            return False
        spec = self.settings.spec(role)  # type: ignore[arg-type]
        return (role, spec.backend) in LOADERS and fetchable(spec) and not is_cached(spec)

    def download(self, role: str, *, watch: Callable[[LoadStatus], None] | None = None) -> None:
        """Fetch `role`'s files into the hub cache if they are not there, with progress to
        `watch`; a second caller meanwhile waits for the first one's download."""
        with self._watching(role, watch), self._download_locks.setdefault(role, threading.Lock()):
            if self.needs_download(role):
                spec = self.settings.spec(role)  # type: ignore[arg-type]
                status = self.loading.setdefault(role, LoadStatus(role, spec.model))
                if fetch(spec, status, self._tell) is not None:
                    self._downloaded.add(role)

    @contextmanager
    def _watching(self, role: str, watch: Callable[[LoadStatus], None] | None) -> Iterator[None]:
        """`watch` hears of `role`'s load while inside; told at once where a load already is."""
        if watch is None:
            yield
            return
        watchers = self._watchers.setdefault(role, [])
        watchers.append(watch)
        if (now := self.loading.get(role)) is not None:
            watch(now)
        try:
            yield
        finally:
            watchers.remove(watch)

    def _load(self, role: Role) -> Any:
        start, spec = time.perf_counter(), self.settings.spec(role)
        status = self.loading.setdefault(role, LoadStatus(role, spec.model))
        status.phase = "loading"
        self._tell(status)
        try:
            model = self._build(role)
        finally:
            self.loading.pop(role, None)
        self.load_seconds[role] = time.perf_counter() - start
        self.load_counts[role] += 1
        return model

    def _tell(self, status: LoadStatus) -> None:
        for watch in list(self._watchers.get(status.role, ())):
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
        return loader(spec, self)

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
            base, preview = self.get(role), self._previews.get(role)
            if preview is None:
                lora, start = self.lcm_lora(xl=is_xl(base)), time.perf_counter()
                with _BUILD_LOCK:
                    preview = self._previews[role] = fused_preview(base, lora)
                self.load_seconds[f"{role} preview"] = time.perf_counter() - start
                self.load_counts[f"{role} preview"] += 1
                self.sizes[f"{role} preview"] = model_bytes(preview.unet)
                self._enforce_budget(keep=role)
            return preview

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
        return role in self._models

    def loaded(self) -> list[str]:
        """Roles whose model is resident now."""
        return list(self._models)

    def unload(self, role: Role) -> None:
        """Drop a role's model (it reloads on the next `get`)."""
        with self._load_lock:
            if self._models.pop(role, None) is not None:
                self.sizes.pop(role, None)
                self.evictions[role] += 1
            if self._previews.pop(role, None) is not None:
                self.sizes.pop(f"{role} preview", None)
        _free_device_memory()

    @contextmanager
    def using(self, roles: list[str]) -> Iterator[None]:
        """Hold `roles` for a running job: neither the memory budget nor `evict_all` unloads
        a role while some job holds it (it would not be freed, only loaded twice)."""
        with self._use_lock:  # not the load lock: a job starts while another role loads
            self._in_use.update(roles)
        try:
            yield
        finally:
            with self._use_lock:
                self._in_use.subtract(roles)
                self._in_use = +self._in_use  # drop the roles no job holds

    def reconfigure(self, settings: Settings) -> list[str]:
        """Adopt `settings` (same device, dtype and budget): the roles whose spec changed are
        unloaded (their new models load on next use), the others stay. Returns those roles.
        The UI calls this on every page run: with no role changed it returns at once, never
        waiting for a model that is loading (or downloading) in another thread."""
        if not [r for r in ROLES if settings.spec(r) != self.settings.spec(r)]:
            self.settings = settings
            return []
        with self._load_lock:  # no load with the old spec finishes after the swap
            changed = [r for r in ROLES if settings.spec(r) != self.settings.spec(r)]
            self.settings = settings
            for role in changed:
                self.unload(role)
        return changed

    def evict_all(self, *, keep: list[str] | tuple[str, ...] = ()) -> None:
        """Unload every model except `keep` and those running jobs hold (after an
        out-of-memory error, or when a training task ends)."""
        with self._load_lock, self._use_lock:
            for role in [r for r in self._models if r not in keep and not self._in_use[r]]:
                self.unload(role)  # type: ignore[arg-type]

    def _enforce_budget(self, *, keep: str) -> None:
        """Evict least-recently-used models while the resident total exceeds the budget."""
        budget = self.settings.memory_budget_gb
        if budget is None:
            return
        limit = int(budget * 1024**3)
        while sum(self.sizes.values()) > limit:
            with self._use_lock:
                others = [r for r in self._models if r != keep and not self._in_use[r]]
            if not others:
                return
            self.unload(min(others, key=lambda r: self._last_used.get(r, 0.0)))  # type: ignore[arg-type]


def model_bytes(model: Any) -> int:
    """Bytes of parameters and buffers of a module, a pipeline, or a wrapper holding modules
    (SAM 3's holds two, sharing a backbone: a tensor is counted once)."""
    import torch

    modules = []
    if isinstance(model, torch.nn.Module):
        modules = [model]
    elif hasattr(model, "components"):  # a diffusers pipeline
        modules = [c for c in model.components.values() if isinstance(c, torch.nn.Module)]
    elif hasattr(model, "__dict__"):  # a backend object: every module it holds
        modules = [v for v in vars(model).values() if isinstance(v, torch.nn.Module)]
    seen, total = set(), 0
    for module in modules:
        for tensor in itertools.chain(module.parameters(), module.buffers()):
            if tensor.data_ptr() not in seen:
                seen.add(tensor.data_ptr())
                total += tensor.numel() * tensor.element_size()
    return total


def _quiet_libraries() -> None:
    """Loading progress is pixelsmith's to report; silence the libraries' own bars."""
    import diffusers
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()


def _free_device_memory() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
