"""Issue 27 item 3: a reference photo reaches SD 1.5 and SDXL inpainting through the
IP-Adapter. The plain diffusers call with `load_ip_adapter` and `ip_adapter_image` on the same
tiny checkpoints is the oracle; outside the mask nothing changes; the adapter loads once and
is off for every call without a reference; a missing adapter or a preview with a reference is
one sentence."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from PIL import Image
from tool_calls import run_tool

from pixelsmith.config import load_settings
from pixelsmith.errors import ModelMissingError, ToolInputError
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.testing.tiny_adapters import IMAGE_ENCODER, IP_ADAPTER_FILES
from pixelsmith.tools import MemoryStore, ToolContext

PROMPT = "a dog"


def _px(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def _inputs(ctx):
    """A photo at the tiny models' native size (the crop is the whole photo, unscaled), a mask
    inside it and a non-square reference photo, in `ctx`'s store."""
    photo, mask = noise_image(64, 64, seed=3), np.zeros((64, 64), np.uint8)
    mask[16:48, 8:40] = 255
    reference = noise_image(300, 180, seed=9)
    ids = ctx.store.add("image", photo), ctx.store.add("mask", mask), ctx.store.add("image", reference)
    return photo, mask, reference, ids


def _ours(ctx, ids, *, reference: bool):
    image, mask, ref = ids
    extra = {"references": [ref]} if reference else {}
    return run_tool(ctx, "inpaint", image=image, mask=mask, prompt=PROMPT, num_inference_steps=3, seed=5,
                    blend=0, **extra).images[0]  # fmt: skip


def _plain(pipeline_class, folder, adapter, family, photo, mask, reference):
    """The plain diffusers call: the pipeline, its IP-Adapter loaded by diffusers, scale 0.6."""
    pipeline = pipeline_class.from_pretrained(folder)
    pipeline.set_progress_bar_config(disable=True)
    subfolder, name = IP_ADAPTER_FILES[family].rsplit("/", 1)
    pipeline.load_ip_adapter(
        str(adapter), subfolder=subfolder, weight_name=name, image_encoder_folder=IMAGE_ENCODER
    )
    pipeline.set_ip_adapter_scale(0.6)
    with torch.inference_mode():
        return pipeline(
            prompt=[PROMPT], image=[photo], mask_image=[Image.fromarray(mask)], width=64, height=64,
            strength=1.0, guidance_scale=7.5, num_inference_steps=3, ip_adapter_image=reference,
            generator=[torch.Generator("cpu").manual_seed(5)],
        ).images[0]  # fmt: skip


@pytest.fixture(scope="module")
def registry(tiny_config):
    """A registry of its own: the adapter it loads stays out of the shared one."""
    return ModelRegistry(load_settings(tiny_config))


@pytest.fixture
def tool_models(registry):
    return registry


def test_a_reference_reaches_sd_inpainting_as_the_plain_ip_adapter_call_does(ctx, registry, tiny_dir):
    from diffusers import StableDiffusionInpaintPipeline

    photo, mask, reference, ids = _inputs(ctx)
    before = _ours(ctx, ids, reference=False)
    ours = _ours(ctx, ids, reference=True)
    made = _plain(StableDiffusionInpaintPipeline, tiny_dir / "sd-inpaint", tiny_dir / "ip-adapter", "sd",
                  photo, mask, reference)  # fmt: skip
    result, inside = _px(ours), mask > 0
    assert np.array_equal(result[~inside], _px(photo)[~inside])  # byte-identical outside
    assert np.abs(result[inside] - _px(made)[inside]).max() <= 1
    assert np.abs(result - _px(before)).max() > 8  # the reference changed what was painted

    # switched off again: the same call without the reference gives the same pixels as before it
    assert np.array_equal(_px(_ours(ctx, ids, reference=False)), _px(before))
    _ours(ctx, ids, reference=True)
    assert registry.load_counts["inpainter reference"] == 1  # loaded once, kept
    encoder = registry.get("inpainter").image_encoder
    assert registry.sizes["inpainter reference"] > sum(p.numel() * 4 for p in encoder.parameters())


def test_a_reference_reaches_sdxl_inpainting_as_the_plain_ip_adapter_call_does(tiny_config, tiny_dir):
    from diffusers import StableDiffusionXLInpaintPipeline

    settings = load_settings(
        tiny_config, inpainter={"model": str(tiny_dir / "sdxl-inpaint"), "backend": "sdxl"}
    )
    ctx = ToolContext(ModelRegistry(settings), MemoryStore())
    photo, mask, reference, ids = _inputs(ctx)
    before, ours = _ours(ctx, ids, reference=False), _ours(ctx, ids, reference=True)
    made = _plain(StableDiffusionXLInpaintPipeline, tiny_dir / "sdxl-inpaint", tiny_dir / "ip-adapter", "xl",
                  photo, mask, reference)  # fmt: skip
    result, inside = _px(ours), mask > 0
    assert np.array_equal(result[~inside], _px(photo)[~inside])
    assert np.abs(result[inside] - _px(made)[inside]).max() <= 1
    assert np.abs(result - _px(before)).max() > 8


def test_a_missing_adapter_is_one_sentence_and_the_inpainter_goes_on_without_it(tiny_config, tmp_path):
    settings = load_settings(tiny_config, reference={"model": str(tmp_path / "no-adapter")})
    ctx = ToolContext(ModelRegistry(settings), MemoryStore())
    photo, _, _, ids = _inputs(ctx)
    with pytest.raises(ModelMissingError) as err:
        _ours(ctx, ids, reference=True)
    message = str(err.value)
    assert "\n" not in message and "no-adapter" in message and "pixelsmith models pull reference" in message
    assert _ours(ctx, ids, reference=False).size == photo.size  # nothing left switched on


def test_a_preview_or_two_references_are_refused_before_anything_loads(ctx, registry):
    _, _, _, (image, mask, ref) = _inputs(ctx)
    with pytest.raises(ToolInputError, match="a preview cannot use a reference photo"):
        run_tool(ctx, "inpaint", image=image, mask=mask, prompt=PROMPT, preview=True, references=[ref])
    with pytest.raises(Exception, match="references"):
        run_tool(ctx, "inpaint", image=image, mask=mask, prompt=PROMPT, references=[ref, image])


def test_inpaint_reference_on_the_command_line(tiny_config, tmp_path, monkeypatch, capsys):
    from pixelsmith.cli import main

    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    monkeypatch.setenv("PIXELSMITH_DATA_DIR", str(tmp_path / "data"))
    photo, mask = noise_image(96, 64, seed=1), np.zeros((64, 96), np.uint8)
    mask[10:40, 20:60] = 255
    photo.save(tmp_path / "cat.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    noise_image(50, 80, seed=2).save(tmp_path / "dog.png")
    out = tmp_path / "out.png"
    argv = ["inpaint", str(tmp_path / "cat.png"), str(tmp_path / "mask.png"), "a dog", "--steps", "2",
            "--seed", "3", "-o", str(out)]  # fmt: skip
    assert main([*argv, "--reference", str(tmp_path / "dog.png")]) == 0, capsys.readouterr()
    with_it = _px(Image.open(out))
    assert main(argv) == 0, capsys.readouterr()
    without = _px(Image.open(out))
    from pixelsmith import masks as M

    outside = ~M.binary(M.grow(mask, 8))
    assert np.array_equal(with_it[outside], _px(photo)[outside])
    assert np.abs(with_it - without).max() > 8  # the reference reached the inpainter
    assert main([*argv, "--reference", str(tmp_path / "nothing.png")]) != 0
    assert "nothing.png" in capsys.readouterr().err


PROBE = """
import sys
import numpy as np
from pixelsmith.api import Editor
from pixelsmith.testing import noise_image
editor = Editor(sys.argv[1])
mask = np.zeros((64, 64), np.uint8)
mask[8:40, 8:40] = 255
out = editor.run("inpaint", image=noise_image(64, 64, 1), mask=mask, prompt="a dog",
                 references=[noise_image(40, 60, 2)], num_inference_steps=2, seed=1)
print(out.images[0].size, dict(editor.models.load_counts))
"""


def test_models_pull_reference_fetches_only_the_adapter_files_then_inpaint_uses_the_cache(
    tiny_config, tiny_dir, tmp_path
):
    """`pixelsmith models pull reference` from a hub (FakeHub on 127.0.0.1) fetches the SD 1.5
    adapter and the image encoder, not the repo's other files; offline, inpaint reads them."""
    import shutil
    import subprocess
    import sys

    from fake_hub import FakeHub

    repo = tmp_path / "repo"
    shutil.copytree(tiny_dir / "ip-adapter", repo)
    (repo / "models" / "ip-adapter-plus_sd15.safetensors").write_bytes(b"not fetched" * 1000)
    config = tmp_path / "hub.toml"
    config.write_text(
        tiny_config.read_text().replace(str((tiny_dir / "ip-adapter").as_posix()), "tiny/ip-adapter")
    )
    with FakeHub({"tiny/ip-adapter": repo}) as hub:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIXELSMITH_", "HF_", "TRANSFORMERS_OFFLINE"))
        }
        env |= {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"), "PIXELSMITH_CONFIG": str(config),
                "PIXELSMITH_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
        pull = [sys.executable, "-c", "from pixelsmith.cli import run; run()", "models", "pull", "reference"]
        done = subprocess.run(pull, capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        got = [r.split()[1] for r in hub.requests if r.startswith("GET") and "/resolve/" in r]
    fetched = {path.split("/resolve/", 1)[1].split("/", 1)[1] for path in got}  # after the revision
    assert fetched == {"models/ip-adapter_sd15.safetensors", "models/image_encoder/config.json",
                       "models/image_encoder/model.safetensors"}  # fmt: skip
    probe = [sys.executable, "-c", PROBE, str(config)]
    used = subprocess.run(
        probe, capture_output=True, text=True, timeout=300, env=env | {"HF_HUB_OFFLINE": "1"}
    )
    assert used.returncode == 0, used.stderr[-3000:]
    assert "(64, 64)" in used.stdout and "'inpainter reference': 1" in used.stdout
