"""Teaching a concept in the chat UI: live training progress, then its loss curve and samples."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from pixelsmith.cli.ui import APP  # noqa: E402
from pixelsmith.testing import noise_image  # noqa: E402
from pixelsmith.testing.openai_stub import OpenAIStub, calls, text  # noqa: E402
from pixelsmith.workspace import Workspace  # noqa: E402


def test_teach_a_concept_in_the_chat(tiny_config, monkeypatch):
    data_dir = os.environ["PIXELSMITH_DATA_DIR"]
    ws = Workspace.create(data_dir)
    for seed in range(3):
        ws.set_current(ws.add_image(noise_image(64, 64, seed=seed), tool="upload"))
    ws.save()
    script = [
        calls(
            (
                "train_concept",
                {
                    "name": "rex",
                    "class_word": "dog",
                    "images": ["image-1", "image-2", "image-3"],
                    "steps": 4,
                    "resolution": 64,
                    "prior_preservation": False,
                },
            )
        ),
        text("I learned rex."),
    ]
    with OpenAIStub(script) as stub:
        monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
        monkeypatch.setenv("PIXELSMITH_LLM_MODEL", "stub")
        monkeypatch.setenv("PIXELSMITH_LLM_BASE_URL", stub.base_url)
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.query_params["session"] = ws.id
        at.run()
        at.chat_input(key="message").set_value("teach pixelsmith my dog rex").run()
    assert not at.exception, at.exception
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "rex" in sidebar and "ready" in sidebar
    charts = at.get("vega_lite_chart")
    assert charts, "the loss curve is drawn"
    captions = [c for image in at.main.image for c in image.captions]
    assert any(c.startswith("step-") for c in captions), captions  # checkpoint samples


# -- the live training view --------------------------------------------------------------
def _live_training_script(last: int, inpaint: int = 0):
    """Drives a train_concept step's events (5 steps, up to `last`, then `inpaint` steps of
    the inpainting LoRA) through the chat's LiveRenderer, with no model: what the chat
    shows while training is still running."""
    import os

    from pixelsmith.agent import events as ev
    from pixelsmith.concepts.store import ConceptStore, TrainSettings
    from pixelsmith.testing import noise_image
    from pixelsmith.ui import chat
    from pixelsmith.workspace import Workspace

    ws = Workspace.create(os.environ["PIXELSMITH_DATA_DIR"])
    store = ConceptStore(ws.data_dir)
    concept = store.create("rex", class_word="dog", settings=TrainSettings(steps=5), base_models={})
    live = chat.LiveRenderer(ws)
    live(ev.StepStarted(1, "train_concept", {"name": "rex", "class_word": "dog"}))
    live(ev.StepProgress(1, "train_concept", 4, 4, "class images step", phase="class images"))
    for step in range(1, last + 1):
        live(ev.StepProgress(1, "train_concept", step, 5, "training step", 1 / step, 10.0 - step, "training"))
        if step == 2:  # a checkpoint: the trainer writes a sample, then the record
            (concept.folder / "samples").mkdir()
            noise_image(64, 64).save(concept.folder / "samples" / "step-2.png")
            concept.samples = ["step-2.png"]
            store.save(concept)
    for step in range(1, inpaint + 1):
        live(
            ev.StepProgress(
                1,
                "train_concept",
                step,
                5,
                "inpaint training step",
                step / 10,
                5.0 - step,
                "inpaint training",
            )
        )


def _chart_rows(chart) -> list[dict]:
    import pyarrow as pa

    data = chart.proto.datasets[0].data.data if chart.proto.datasets else chart.proto.data.data
    return pa.ipc.open_stream(data).read_all().to_pylist()


@pytest.mark.parametrize("last", [3, 5])
def test_training_progress_is_drawn_live_with_loss_curve_eta_and_samples(last):
    at = AppTest.from_function(_live_training_script, args=(last,), default_timeout=60).run()
    assert not at.exception, at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1  # one curve, redrawn in place
    rows = _chart_rows(charts[0])
    assert [(r["step"], r["loss"]) for r in rows] == [
        (step, 1 / step) for step in range(1, last + 1)
    ]  # one point per reported step so far; the class-image steps have no loss
    bar = at.get("progress")[-1].proto
    assert bar.value == last * 20
    assert bar.text == f"training {last}/5 · loss {1 / last:.4f} · ETA 0:{10 - last:02d}"  # the trainer's ETA
    captions = [c for image in at.main.image for c in image.captions]
    assert captions == ["step-2"]  # the checkpoint sample, shown while training goes on
    assert at.button(key="stop-training").label == "Stop training"


def test_a_second_training_phase_gets_its_own_curve():
    at = AppTest.from_function(_live_training_script, args=(5, 2), default_timeout=60).run()
    assert not at.exception, at.exception
    rows = _chart_rows(at.get("vega_lite_chart")[0])
    assert [(r["phase"], r["step"]) for r in rows] == [
        *[("training", step) for step in range(1, 6)],
        ("inpaint training", 1),
        ("inpaint training", 2),
    ]
    assert at.get("progress")[-1].proto.text.startswith("inpaint training 2/5 · loss 0.2000")


# -- the sidebar's "Teach a concept" form ------------------------------------------------
def _png(image) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def app(tiny_config, monkeypatch):
    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def _fill_form(at, photos: list[tuple[str, bytes, str]], name="rex", class_word="dog"):
    """The form, filled for a fast run on the tiny models: 4 steps at 64 px, no class images."""
    generation = at.session_state["teach_generation"]
    uploader = next(f for f in at.sidebar.file_uploader if f.key == f"teach-photos-{generation}")
    uploader.set_value(photos)
    at.text_input(key=f"teach-name-{generation}").set_value(name)
    at.text_input(key=f"teach-class-{generation}").set_value(class_word)
    at.number_input(key="teach-steps").set_value(4)
    at.number_input(key="teach-resolution").set_value(64)
    at.toggle(key="teach-prior").set_value(False)
    at.button(key="teach-submit").click().run()
    assert not at.exception, at.exception
    return at


def _photos(count: int) -> list[tuple[str, bytes, str]]:
    return [(f"rex-{i}.png", _png(noise_image(64, 64, seed=i)), "image/png") for i in range(count)]


def test_the_form_teaches_a_concept_that_the_next_message_uses(app):
    at = _fill_form(app, _photos(3))
    data_dir = os.environ["PIXELSMITH_DATA_DIR"]
    from pixelsmith.concepts.store import ConceptStore

    concept = ConceptStore(data_dir).get("rex")
    assert concept.status == "ready" and concept.class_word == "dog" and concept.step == 4
    assert (concept.folder / "generator_lora.safetensors").is_file()
    # one turn through the agent: three uploads, one train_concept step on exactly them
    ws = at.session_state["workspace"]
    photos = ["image-1", "image-2", "image-3"]
    assert [a.id for a in ws.record.artifacts if a.tool == "upload"] == photos
    (step,) = ws.record.steps
    assert step.tool == "train_concept" and step.args["images"] == photos and step.error is None
    assert step.args["steps"] == 4 and step.args["resolution"] == 64
    user = next(m for m in ws.record.messages if m.role == "user")
    assert user.text == "teach pixelsmith my dog rex" and user.artifacts == photos
    # listed in the sidebar; its loss curve drawn with one point per training step
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "**rex**: a dog (ready)" in sidebar
    (chart,) = at.get("vega_lite_chart")  # with the inpainting LoRA (on by default): two curves
    rows = _chart_rows(chart)
    assert [(r["phase"], r["step"]) for r in rows] == [
        (phase, step) for phase in ("training", "inpaint training") for step in range(1, 5)
    ]
    assert [r["loss"] for r in rows] == pytest.approx(concept.loss_curve + concept.inpaint_loss_curve)
    assert step.args["inpaint"] is True and "inpainter" in concept.adapters
    assert not at.sidebar.error
    assert at.text_input(key="teach-name-1").value == ""  # the form is empty again

    at.slider(key="opt-steps").set_value(2)
    at.slider(key="opt-candidates").set_value(1)
    at.chat_input(key="message").set_value("a photo of my rex on the beach").run()
    assert not at.exception, at.exception
    last = at.session_state["workspace"].record.steps[-1]
    assert last.tool == "generate" and last.args["concept"] == "rex" and last.error is None


@pytest.mark.parametrize(
    ("photos", "name", "expected"),
    [
        (2, "rex", "teaching a new concept needs 3-20 photos (image ids), got 2"),
        (3, "", "name string should have at least 1 character"),
        (3, "rex!", "concept name must be 1-40 lowercase letters"),
    ],
)
def test_a_refused_form_shows_why_and_leaves_the_session_as_it_was(app, photos, name, expected):
    ws = app.session_state["workspace"]
    before = ws.record.model_dump()
    at = _fill_form(app, _photos(photos), name=name)
    assert expected in at.sidebar.error[0].value
    assert at.session_state["workspace"].record.model_dump() == before
    assert not list((ws.folder / "artifacts").iterdir())  # the photos were taken back out
    assert not (ws.data_dir / "concepts").exists() or not any((ws.data_dir / "concepts").iterdir())
    assert not at.chat_message  # nothing in the chat


def test_a_clashing_name_or_an_unreadable_photo_is_refused(app):
    from pixelsmith.concepts.store import ConceptStore, TrainSettings

    data_dir = os.environ["PIXELSMITH_DATA_DIR"]
    ConceptStore(data_dir).create("rex", class_word="dog", settings=TrainSettings(), base_models={})
    at = _fill_form(app, _photos(3))
    assert "a concept named 'rex' already exists" in at.sidebar.error[0].value
    assert at.session_state["workspace"].record.turn == 0 and not at.chat_message

    broken = [*_photos(2), ("notes.png", b"not an image at all", "image/png")]
    at = _fill_form(at, broken, name="fido")
    assert at.sidebar.error[0].value.startswith("notes.png: ")
    assert "not a readable image" in at.sidebar.error[0].value
    assert at.session_state["workspace"].record.artifacts == []


def test_a_stopped_training_is_continued_from_the_sidebar(app):
    """Stopped at step 2 (the stop button, a restart): listed as stopped with a button that
    continues it from its checkpoint as one turn of the chat."""
    import threading

    from pixelsmith.concepts.store import ConceptStore, TrainSettings
    from pixelsmith.concepts.teach import train_concept
    from pixelsmith.config import load_settings
    from pixelsmith.errors import InterruptedError_
    from pixelsmith.models import ModelRegistry

    settings, cancel = load_settings(), threading.Event()
    store = ConceptStore(settings.data_dir)
    photos = [noise_image(64, 64, seed=i) for i in range(3)]
    folder = settings.data_dir / "photos"
    folder.mkdir()
    for i, photo in enumerate(photos):
        photo.save(folder / f"{i}.png")
    fast = TrainSettings.parse(steps=4, resolution=64, prior_preservation=False, checkpoint_every=2)
    with pytest.raises(InterruptedError_):
        train_concept(
            ModelRegistry(settings),
            store,
            "rex",
            images=[folder],
            class_word="dog",
            settings=fast,
            cancel=cancel,
            on_progress=lambda p: p.step == 2 and cancel.set(),
        )
    at = app.run()
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "**rex**: a dog (stopped at step 2 of 4)" in sidebar

    at.button(key="resume-rex").click().run()
    assert not at.exception, at.exception
    concept = store.get("rex")
    assert (concept.status, concept.step, concept.inpaint_step) == ("ready", 4, 4)
    ws = at.session_state["workspace"]
    (step,) = ws.record.steps
    assert (
        step.tool == "train_concept" and step.args == {"name": "rex", "resume": True} and step.error is None
    )
    assert [m.text for m in ws.record.messages if m.role == "user"] == ["continue training rex"]
    assert "**rex**: a dog (ready)" in " ".join(c.value for c in at.sidebar.caption)
    assert not at.sidebar.error and not [b for b in at.sidebar.button if b.key == "resume-rex"]


def test_a_corrupt_concept_record_is_skipped_and_the_others_listed(app, caplog):
    """One unreadable concept.json (a crash mid-copy, a hand edit) hides only itself: the
    store lists the good concept and logs the bad file; the sidebar draws without error."""
    import logging

    from pixelsmith.concepts.store import RECORD, ConceptStore, TrainSettings

    store = ConceptStore(os.environ["PIXELSMITH_DATA_DIR"])
    for name in ("fido", "rex", "zed"):
        store.create(name, class_word="dog", settings=TrainSettings(), base_models={})
    (store.folder("fido") / RECORD).write_text('{"name": "fido", "tok')  # cut short
    (store.folder("zed") / RECORD).write_text('{"name": "zed"}')  # JSON, not a record
    with caplog.at_level(logging.WARNING, logger="pixelsmith.concepts.store"):
        assert [c.name for c in store.list()] == ["rex"]
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert str(store.folder("fido") / RECORD) in warned and str(store.folder("zed") / RECORD) in warned

    at = app.run()
    assert not at.exception, at.exception
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "**rex**: a dog" in sidebar and "fido" not in sidebar and "zed" not in sidebar
