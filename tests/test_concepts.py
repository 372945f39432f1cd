"""Personal concepts (DreamBooth-LoRA) on the tiny checkpoints: 64 px, a few steps, rank 4."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from pixelsmith.concepts import ConceptStore, TrainSettings, applied, rewrite_prompt
from pixelsmith.concepts.lora_trainer import MASK_VARIANTS, embed_prompt, inpaint_conditioning, random_masks
from pixelsmith.concepts.store import Concept
from pixelsmith.concepts.teach import (
    LoraTrainer,
    TrainData,
    TrainProgress,
    encode_images,
    train_concept,
)
from pixelsmith.errors import InterruptedError_, UserError
from pixelsmith.testing import noise_image

FAST = dict(
    steps=6,
    rank=4,
    resolution=64,
    class_images=2,
    class_steps=2,
    sample_steps=2,
    checkpoint_every=2,
    lr=1e-3,
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _photos(folder: Path, sizes=((64, 64), (72, 64), (64, 80), (96, 96))) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, (w, h) in enumerate(sizes):
        noise_image(w, h, seed=i).save(folder / f"{i}.png")
    return folder


def _generate(pipeline) -> np.ndarray:
    generator = torch.Generator("cpu").manual_seed(0)
    result = pipeline("a photo of sks dog", num_inference_steps=2, generator=generator, output_type="np")
    return result.images[0]


def _inpaint(pipeline) -> np.ndarray:
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 48))
    generator = torch.Generator("cpu").manual_seed(0)
    result = pipeline(
        "a photo of sks dog",
        image=noise_image(64, 64, seed=9),
        mask_image=mask,
        num_inference_steps=2,
        generator=generator,
        output_type="np",
    )
    return result.images[0]


def _lora_keys(pipeline) -> list[str]:
    return [k for k in pipeline.unet.state_dict() if "lora" in k]


@dataclass
class Trained:
    concept: Concept
    store: ConceptStore
    photos: Path
    progress: list[TrainProgress]
    before: np.ndarray
    after: np.ndarray


@pytest.fixture(scope="module")
def trained(tiny_registry, tmp_path_factory) -> Trained:
    """One concept trained with prior preservation; the generator's output around it."""
    root = tmp_path_factory.mktemp("concepts")
    pipeline = tiny_registry.get("generator")
    before = _generate(pipeline)
    progress: list[TrainProgress] = []
    store = ConceptStore(root / "data")
    concept = train_concept(
        tiny_registry,
        store,
        "rex",
        images=[_photos(root / "photos")],
        class_word="dog",
        settings=TrainSettings.parse(**FAST),
        on_progress=progress.append,
    )
    return Trained(concept, store, root / "photos", progress, before, _generate(pipeline))


def test_loss_goes_down_when_overfitting_one_batch(tiny_registry, tmp_path):
    pipeline = tiny_registry.get("generator")
    photos = [Image.open(p) for p in sorted(_photos(tmp_path, [(64, 64)] * 3).glob("*.png"))]
    trainer = LoraTrainer(pipeline, TrainSettings.parse(lr=1e-2, rank=4, resolution=64, seed=0))
    data = TrainData(*encode_images(pipeline, photos), embed_prompt(pipeline, "a photo of sks dog"))
    batch = trainer.draw(data)  # the same noise and timesteps every step
    losses = [trainer.step(batch) for _ in range(20)]
    assert np.mean(losses[-3:]) < 0.9 * np.mean(losses[:3]), losses
    assert not _lora_keys(pipeline)  # the LoRA lives on the trainer's copy


def test_the_inpainting_lora_learns_to_fill_masked_photos(tiny_registry, tmp_path):
    pipeline = tiny_registry.get("inpainter")
    photos = [Image.open(p) for p in sorted(_photos(tmp_path, [(64, 64)] * 3).glob("*.png"))]
    trainer = LoraTrainer(pipeline, TrainSettings.parse(lr=1e-2, rank=4, resolution=64, seed=0))
    assert trainer.inpainting
    data = TrainData(*encode_images(pipeline, photos), embed_prompt(pipeline, "a photo of sks dog"))
    with pytest.raises(ValueError, match="mask conditioning"):
        trainer.draw(data)
    data.instance_cond = inpaint_conditioning(pipeline, photos, seed=0)
    batch = trainer.draw(data)
    assert batch.cond.shape == (1, 5, 8, 8)
    losses = [trainer.step(batch) for _ in range(20)]
    assert np.mean(losses[-3:]) < 0.9 * np.mean(losses[:3]), losses
    assert not _lora_keys(pipeline)


def test_random_masks_cover_the_whole_image_first_then_seeded_shapes():
    masks = random_masks(64, 6, seed=3)
    assert masks.shape == (6, 64, 64) and set(np.unique(masks)) <= {0.0, 1.0}
    assert masks[0].all()
    covered = masks[1:].mean(axis=(1, 2))
    assert ((covered > 0.3**2 * 0.7) & (covered < 0.9**2 + 0.01)).all(), covered
    assert np.array_equal(masks, random_masks(64, 6, seed=3))
    assert not np.array_equal(masks, random_masks(64, 6, seed=4))


def test_inpaint_conditioning_is_the_mask_and_the_masked_photo_latents(tiny_registry):
    pipeline = tiny_registry.get("inpainter")
    photos = [noise_image(64, 64, seed=i) for i in range(2)]
    cond = inpaint_conditioning(pipeline, photos, seed=0)
    assert cond.shape == (2, MASK_VARIANTS, 5, 8, 8)
    assert (cond[:, 0, 0] == 1).all()  # variant 0 masks everything...
    # ...so the photo is gone: both photos give the same latents (a blank image's).
    assert torch.allclose(cond[0, 0, 1:], cond[1, 0, 1:], atol=1e-5)
    assert not torch.allclose(cond[0, 1, 1:], cond[1, 1, 1:])  # partly masked: still the photos


def test_training_writes_a_lora_and_leaves_the_registry_pipeline_alone(trained, tiny_registry):
    concept = trained.concept
    assert (concept.status, concept.step, len(concept.loss_curve)) == ("ready", 6, 6)
    assert concept.token == "sks" and concept.phrase == "sks dog"
    assert concept.instance_prompt == "a photo of sks dog"
    keys = load_file(concept.adapter_path("generator"))
    assert keys and all("lora" in k for k in keys), list(keys)[:5]
    # A second LoRA, trained on the inpainting UNet, for edits.
    assert concept.adapters == {
        "generator": "generator_lora.safetensors",
        "inpainter": "inpainter_lora.safetensors",
    }
    inpaint_keys = load_file(concept.adapter_path("inpainter"))
    assert inpaint_keys.keys() == keys.keys()
    assert any(not torch.equal(inpaint_keys[k], keys[k]) for k in keys)
    assert (concept.inpaint_step, len(concept.inpaint_loss_curve)) == (6, 6)
    assert concept.samples == [
        "step-2.png", "step-4.png", "step-6.png",
        "inpaint-step-2.png", "inpaint-step-4.png", "inpaint-step-6.png",
    ]  # fmt: skip
    assert all((concept.folder / "samples" / f).is_file() for f in concept.samples)
    assert len(list((concept.folder / "class_images").glob("*.png"))) == 2
    assert Image.open(concept.folder / "images" / "01.png").size == (64, 64)
    steps = [p for p in trained.progress if p.phase == "training"]
    assert [p.step for p in steps] == list(range(1, 7))
    assert all(p.loss is not None and p.eta_seconds >= 0 for p in steps)
    assert steps[-1].eta_seconds > 0  # the inpainting LoRA is still to come
    inpaint = [p for p in trained.progress if p.phase == "inpaint training"]
    assert [p.step for p in inpaint] == list(range(1, 7)) and inpaint[-1].eta_seconds == 0
    # The shared pipeline: same seed, same pixels, no LoRA layers.
    assert np.array_equal(trained.before, trained.after)
    assert not _lora_keys(tiny_registry.get("generator"))
    assert trained.store.get("rex").loss_curve == concept.loss_curve


@pytest.mark.parametrize("role", ["generator", "inpainter"])
def test_applied_changes_the_output_and_restores_it_bit_for_bit(trained, tiny_registry, role):
    # Each role loads its own LoRA (the inpainter's was trained on masked photos).
    pipeline = tiny_registry.get(role)
    run = _generate if role == "generator" else _inpaint
    before = run(pipeline)
    with applied(pipeline, trained.concept, role) as names:
        assert names == ["concept_rex"] and _lora_keys(pipeline)
        with_lora = run(pipeline)
    assert np.abs(with_lora - before).max() > 1e-3
    assert np.array_equal(run(pipeline), before)
    assert not _lora_keys(pipeline)


def test_applied_unloads_when_the_block_raises(trained, tiny_registry):
    pipeline = tiny_registry.get("generator")
    with pytest.raises(RuntimeError, match="boom"), applied(pipeline, trained.concept):
        raise RuntimeError("boom")
    assert not _lora_keys(pipeline)
    assert np.array_equal(_generate(pipeline), trained.before)


class Killed(Exception):
    pass


@pytest.mark.parametrize(
    "how, phase", [("kill", "training"), ("cancel", "training"), ("cancel", "inpaint training")]
)
def test_a_stopped_run_resumes_to_the_same_end(trained, tiny_registry, tmp_path, how, phase):
    store, cancel = ConceptStore(tmp_path / "data"), threading.Event()
    args = dict(images=[trained.photos], class_word="dog", settings=TrainSettings.parse(**FAST))

    def stop_after_3(progress: TrainProgress) -> None:
        if progress.phase == phase and progress.step == 3:
            if how == "kill":
                raise Killed  # as if the process died: no checkpoint at 3
            cancel.set()

    stopped = Killed if how == "kill" else InterruptedError_
    with pytest.raises(stopped):
        train_concept(tiny_registry, store, "rex", on_progress=stop_after_3, cancel=cancel, **args)
    half = store.get("rex")
    stopped_at = 2 if how == "kill" else 3
    if phase == "training":
        assert half.status == "training" and half.step == stopped_at and not half.adapters
    else:  # the generator's LoRA is done and kept; the inpainting one stopped half-way
        assert half.status == "training" and half.inpaint_step == stopped_at
        assert list(half.adapters) == ["generator"]
    with pytest.raises(UserError, match="continue training rex"):  # no silent restart over it
        train_concept(tiny_registry, store, "rex", **args)
    resumed: list[TrainProgress] = []
    done = train_concept(tiny_registry, store, "rex", resume=True, on_progress=resumed.append, **args)
    assert (done.status, done.step, len(done.loss_curve)) == ("ready", 6, 6)
    assert (resumed[0].phase, resumed[0].step) == (phase, stopped_at + 1)
    # Same seed, photos and token as the uninterrupted run: the same losses.
    assert done.loss_curve == pytest.approx(trained.concept.loss_curve, rel=1e-5)
    assert done.inpaint_loss_curve == pytest.approx(trained.concept.inpaint_loss_curve, rel=1e-5)


def test_a_concept_being_trained_cannot_be_started_twice(trained, tiny_registry, tmp_path):
    """Two tabs, one concept: the second run is refused while the first trains, not interleaved."""
    store, cancel, at_step_1 = ConceptStore(tmp_path / "data"), threading.Event(), threading.Event()
    args = dict(images=[trained.photos], class_word="dog", settings=TrainSettings.parse(**FAST))

    def hold(progress: TrainProgress) -> None:
        if progress.phase == "training" and progress.step == 1:
            at_step_1.set()
            cancel.wait(30)

    outcome: list[BaseException] = []

    def train_first() -> None:
        try:
            train_concept(tiny_registry, store, "rex", on_progress=hold, cancel=cancel, **args)
        except BaseException as err:
            outcome.append(err)

    first = threading.Thread(target=train_first)
    first.start()
    assert at_step_1.wait(60) and store.training_now("rex")
    try:
        with pytest.raises(UserError, match="'rex' is being trained right now"):
            train_concept(tiny_registry, store, "rex", resume=True, **args)
        with pytest.raises(UserError, match="'rex' is being trained right now"):
            store.delete("rex")
    finally:
        cancel.set()
        first.join(60)
    assert isinstance(outcome[0], InterruptedError_) and store.get("rex").step == 1
    assert not store.training_now("rex")


def _case(tmp_path: Path, case: str, trained: Trained) -> tuple[dict, str]:
    photos = _photos(tmp_path / "photos")
    args: dict = dict(name="new", images=[photos], class_word="dog", settings=TrainSettings.parse(**FAST))
    if case == "two images":
        args["images"] = sorted(photos.glob("*.png"))[:2]
        return args, "need 3 to 200 photos"
    if case == "text file":
        (photos / "notes.txt").write_text("not an image")
        args["images"] = [*sorted(photos.glob("*.png")), photos / "notes.txt"]
        return args, "not a readable image"
    if case == "panorama":
        noise_image(400, 64).save(photos / "wide.png")
        return args, "longer than 3:1"
    if case == "sizes 8x apart":
        noise_image(800, 800).save(photos / "huge.png")
        return args, "differ more than 8x"
    if case == "no class word":
        return args | {"class_word": " "}, "class word is required"
    if case == "bad name":
        return args | {"name": "My Dog"}, "concept name must be"
    if case == "name clash":
        return args | {"name": "rex"}, "already exists"
    raise AssertionError(case)


CASES = ["two images", "text file", "panorama", "sizes 8x apart", "no class word", "bad name", "name clash"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_before_training(trained, tiny_registry, tmp_path, case):
    args, message = _case(tmp_path, case, trained)
    store = trained.store if case == "name clash" else ConceptStore(tmp_path / "data")
    before = store.list()
    progress: list[TrainProgress] = []
    with pytest.raises(UserError, match=message) as err:
        train_concept(tiny_registry, store, args.pop("name"), on_progress=progress.append, **args)
    assert "\n" not in str(err.value)
    assert progress == [] and store.list() == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"steps": 0}, "steps"),
        ({"rank": 1000}, "rank"),
        ({"lr": 5.0}, "lr"),
        ({"resolution": 100}, "multiple of 8"),
    ],
)
def test_absurd_settings_are_one_line_user_errors(values, message):
    with pytest.raises(UserError, match=message) as err:
        TrainSettings.parse(**values)
    assert "\n" not in str(err.value)


def test_store_lists_gets_and_deletes(trained, tmp_path):
    store = ConceptStore(tmp_path)
    with pytest.raises(UserError, match="unknown concept 'rex'; known: none yet"):
        store.get("rex")
    assert [c.name for c in trained.store.list()] == ["rex"]
    with pytest.raises(UserError, match="known: rex"):
        trained.store.get("max")
    other = store.create("max", class_word="cat", settings=TrainSettings(), base_models={}, token=None)
    second = store.create("tom", class_word="Teddy  Bear", settings=TrainSettings(), base_models={})
    assert other.token == "sks" and second.token != "sks" and second.class_word == "teddy bear"
    store.delete("max")
    assert store.names() == ["tom"] and not (tmp_path / "concepts" / "max").exists()


def test_prompts_name_concepts_by_name_or_token(trained, tmp_path):
    rex = trained.concept
    cat = rex.model_copy(update={"name": "mr-whiskers", "token": "zxq", "class_word": "cat"})
    cases = {
        "a photo of my rex on the beach": "a photo of sks dog on the beach",
        "Rex and my mr whiskers": "sks dog and zxq cat",
        "sks dog in the snow": "sks dog in the snow",
        "a sks wearing a hat": "a sks dog wearing a hat",
        "a rexy dog": "a rexy dog",
    }
    for prompt, expected in cases.items():
        assert rewrite_prompt(prompt, [rex, cat])[0] == expected, prompt
    assert [c.name for c in rewrite_prompt("mr_whiskers chases rex", [rex, cat])[1]] == ["mr-whiskers", "rex"]


def test_cli_trains_lists_shows_and_deletes(tiny_config, monkeypatch, tmp_path, capsys):
    from pixelsmith.cli import main

    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    photos = _photos(tmp_path / "photos")
    train = ["concept", "train", "pup", "--images", str(photos), "--class", "dog", "--steps", "2"]
    fast = ["--resolution", "64", "--no-prior-preservation", "--sample-steps", "1", "--checkpoint-every", "2"]
    assert main(train + fast) == 0
    assert "use it in prompts as 'sks dog'" in capsys.readouterr().out
    assert main(["concept", "list"]) == 0
    assert "pup: 'sks dog' ready step 2/2" in capsys.readouterr().out
    assert main(["concept", "show", "pup", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "ready" and len(shown["loss_curve"]) == 2
    assert Path(shown["folder"], shown["adapters"]["generator"]).is_file()
    assert Path(shown["folder"], shown["adapters"]["inpainter"]).is_file()
    assert main(train + fast) == 2  # the name is taken
    assert "already exists" in capsys.readouterr().err
    assert main(["concept", "train", "solo", "--images", str(photos), "--class", "dog", "--steps", "2"]
                + fast + ["--no-inpaint", "--json"]) == 0  # fmt: skip
    assert list(json.loads(capsys.readouterr().out)["adapters"]) == ["generator"]
    assert main(["concept", "delete", "solo"]) == 0
    assert main(["concept", "delete", "pup"]) == 0
    assert main(["concept", "show", "pup"]) == 2
    assert (
        capsys.readouterr().err.strip().splitlines()[-1] == "error: unknown concept 'pup'; known: none yet "
        "(train one with `pixelsmith concept train`)"
    )
    two = ["concept", "train", "cat", str(photos / "0.png"), str(photos / "1.png"), "--class", "cat"]
    assert main(two) == 2
    assert "need 3 to 200 photos of the subject, got 2" in capsys.readouterr().err
    assert main(["concept", "train", "ghost", "--resume"]) == 2
    assert "no stopped training of 'ghost' to continue" in capsys.readouterr().err


def test_ctrl_c_in_concept_train_stops_after_the_step_with_a_checkpoint(tiny_config, tmp_path):
    """The first Ctrl-C (SIGINT) of `pixelsmith concept train` stops at the next step and
    writes a checkpoint there, with one line saying how to continue; nothing is lost."""
    import os
    import re
    import signal
    import subprocess
    import sys
    import threading
    import time

    data = tmp_path / "data"
    env = {**os.environ, "PIXELSMITH_CONFIG": str(tiny_config), "PIXELSMITH_DATA_DIR": str(data)}
    command = [sys.executable, "-c", "from pixelsmith.cli import run; run()", "concept", "train", "pup",
               "--images", str(_photos(tmp_path / "photos")), "--class", "dog", "--steps", "5000",
               "--resolution", "64", "--no-prior-preservation", "--checkpoint-every", "1000"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    said: list[str] = []  # stderr as it comes: the progress bar's "N/5000"
    reader = threading.Thread(target=lambda: said.extend(iter(lambda: process.stderr.read(1), "")))
    reader.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:  # until 3 training steps are done
        if max((int(n) for n in re.findall(r"(\d+)/5000", "".join(said))), default=0) >= 3:
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=120)
    reader.join(timeout=30)
    err = "".join(said)
    assert process.returncode == 2, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("stopped: ")  # asked for, not an error
    assert "stopped at step" in last and "continue training pup" in last and "--resume" in last
    pup = ConceptStore(data).get("pup")
    assert pup.status == "training" and 3 <= pup.step < 5000  # stopped after the steps seen
    assert (pup.folder / "checkpoints" / f"step-{pup.step}").is_dir()  # a checkpoint at the stop
