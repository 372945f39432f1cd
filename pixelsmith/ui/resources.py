"""Heavy, shared resources of the UI: one model registry per process (per device settings).

`st.cache_resource` objects are shared by every browser session of the server, so the
models load once and every later rerun, tab and session reuses them. `ModelRegistry` is
thread-safe (one load at a time), and its `LocalExecutor` queues sessions fairly.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from typing import Any

import streamlit as st

from pixelsmith.config import Settings, load_settings
from pixelsmith.errors import UserError
from pixelsmith.models import ModelRegistry

log = logging.getLogger("pixelsmith.ui")


def settings(models: dict[str, tuple[str, str]] | None = None) -> Settings:
    """Settings from $PIXELSMITH_CONFIG and the environment, with the sidebar's choices swapped
    in: `models` maps a role to (hub id or local path, backend)."""
    base = load_settings()
    updates: dict[str, Any] = {}
    for role, (model, backend) in (models or {}).items():
        spec = base.spec(role)
        if (model and model != spec.model) or backend != spec.backend:
            try:
                updates[role] = type(spec).model_validate(
                    {**spec.model_dump(), "model": model or spec.model, "backend": backend}
                )
            except ValueError:
                raise UserError(f"{role}: unknown backend {backend!r}; choose one of the list") from None
    return base.model_copy(update=updates) if updates else base


WARM_ROLES = ("detector", "segmenter", "inpainter")  # loaded in the background: no cold first turn


def warm_roles(settings: Settings) -> tuple[str, ...]:
    """The roles to warm: no detector when the segmenter finds objects from text itself (SAM 3)."""
    return tuple(r for r in WARM_ROLES if not (r == "detector" and settings.segmenter.reads_text))


class UIRegistry(ModelRegistry):
    """The UI process's registry: the sidebar changes a role's model in place.

    `reconfigure` drops only the roles whose spec changed (their old models are freed, the
    new ones load on next use), so the other warm models stay loaded once. One model per
    role for the whole server: sessions that choose different models take turns loading it.
    """

    warming: threading.Thread | None = None

    def reconfigure(self, settings: Settings) -> list[str]:
        """Adopt `settings` (same device, dtype and budget); returns the roles unloaded, and
        warms the changed ones among `WARM_ROLES`."""
        changed = super().reconfigure(settings)
        if changed:
            log.info("models changed: %s", ", ".join(f"{r} -> {settings.spec(r).model}" for r in changed))
            self.warm([r for r in changed if r in warm_roles(settings)])
        return changed

    def busy(self) -> bool:
        """Whether a model is downloading or loading now (the warm-up, or a tab's request)."""
        return bool(self.loading) or (self.warming is not None and self.warming.is_alive())

    def warm(self, roles: list[str] | tuple[str, ...]) -> None:
        """Load `roles` in the background, unless the executor is Ray (its replicas hold the models)."""
        if roles and not self.settings.executor.startswith("ray"):
            self.warming = self.warm_up(tuple(roles))


def registry_key(current: Settings) -> str:
    """What a registry cannot change in place: device, dtype, memory budget and executor.
    The role specs are not in it: `UIRegistry.reconfigure` swaps those."""
    keys = {"device", "dtype", "memory_budget_gb", "executor"}
    return json.dumps(current.model_dump(mode="json", include=keys), sort_keys=True)


@st.cache_resource(show_spinner=False)
def _registry(key: str, _settings: Settings) -> UIRegistry:
    log.info("model registry for %s", key)
    registry = UIRegistry(_settings)
    registry.warm(warm_roles(_settings))
    return registry


def model_registry(current: Settings) -> UIRegistry:
    """The process-wide registry, set to these model settings (models load lazily, once;
    a role whose model changed is unloaded and reloads on its own)."""
    registry = _registry(registry_key(current), current)
    registry.reconfigure(current)
    return registry


@st.cache_data(ttl=30, show_spinner=False)
def llm_reachable(base_url: str, api_key: str | None) -> str:
    """'reachable' or a short reason, from GET {base_url}/models (2 s timeout)."""
    request = urllib.request.Request(base_url.rstrip("/") + "/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return "reachable" if response.status < 500 else f"HTTP {response.status}"
    except Exception as err:  # any failure is a status to show, not an error
        return f"unreachable ({err.__class__.__name__})"


@st.cache_resource(show_spinner=False)
def sample_photo() -> Any:
    """The cat photo that ships with pixelsmith (451x300 RGB)."""
    from pixelsmith.images import sample_photo as shipped

    return shipped()
