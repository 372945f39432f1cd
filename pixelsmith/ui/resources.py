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
    """The UI process's registry: every tab works on its own view of it (`for_session`),
    with the models its sidebar chose; the views share the resident models and warm what
    their session needs in the background."""

    warming: threading.Thread | None = None

    def busy(self) -> bool:
        """Whether a model is downloading or loading now (the warm-up, or a tab's request)."""
        return bool(self.loading) or (self.warming is not None and self.warming.is_alive())

    def warm(self, roles: list[str] | tuple[str, ...]) -> None:
        """Load `roles` in the background, unless the executor is Ray (its replicas hold the models)."""
        if roles and not self.settings.executor.startswith("ray"):
            self.warming = self.warm_up(tuple(roles))


def registry_key(current: Settings) -> str:
    """What a session cannot choose: device, dtype, memory budget and executor (the role
    specs are each session's own: `ModelRegistry.for_session`)."""
    keys = {"device", "dtype", "memory_budget_gb", "executor"}
    return json.dumps(current.model_dump(mode="json", include=keys), sort_keys=True)


@st.cache_resource(show_spinner=False)
def _registry(key: str, _settings: Settings) -> UIRegistry:
    log.info("model registry for %s", key)
    registry = UIRegistry(_settings)
    registry.warm(warm_roles(_settings))
    return registry


def model_registry(current: Settings) -> UIRegistry:
    """This tab's view of the process-wide registry, with these model settings (models load
    lazily, once, and another tab's choice never unloads or swaps one this tab uses); a
    newly chosen model of a warm role starts loading in the background."""
    registry = _registry(registry_key(current), current)
    view = registry.for_session(current)
    cold = [r for r in warm_roles(current) if not view.is_loaded(r) and view.slot(r) != r]
    if cold and not view.busy():
        log.info("models chosen: %s", ", ".join(view.slot(r) for r in cold))
        view.warm(cold)
    return view


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
