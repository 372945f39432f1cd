"""The `pixelsmith` command line on tiny checkpoints: every tool, JSON, error paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pixelsmith.cli import main
from pixelsmith.testing import noise_image


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "photo.png"
    noise_image(160, 96).save(path)
    return path


@pytest.fixture
def mask_file(tmp_path) -> Path:
    mask = np.zeros((96, 160), np.uint8)
    mask[20:60, 40:100] = 255
    path = tmp_path / "mask.png"
    Image.fromarray(mask).save(path)
    return path


def _json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_detect_json_and_boxes_picture(tiny_settings, photo, tmp_path, capsys):
    out = _json(capsys, ["detect", str(photo), "cat, dog", "--json", "-o", str(tmp_path / "b.png")])
    assert out["image_size"] == [160, 96] and out["detections"]
    for det in out["detections"]:
        x0, y0, x1, y1 = det["box"]
        assert 0 <= x0 < x1 <= 160 and 0 <= y0 < y1 <= 96 and det["label"] in ("cat", "dog")
    assert Image.open(tmp_path / "b.png").size == (160, 96)


@pytest.mark.parametrize(
    "prompt_args",
    [
        ["--point", "50,40"],
        ["--point", "50,40", "--point", "10,10,0"],
        ["--box", "20,10,120,80"],
        ["--text", "cat"],
        ["--everything"],
    ],
)
def test_segment_writes_masks_at_image_size(tiny_settings, photo, tmp_path, capsys, prompt_args):
    out = _json(capsys, ["segment", str(photo), *prompt_args, "-o", str(tmp_path / "m.png"), "--json"])
    assert out["masks"]
    for mask in out["masks"]:
        image = Image.open(mask["path"])
        assert image.size == (160, 96) and image.mode == "L"


def test_segment_multimask_writes_numbered_candidates(tiny_settings, photo, tmp_path, capsys):
    out = _json(
        capsys,
        ["segment", str(photo), "--point", "60,30", "--multimask", "-o", str(tmp_path / "m.png"), "--json"],
    )
    assert [Path(m["path"]).name for m in out["masks"]] == ["m.png", "m-2.png", "m-3.png"]
    scores = [m["score"] for m in out["masks"]]
    assert scores == sorted(scores, reverse=True)


def test_inpaint_remove_generate(tiny_settings, photo, mask_file, tmp_path, capsys):
    out = _json(
        capsys,
        [
            "inpaint",
            str(photo),
            str(mask_file),
            "a green dragon",
            "--steps",
            "2",
            "--seed",
            "5",
            "-n",
            "2",
            "-o",
            str(tmp_path / "d.png"),
            "--json",
        ],
    )
    assert sorted(i["seed"] for i in out["images"]) == [5, 6]
    result = np.asarray(Image.open(tmp_path / "d.png"))
    original = np.asarray(Image.open(photo))
    assert result.shape == original.shape
    assert np.array_equal(result[:5], original[:5])  # far from the mask: untouched
    assert (tmp_path / "d-2.png").is_file()
    out = _json(
        capsys,
        ["remove", str(photo), str(mask_file), "--steps", "2", "-o", str(tmp_path / "r.png"), "--json"],
    )
    assert Image.open(out["images"][0]["path"]).size == (160, 96)
    out = _json(
        capsys,
        [
            "generate",
            "a lighthouse",
            "--steps",
            "2",
            "--width",
            "96",
            "--height",
            "64",
            "-o",
            str(tmp_path / "g.png"),
            "--json",
        ],
    )
    assert Image.open(out["images"][0]["path"]).size == (96, 64)


def test_models_list_shows_local_folders(tiny_settings, capsys):
    out = _json(capsys, ["models", "list", "--json"])
    roles = {
        "detector",
        "segmenter",
        "inpainter",
        "generator",
        "ranker",
        "editor",
        "eraser",
        "upscaler",
        "preview",
        "reference",
    }
    assert {m["role"] for m in out["models"]} == roles | {"planner"}
    assert all(m["where"] == "local folder" and m["ready"] for m in out["models"] if m["role"] in roles)
    planner = next(m for m in out["models"] if m["role"] == "planner")  # the tiny config leaves it unset
    assert planner["model"] == "Qwen/Qwen3-1.7B" and not planner["ready"]
    preview = next(m for m in out["models"] if m["role"] == "preview")
    assert preview["backend"] == "lcm-lora" and preview["model"].endswith("lcm-lora")


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "pixelsmith.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_corrupt_image_is_one_line_and_exit_2(tiny_settings, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    run = _cli("detect", str(bad), "cat")
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert lines == [f"error: {bad}: image is truncated or corrupt (Truncated File Read)"]


def test_wrong_size_mask_is_refused(tiny_settings, photo, tmp_path, capsys):
    small = tmp_path / "small.png"
    Image.new("L", (80, 48), 255).save(small)
    assert main(["inpaint", str(photo), str(small), "x", "-o", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err
    assert "mask is 80x48 but the image is 160x96" in err and "Traceback" not in err


def test_unknown_model_folder_names_it(tiny_config, photo, tmp_path):
    text = tiny_config.read_text().replace(
        str((tiny_config.parent / "owlv2").as_posix()), "/nowhere/owlv2-missing"
    )
    config = tmp_path / "bad.toml"
    config.write_text(text)
    run = _cli("--config", str(config), "detect", str(photo), "cat")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "the detector model folder /nowhere/owlv2-missing does not exist" in run.stderr


def test_tiny_models_command_writes_a_working_config(tmp_path, capsys):
    assert main(["tiny-models", str(tmp_path / "tm")]) == 0
    config = tmp_path / "tm" / "pixelsmith.toml"
    assert config.is_file() and "threshold = 0.0" in config.read_text()
    assert (tmp_path / "tm" / "sd-inpaint" / "unet" / "diffusion_pytorch_model.safetensors").is_file()
    said = capsys.readouterr()
    assert (
        "it/s" not in said.err and said.out.count("\n") == 3
    )  # no progress bar per checkpoint (there were 14)


@pytest.mark.parametrize("argv", [["ui", "--port", "abc"], ["bench", "--nope"], ["concept", "train"]])
def test_a_bad_option_is_a_usage_line_not_a_traceback(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Error:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({}, "offline      rules           (no LLM: PIXELSMITH_LLM_MODEL)"),
        ({"PIXELSMITH_LLM_MODEL": "gpt-4o-mini"},
         "llm          pictures        gpt-4o-mini (auto: gpt-4o-mini matches gpt-4o*, a model that sees)"),
        ({"PIXELSMITH_LLM_MODEL": "qwen2.5:7b"}, "llm          text only       qwen2.5:7b (auto: "),
        ({"PIXELSMITH_LLM_MODEL": "qwen2.5:7b", "PIXELSMITH_LLM_VISION": "on"},
         "llm          pictures        qwen2.5:7b (llm_vision = on)"),
    ],
)  # fmt: skip
def test_models_list_says_whether_the_llm_is_shown_pictures(tiny_settings, monkeypatch, capsys, env, said):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["models", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"planner    {said}")
