"""One settings object: defaults, TOML file, environment, errors, device resolution."""

from __future__ import annotations

import pytest
import torch

from pixelsmith.config import load_settings
from pixelsmith.errors import UserError
from pixelsmith.models import ModelRegistry
from pixelsmith.models.device import resolve_device, resolve_dtype


def _one_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert message and "\n" not in message, message
    return message


def test_defaults_are_the_real_public_checkpoints():
    settings = load_settings()

    assert settings.detector.model == "google/owlv2-base-patch16-ensemble"
    assert settings.detector.backend == "owlv2"
    assert settings.segmenter.model == "facebook/sam-vit-base"
    assert settings.segmenter.backend == "sam"
    assert settings.inpainter.model == "stable-diffusion-v1-5/stable-diffusion-inpainting"
    assert settings.generator.model == "stable-diffusion-v1-5/stable-diffusion-v1-5"
    assert settings.ranker.model == "openai/clip-vit-base-patch32"
    assert settings.device == "auto" and settings.dtype == "auto"
    assert settings.spec("segmenter") is settings.segmenter


def test_data_dir_comes_from_the_environment(tmp_path):
    # conftest points PIXELSMITH_DATA_DIR at the test's temp folder.
    assert load_settings().data_dir == tmp_path / "data"


def _write(path, text: str):
    path.write_text(text)
    return path


def test_toml_file_values(tmp_path):
    config = _write(
        tmp_path / "pixelsmith.toml",
        """
device = "cpu"
dtype = "fp32"

[detector]
model = "google/owlvit-base-patch32"
backend = "owlvit"
threshold = 0.05

[segmenter]
points_per_side = 8

[limits]
max_pixels = 1000
""",
    )

    settings = load_settings(config)

    assert settings.device == "cpu" and settings.dtype == "fp32"
    assert settings.detector.model == "google/owlvit-base-patch32"
    assert settings.detector.backend == "owlvit"
    assert settings.detector.threshold == 0.05
    assert settings.segmenter.points_per_side == 8
    assert settings.segmenter.model == "facebook/sam-vit-base"  # untouched fields keep defaults
    assert settings.limits.max_pixels == 1000


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    config = _write(tmp_path / "c.toml", '[detector]\nmodel = "some/detector"\nthreshold = 0.05\n')
    monkeypatch.setenv("PIXELSMITH_DETECTOR__THRESHOLD", "0.3")

    settings = load_settings(config)

    assert settings.detector.threshold == 0.3
    assert settings.detector.model == "some/detector"  # the rest of the file's table survives


def test_config_file_from_environment_and_keyword_overrides(tmp_path, monkeypatch):
    config = _write(tmp_path / "c.toml", 'device = "cpu"\n[ranker]\nenabled = false\n')
    monkeypatch.setenv("PIXELSMITH_CONFIG", str(config))

    assert load_settings().ranker.enabled is False
    assert load_settings(device="cuda:1").device == "cuda:1"  # keywords win over the file
    assert load_settings().device == "cpu"


def test_missing_config_file_is_one_line(tmp_path, monkeypatch):
    missing = tmp_path / "nope.toml"
    with pytest.raises(UserError) as err:
        load_settings(missing)
    assert "nope.toml" in _one_line(err) and "does not exist" in str(err.value)

    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tmp_path / "also-missing.toml"))
    with pytest.raises(UserError) as err:
        load_settings()
    assert "also-missing.toml" in _one_line(err)


def test_bad_value_in_the_file_is_one_line_naming_setting_and_file(tmp_path):
    config = _write(tmp_path / "bad.toml", "[detector]\nthreshold = 2.5\n")
    with pytest.raises(UserError) as err:
        load_settings(config)
    message = _one_line(err)
    assert "detector.threshold" in message and "bad.toml" in message


def test_bad_value_in_the_environment_is_one_line(monkeypatch):
    monkeypatch.setenv("PIXELSMITH_DEVICE", "tpu")
    with pytest.raises(UserError) as err:
        load_settings()
    message = _one_line(err)
    assert "device" in message and "tpu" in message


def test_malformed_toml_is_one_line(tmp_path):
    config = _write(tmp_path / "broken.toml", "[detector\nthreshold = \n")
    with pytest.raises(UserError) as err:
        load_settings(config)
    assert "broken.toml" in _one_line(err)


def test_device_auto_resolves_to_cpu_without_an_accelerator(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)

    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_dtype("auto", torch.device("cpu")) == torch.float32
    registry = ModelRegistry(load_settings())
    assert registry.device.type == "cpu" and registry.dtype == torch.float32


def test_device_auto_prefers_cuda_and_half_precision(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_dtype("auto", torch.device("cuda")) == torch.float16
    assert resolve_device("cpu") == torch.device("cpu")  # explicit wins
    assert resolve_dtype("bf16", torch.device("cpu")) == torch.bfloat16


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_device_auto_is_cpu_on_this_machine():
    assert ModelRegistry(load_settings()).device.type == "cpu"
