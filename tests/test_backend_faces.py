"""Issue 13 from the other faces: a backend switched by environment variables reaches the
CLI, and by keyword settings the Python API, with no other change; `models list` names the
backend; `tiny-models` writes the alternatives' checkpoints and says how to switch."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from pixelsmith import Editor
from pixelsmith.cli import main
from pixelsmith.config import BACKEND_MODELS, backends
from pixelsmith.testing import noise_image


def test_the_cli_detects_and_segments_with_switched_backends(
    tiny_settings, tiny_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("PIXELSMITH_DETECTOR__BACKEND", "grounding-dino")
    monkeypatch.setenv("PIXELSMITH_DETECTOR__MODEL", str(tiny_dir / "grounding-dino"))
    monkeypatch.setenv("PIXELSMITH_SEGMENTER__BACKEND", "sam2")
    monkeypatch.setenv("PIXELSMITH_SEGMENTER__MODEL", str(tiny_dir / "sam2"))
    photo = tmp_path / "photo.png"
    noise_image(150, 90, seed=2).save(photo)
    assert main(["detect", str(photo), "cat, dog", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["detections"] and {d["label"] for d in found["detections"]} <= {"cat", "dog"}
    assert main(["segment", str(photo), "--point", "40,30", "-o", str(tmp_path / "m.png")]) == 0
    assert Image.open(tmp_path / "m.png").size == (150, 90)
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out
    assert "grounding-dino" in listed and "sam2" in listed


def test_the_python_api_generates_and_inpaints_on_sdxl(tiny_config, tiny_dir, tmp_path):
    editor = Editor(
        config=tiny_config,
        data_dir=tmp_path / "data",
        generator={"model": str(tiny_dir / "sdxl"), "backend": "sdxl"},
        inpainter={"model": str(tiny_dir / "sdxl-inpaint"), "backend": "sdxl"},
    )
    made = editor.run("generate", prompt="a lighthouse", num_inference_steps=2, seed=1)
    assert made.images[0].size == (64, 64)
    mask = np.zeros((60, 100), np.uint8)
    mask[10:40, 20:70] = 255
    photo = noise_image(100, 60, seed=3)
    painted = editor.run("inpaint", image=photo, mask=mask, prompt="a boat", num_inference_steps=2, seed=1)
    result = np.asarray(painted.images[0])
    assert result.shape == (60, 100, 3) and np.array_equal(result[55:], np.asarray(photo)[55:])


def test_every_backend_has_a_public_checkpoint_to_switch_to(tiny_dir):
    from pixelsmith.config import ROLES

    for role in ROLES:
        for backend in backends(role):
            if backend != "ultralytics":  # files from the ultralytics release, not hub repos
                assert (role, backend) in BACKEND_MODELS, (role, backend)
    toml = (tiny_dir / "pixelsmith.toml").read_text()
    for folder in ("grounding-dino", "sam2", "sdxl-inpaint", "sdxl"):
        assert (tiny_dir / folder).is_dir() and f'{(tiny_dir / folder).as_posix()}"' in toml
