"""Teaching a concept in the chat UI: live training progress, then its loss curve and samples."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from pixelsmith.testing import noise_image  # noqa: E402
from pixelsmith.testing.openai_stub import OpenAIStub, calls, text  # noqa: E402
from pixelsmith.ui.command import APP  # noqa: E402
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
def _live_training_script(last: int):
    """Drives a train_concept step's events (5 steps, up to `last`) through the chat's
    LiveRenderer, with no model: what the chat shows while training is still running."""
    import os

    from pixelsmith.agent import events as ev
    from pixelsmith.concepts.registry import ConceptStore, TrainSettings
    from pixelsmith.testing import noise_image
    from pixelsmith.ui import render
    from pixelsmith.workspace import Workspace

    ws = Workspace.create(os.environ["PIXELSMITH_DATA_DIR"])
    store = ConceptStore(ws.data_dir)
    concept = store.create("rex", class_word="dog", settings=TrainSettings(steps=5), base_models={})
    live = render.LiveRenderer(ws)
    live(ev.StepStarted(1, "train_concept", {"name": "rex", "class_word": "dog"}))
    live(ev.StepProgress(1, "train_concept", 4, 4, "class images step"))
    for step in range(1, last + 1):
        live(ev.StepProgress(1, "train_concept", step, 5, f"training step, loss {1 / step:.4f}"))
        if step == 2:  # a checkpoint: the trainer writes a sample, then the record
            (concept.folder / "samples").mkdir()
            noise_image(64, 64).save(concept.folder / "samples" / "step-2.png")
            concept.samples = ["step-2.png"]
            store.save(concept)


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
    assert [(r["step"], r["loss"], r["phase"]) for r in rows] == [
        (step, round(1 / step, 4), "training") for step in range(1, last + 1)
    ]  # one point per reported step so far; the class-image steps have no loss
    bar = at.get("progress")[-1].proto
    assert bar.value == last * 20
    assert bar.text.startswith(f"training {last}/5 · loss {1 / last:.4f} · ETA ")
    captions = [c for image in at.main.image for c in image.captions]
    assert captions == ["step-2"]  # the checkpoint sample, shown while training goes on
    assert at.button(key="stop-training").label == "Stop training"

