"""The Streamlit chat UI through AppTest on the tiny models: upload, edit, review, undo, errors."""

from __future__ import annotations

import io

import pytest
from PIL import Image

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from pixelsmith.ui.command import APP  # noqa: E402

REQUEST = "replace the cat with a realistic green dragon"


@pytest.fixture
def app(tiny_config, monkeypatch):
    """A fresh browser session of the app on the tiny models (data in this test's tmp dir)."""
    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _send(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="message").set_value(text).run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} in {[b.label for b in at.button]}"
    return found[0]


def _captions(at: AppTest) -> list[str]:
    return [c for image in at.main.image for c in image.captions]


def _workspace(at: AppTest):
    return at.session_state["workspace"]


def test_upload_edit_review_continue_undo(app, cat_photo):
    at = app
    at.slider(key="opt-steps").set_value(3)  # lean: three denoising steps on the tiny models
    at.sidebar.file_uploader[0].set_value(("cat.png", _png(cat_photo), "image/png")).run()
    assert "goes with your next message" in " ".join(i.captions[0] for i in at.sidebar.image)
    _send(at, REQUEST)
    # the plan paused after segmentation: boxes, numbered masks, review controls
    roles = [m.name for m in at.chat_message]
    assert roles[:2] == ["user", "assistant"]
    captions = _captions(at)
    assert any(c.startswith("detection-1:") for c in captions)
    assert any(c.startswith("candidates, best first: 1 = mask-1") for c in captions)
    assert any(c.startswith("on image-1") for c in captions)
    overlays = [i for i in at.main.image if i.captions[0].startswith(("detection-", "candidates"))]
    assert all(url.endswith(".png") for image in overlays for url in image.value)
    labels = [s.label for s in at.status]
    assert labels[0].startswith("1. Find (detect)") and labels[1].startswith("2. Cut out (segment)")
    for label in ("Use mask 1", "Use mask 2", "Use mask 3", "Continue", "Apply grow / feather"):
        _button(at, label)
    assert at.query_params["session"] == _workspace(at).id

    _button(at, "Use mask 2").click().run()
    assert not at.exception
    assert "now using **mask-2**" in " ".join(m.value for m in at.markdown)
    at.slider(key=f"adjust-{_workspace(at).id}-1-grow").set_value(6).run()
    _button(at, "Apply grow / feather").click().run()
    refined = _workspace(at).record.steps[-1]
    assert refined.tool == "refine_mask" and refined.args == {"mask": "mask-2", "grow": 6}
    _button(at, "Continue").click().run()
    assert not at.exception
    record = _workspace(at).record
    inpaint = record.steps[-1]
    assert inpaint.tool == "inpaint" and inpaint.args["mask"] == refined.outputs[0]
    assert record.current_image == "image-2" and record.pending is None
    assert any(c == "image-1 → image-2" for c in _captions(at))  # before / after
    assert [b.label for b in at.get("download_button")] == ["Download PNG"]
    assert "image-2 is the current image" in at.chat_message[-1].markdown[-1].value

    _send(at, "undo")
    assert _workspace(at).record.current_image == "image-1"
    assert [s.label for s in at.status][-1].startswith("1. Undo (undo)")


def test_sidebar_settings_are_the_defaults_and_versions_can_be_made_current(app):
    at = app
    at.button(key="sample").click().run()
    at.slider(key="opt-steps").set_value(2)
    at.slider(key="opt-candidates").set_value(2)
    at.slider(key="opt-guidance").set_value(5.0)
    at.slider(key="opt-strength").set_value(0.8)
    at.toggle(key="opt-random-seed").set_value(False).run()
    at.number_input(key="opt-seed").set_value(7).run()
    _send(at, REQUEST)
    _button(at, "Continue").click().run()
    assert not at.exception
    inpaint = _workspace(at).record.steps[-1]
    assert inpaint.tool == "inpaint" and len(inpaint.outputs) == 2
    for key, value in [("num_inference_steps", 2), ("num_candidates", 2), ("guidance_scale", 5.0),
                       ("strength", 0.8), ("seed", 7)]:
        assert inpaint.args[key] == value, key
    other = inpaint.outputs[1]
    _button(at, f"Make {other} current").click().run()
    assert _workspace(at).record.current_image == other
    assert any(b.label == "✓ Current image" and b.disabled for b in at.button)


def test_errors_are_readable_chat_messages(app, monkeypatch):
    at = app
    _send(at, REQUEST)  # no image yet
    assert at.chat_message[-1].name == "assistant" and at.chat_message[-1].markdown
    assert not at.main.image

    at.sidebar.file_uploader[0].set_value(("notes.png", b"not an image at all", "image/png")).run()
    assert not at.exception
    assert "not a readable image" in at.sidebar.error[0].value

    from pixelsmith.agent.agent import Agent

    def broken(self, message, image=None):
        raise RuntimeError("boom at line 12")
        yield  # pragma: no cover

    monkeypatch.setattr(Agent, "send", broken)
    _send(at, "make it blue")
    assert "Something went wrong (RuntimeError)" in at.chat_message[-1].error[0].value
    assert "line 12" not in at.chat_message[-1].error[0].value


def test_reload_reopens_the_session_a_new_tab_starts_another_and_models_load_once(app, tiny_config):
    at = app
    at.button(key="sample").click().run()
    at.slider(key="opt-steps").set_value(2).run()
    _send(at, REQUEST)
    _button(at, "Continue").click().run()
    session_id = _workspace(at).id

    reloaded = AppTest.from_file(str(APP), default_timeout=120)  # a reload: same URL, new session
    reloaded.query_params["session"] = session_id
    reloaded.run()
    assert not reloaded.exception
    assert _workspace(reloaded).id == session_id
    assert [m.name for m in reloaded.chat_message][:2] == ["user", "assistant"]
    assert any(c.startswith("image-2:") for c in _captions(reloaded))
    assert "Download PNG" in [b.label for b in reloaded.get("download_button")]

    other_tab = AppTest.from_file(str(APP), default_timeout=120)
    other_tab.run()
    assert _workspace(other_tab).id != session_id
    assert not other_tab.main.image and not other_tab.chat_message

    for _ in range(2):
        reloaded.run()
    from pixelsmith.ui import resources

    registry = resources.model_registry(resources.settings())
    assert registry.load_counts and set(registry.load_counts.values()) == {1}
    assert "loaded: detector ×1" in reloaded.sidebar.caption[-1].value
