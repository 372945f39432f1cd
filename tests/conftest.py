"""Test-wide setup: no network, every data folder in a temp dir, tiny checkpoints once.

The socket guard refuses any connection outside loopback, so an accidental hub
download or API call fails loudly instead of passing or hanging.
"""

from __future__ import annotations

import os
import socket

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["YOLO_OFFLINE"] = "1"  # ultralytics looks up hosts at import time otherwise
os.environ["YOLO_AUTOINSTALL"] = "0"

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # unix socket
        return True
    host = str(address[0]) if isinstance(address, tuple) else ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _guarded_connect(self, address):
    if not _is_loopback(address):
        raise RuntimeError(f"network access in tests is not allowed: {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_loopback(address):
        raise RuntimeError(f"network access in tests is not allowed: {address!r}")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Every test gets its own data folder and no stray PIXELSMITH_* settings."""
    for key in list(os.environ):
        if key.startswith("PIXELSMITH_") or key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIXELSMITH_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """A folder of tiny random checkpoints for every role plus its pixelsmith.toml."""
    from pixelsmith.testing import build_all, write_config

    root = tmp_path_factory.mktemp("tiny-models")
    write_config(root, build_all(root))
    return root


@pytest.fixture(scope="session")
def tiny_config(tiny_dir):
    return tiny_dir / "pixelsmith.toml"


@pytest.fixture(scope="session")
def tiny_registry(tiny_config):
    """One ModelRegistry on the tiny checkpoints, shared by the session (models load once)."""
    from pixelsmith.config import load_settings
    from pixelsmith.models import ModelRegistry

    registry = ModelRegistry(load_settings(tiny_config))
    _AS_MADE[id(registry)] = registry.settings.model_dump()
    return registry


_AS_MADE: dict[int, dict] = {}  # the shared registry's settings as made, by id(registry)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    """A test that leaves the shared registry's settings changed fails (every later test on the
    same worker would run under them): checked after its fixtures, monkeypatch's undo included."""
    result = yield
    registry = getattr(item, "funcargs", {}).get("tiny_registry")
    if registry is not None:
        now = registry.settings.model_dump()
        made = _AS_MADE[id(registry)]
        changed = sorted(k for k in made if made[k] != now[k])
        assert not changed, f"{item.name} left the shared registry's settings changed: {changed}"
    return result


@pytest.fixture
def tiny_settings(tiny_config, monkeypatch):
    """Settings on the tiny checkpoints, with PIXELSMITH_CONFIG set for subprocesses."""
    from pixelsmith.config import load_settings

    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    return load_settings()


@pytest.fixture
def cat_photo() -> Image.Image:
    """A real photograph of a cat (scikit-image's 'chelsea', 451x300)."""
    from skimage import data

    return Image.fromarray(data.chelsea(), "RGB")


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module: as fast for the tiny models, kinder to a shared 2-core box."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def make_agent(tiny_config, tiny_registry, tmp_path):
    """Agents on the tiny checkpoints, each with a new session under tmp_path/data: the
    offline planner unless `planner` is given; other keywords go to `Agent`."""
    from pixelsmith.agent.agent import Agent
    from pixelsmith.agent.planner_choice import make_planner
    from pixelsmith.config import load_settings
    from pixelsmith.workspace import Workspace

    def make(*, planner=None, workspace=None, models=None, **options):
        settings = load_settings(tiny_config, data_dir=tmp_path / "data")
        workspace = workspace or Workspace.create(settings.data_dir)
        planner = planner or make_planner(settings, "offline")
        return Agent(workspace, models or tiny_registry, planner=planner, **options)

    return make


@pytest.fixture
def tool_models(tiny_registry):
    """The models `ctx` runs tools with (a module may override it: SDXL's tests do)."""
    return tiny_registry


@pytest.fixture
def store():
    """An in-memory artifact store (the CLI's and the Python API's)."""
    from pixelsmith.tools import MemoryStore

    return MemoryStore()


@pytest.fixture
def ctx(tool_models, store):
    """What a tool runs with when a test calls it directly (`tool_calls.run_tool`)."""
    from pixelsmith.tools import ToolContext

    return ToolContext(tool_models, store)
