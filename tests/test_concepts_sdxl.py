"""Issue 13: DreamBooth-LoRA on SDXL (tiny checkpoints): a concept trains with prior
preservation on the SDXL generator and inpainter, stops and resumes from its checkpoint,
is used in generate and inpaint, and a concept of the other family is refused clearly."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from pixelsmith.concepts import ConceptStore, TrainSettings
from pixelsmith.concepts.teach import train_concept
from pixelsmith.config import load_settings
from pixelsmith.errors import InterruptedError_, UserError
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.tools import MemoryStore, ToolContext, default_tools


@pytest.fixture(scope="module")
def xl(tiny_config, tiny_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("sdxl-concepts")
    settings = load_settings(
        tiny_config,
        data_dir=root / "data",
        generator={"model": str(tiny_dir / "sdxl"), "backend": "sdxl"},
        inpainter={"model": str(tiny_dir / "sdxl-inpaint"), "backend": "sdxl"},
    )
    photos = root / "photos"
    photos.mkdir()
    for i in range(3):
        noise_image(64, 64, seed=30 + i).save(photos / f"{i}.png")
    return settings, ModelRegistry(settings), photos


def _train(xl, name, *, steps=4, cancel=None, resume=False, report=None):
    settings, registry, photos = xl
    return train_concept(
        registry, ConceptStore(settings.data_dir), name, images=[] if resume else [photos], class_word="dog",
        settings=TrainSettings.parse(steps=steps, resolution=64, rank=4, checkpoint_every=2, class_images=2,
                                     class_steps=2, sample_steps=2),
        resume=resume, cancel=cancel or threading.Event(), on_progress=report or (lambda p: None),
    )  # fmt: skip


@pytest.fixture(scope="module")
def rex(xl):
    """An SDXL concept, trained once per module (per test worker)."""
    return _train(xl, "rex")


def _run(registry, store, name, **args):
    tool = default_tools().get(name)
    return tool.run(tool.validate(args), ToolContext(registry, store))


def test_an_sdxl_concept_trains_and_is_used_in_generate_and_inpaint(xl, rex):
    settings, registry, _ = xl
    concept = rex
    assert concept.status == "ready" and concept.families == {"generator": "sdxl", "inpainter": "sdxl"}
    assert set(concept.adapters) == {"generator", "inpainter"} and len(concept.loss_curve) == 4
    assert (concept.folder / "class_images" / "001.png").is_file()  # prior preservation, by SDXL
    store = MemoryStore()
    args = dict(prompt="my rex on the beach", num_inference_steps=2, seed=3)
    with_it = _run(registry, store, "generate", concept="rex", **args).images[0]
    without = _run(registry, store, "generate", **args).images[0]
    assert not np.array_equal(np.asarray(with_it), np.asarray(without))
    image = store.add("image", noise_image(96, 64, seed=1))
    mask = np.zeros((64, 96), np.uint8)
    mask[10:50, 20:70] = 255
    painted = _run(
        registry, store, "inpaint", image=image, mask=store.add("mask", mask), concept="rex", **args
    )
    plain = _run(registry, store, "inpaint", image=image, mask=store.add("mask", mask), **args)
    assert not np.array_equal(np.asarray(painted.images[0]), np.asarray(plain.images[0]))
    assert registry.get("generator").get_list_adapters() == {}  # nothing left loaded after the call


def test_a_stopped_sdxl_training_resumes_from_its_checkpoint(xl):
    cancel = threading.Event()

    def report(progress):
        if progress.phase == "training" and progress.step == 3:
            cancel.set()

    with pytest.raises(InterruptedError_):
        _train(xl, "spot", steps=6, cancel=cancel, report=report)
    settings = xl[0]
    stopped = ConceptStore(settings.data_dir).get("spot")
    assert stopped.status == "training" and 3 <= stopped.step < 6
    resumed = _train(xl, "spot", steps=6, resume=True)
    assert resumed.status == "ready" and resumed.step == 6 and len(resumed.loss_curve) == 6


def test_a_concept_of_the_other_family_is_refused_in_one_sentence(xl, rex, tiny_config):
    settings, registry, photos = xl
    sd = load_settings(tiny_config, data_dir=settings.data_dir)
    sd_registry = ModelRegistry(sd)
    train_concept(
        sd_registry, ConceptStore(sd.data_dir), "fido", images=[photos], class_word="dog",
        settings=TrainSettings.parse(steps=2, resolution=64, rank=4, prior_preservation=False,
                                     inpaint_adapter=False, sample_steps=1),
    )  # fmt: skip
    with pytest.raises(UserError) as caught:
        _run(registry, MemoryStore(), "generate", prompt="my fido", concept="fido", num_inference_steps=2)
    said = str(caught.value)
    assert said.startswith("concept 'fido' was trained on Stable Diffusion 1.x/2.x (")
    assert said.endswith("and does not fit this SDXL generator; teach it again with this model, or switch "
                         "the generator back")  # fmt: skip
    with pytest.raises(UserError, match="was trained on SDXL"):
        _run(sd_registry, MemoryStore(), "generate", prompt="my rex", concept="rex", num_inference_steps=2)
