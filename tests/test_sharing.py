"""The generator and the inpainter share their VAE and text encoder only where the
checkpoints agree (`generator.share_with_inpainter`)."""

from __future__ import annotations

import json
import shutil

from pixelsmith.models import ModelRegistry


def test_same_base_checkpoints_share_vae_text_encoder_and_tokenizer(tiny_settings):
    models = ModelRegistry(tiny_settings)
    generator, inpainter = models.get("generator"), models.get("inpainter")
    assert inpainter.vae is generator.vae and inpainter.text_encoder is generator.text_encoder
    assert inpainter.tokenizer is generator.tokenizer and inpainter.unet is not generator.unet
    alone = ModelRegistry(tiny_settings.model_copy(
        update={"generator": tiny_settings.generator.model_copy(update={"share_with_inpainter": False})}
    ))  # fmt: skip
    assert alone.get("generator").vae is not alone.get("inpainter").vae


def test_a_different_vae_is_not_shared(tiny_settings, tmp_path):
    """An inpainter whose VAE differs (here: its scaling factor, as between SD 1.5 and SDXL)
    keeps its own VAE; the matching text encoder is still shared."""
    folder = tmp_path / "other-inpaint"
    shutil.copytree(tiny_settings.inpainter.model, folder)
    config = folder / "vae" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "scaling_factor": 0.13025}))
    other = tiny_settings.inpainter.model_copy(update={"model": str(folder)})
    models = ModelRegistry(tiny_settings.model_copy(update={"inpainter": other}))
    generator, inpainter = models.get("generator"), models.get("inpainter")
    assert inpainter.vae is not generator.vae and inpainter.vae.config.scaling_factor == 0.13025
    assert inpainter.text_encoder is generator.text_encoder
