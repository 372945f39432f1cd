"""Issue 11: a model's first use downloads it with progress (bytes done of total, speed,
time left) in the Python API, the CLI and the executor's job progress; the next use loads
it from the cache without downloading. The hub is `FakeHub` on 127.0.0.1 serving the
tiny checkpoints; each case runs in a fresh process, because huggingface_hub reads
HF_ENDPOINT and the cache folder when it is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_hub import FakeHub, hub_config

from pixelsmith.models.download import LoadStatus, size

PROBE = """
import json, sys
from pixelsmith.api import Editor
events = []
editor = Editor(sys.argv[1])
found = editor.run("detect", image=sys.argv[2], labels=["cat"], on_progress=events.append)
print(json.dumps({
    "events": [[e.phase, e.step, e.total, e.label, e.eta_seconds] for e in events],
    "found": len(found.detections),
    "loads": dict(editor.models.load_counts),
}))
"""


def _env(hub: FakeHub, folder: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIXELSMITH_", "HF_", "TRANSFORMERS_OFFLINE"))
    }
    return env | {
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(folder / "hf"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PIXELSMITH_DATA_DIR": str(folder / "data"),
    }


def _downloads(hub: FakeHub) -> list[str]:
    return [r for r in hub.requests if r.startswith("GET") and "/resolve/" in r]


@pytest.fixture
def hub(tiny_dir):
    with FakeHub({"tiny/owlv2": tiny_dir / "owlv2"}, bytes_per_second=400_000) as running:
        yield running


def test_first_use_downloads_with_progress_then_the_cache_serves(hub, tiny_config, tmp_path, cat_photo):
    cat_photo.save(tmp_path / "cat.png")
    config, env = hub_config(tiny_config, tmp_path), _env(hub, tmp_path)
    command = [sys.executable, "-c", PROBE, str(config), str(tmp_path / "cat.png")]

    first = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    seen = json.loads(first.stdout.splitlines()[-1])
    downloading = [e for e in seen["events"] if e[0] == "downloading"]
    total = sum(p.stat().st_size for p in hub.files("tiny/owlv2"))
    assert downloading and downloading[-1][2] == total  # bytes of every file the loader reads
    counts = [e[1] for e in downloading]
    assert counts == sorted(counts) and counts[-1] == total  # grows to the whole size
    assert any(0 < e[1] < total for e in downloading)  # seen midway (at 400 kB/s: ~1 s)
    assert "downloading the detector (tiny/owlv2): " in downloading[-1][3]
    assert f"of {size(total)}" in downloading[-1][3] and "/s" in downloading[-1][3]
    loading = [i for i, e in enumerate(seen["events"]) if e[0] == "loading"]
    assert loading and loading[0] > seen["events"].index(downloading[-1])  # then built
    assert seen["loads"] == {"detector": 1}
    fetched = _downloads(hub)
    assert any("model.safetensors" in r for r in fetched)

    second = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads(second.stdout.splitlines()[-1])
    assert [e[0] for e in again["events"]].count("downloading") == 0  # the cache serves it
    assert again["found"] == seen["found"]
    assert _downloads(hub) == fetched  # no file fetched twice


def test_the_cli_shows_the_download_and_the_load(hub, tiny_config, tmp_path, cat_photo):
    cat_photo.save(tmp_path / "cat.png")
    config, env = hub_config(tiny_config, tmp_path), _env(hub, tmp_path)
    env["PIXELSMITH_CONFIG"] = str(config)
    command = [sys.executable, "-c", "from pixelsmith.cli import run; run()", "detect"]
    done = subprocess.run(
        [*command, str(tmp_path / "cat.png"), "cat", "-o", str(tmp_path / "boxes.png")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "downloading the detector (tiny/owlv2)" in done.stderr  # the bar's description
    assert "loading the detector (tiny/owlv2) into memory" in done.stderr
    assert "Traceback" not in done.stderr and (tmp_path / "boxes.png").exists()


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "expected"),
    [
        (0, 0, 0.0, "downloading the detector (m): starting"),
        (250_000, 1_000_000, 1.0, "downloading the detector (m): 250 kB of 1.0 MB, 250 kB/s, about 3 s left"),
        (
            1_200_000_000,
            4_000_000_000,
            100.0,
            "downloading the detector (m): 1.20 GB of 4.00 GB, 12.0 MB/s, about 3 min 53 s left",
        ),
    ],
)
def test_the_download_sentence(done, total, elapsed, expected, monkeypatch) -> None:
    import pixelsmith.models.download as download

    status = LoadStatus("detector", "m", "downloading", done, total, started=1000.0)
    monkeypatch.setattr(download.time, "monotonic", lambda: 1000.0 + elapsed)
    assert status.line() == expected
