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
