"""Heavy, shared resources of the UI: one model registry per model settings, per process.

`st.cache_resource` objects are shared by every browser session of the server, so the
models load once and every later rerun, tab and session reuses them. `ModelRegistry` is
thread-safe (a lock per role), and its `LocalExecutor` queues sessions fairly.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

import streamlit as st

from pixelsmith.config import ROLES, Settings, load_settings
from pixelsmith.runtime import ModelRegistry

log = logging.getLogger("pixelsmith.ui")


def settings(models: dict[str, str] | None = None) -> Settings:
    """Settings from $PIXELSMITH_CONFIG and the environment, with per-role model ids swapped in.

    `models` maps a role to a hub id or local path; the role's backend stays as configured.
    """
    base = load_settings()
    updates: dict[str, Any] = {}
    for role, model in (models or {}).items():
        spec = base.spec(role)
        if model and model != spec.model:
            updates[role] = spec.model_copy(update={"model": model})
    return base.model_copy(update=updates) if updates else base


def registry_key(current: Settings) -> str:
    """What decides which models load: the role specs, device, dtype and memory budget."""
    keys = [*ROLES, "device", "dtype", "memory_budget_gb"]
    return json.dumps(current.model_dump(mode="json", include=set(keys)), sort_keys=True)


@st.cache_resource(show_spinner=False)
def _registry(key: str, _settings: Settings) -> ModelRegistry:
    log.info("model registry for %s", key)
    registry = ModelRegistry(_settings)
    registry.warm_up(("detector", "segmenter", "inpainter"))  # in the background: no cold first turn
    return registry


def model_registry(current: Settings) -> ModelRegistry:
    """The process-wide registry for these model settings (models load lazily, once)."""
    return _registry(registry_key(current), current)


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
    """scikit-image's cat photo ('chelsea', 451x300 RGB), or None when it is not installed."""
    try:
        from PIL import Image
        from skimage import data
    except ImportError:
        return None
    return Image.fromarray(data.chelsea(), "RGB")
