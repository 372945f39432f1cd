"""The Streamlit chat UI through AppTest on the tiny models: upload, edit, review, undo, errors."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from pixelsmith.cli.ui import APP  # noqa: E402

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
    # no "Use mask N" button is the refined mask: the panel says which is in use (it showed a "1")
    in_use = f"In use: {refined.outputs[0]}, refined from the candidates; a button above goes back to one."
    assert in_use in [c.value for c in at.caption]
    assert any(c.value.startswith("from mask-2 · ") for c in at.caption)  # what the refine started from
    _button(at, "Continue").click().run()
    assert not at.exception
    record = _workspace(at).record
    inpaint = record.steps[-1]
    assert inpaint.tool == "inpaint" and inpaint.args["mask"] == refined.outputs[0]
    assert any(c.value.startswith(f"inside {refined.outputs[0]} · ") for c in at.caption)  # the mask it used
    assert record.current_image == "image-2" and record.pending is None
    assert any(c == "image-1 → image-2" for c in _captions(at))  # before / after
    assert [b.label for b in at.main.get("download_button")] == ["Download PNG"]
    assert "image-2 is the current image" in at.chat_message[-1].markdown[-1].value

    _send(at, "undo")
    assert _workspace(at).record.current_image == "image-1"
    assert [s.label for s in at.status][-1].startswith("1. Undo (undo)")


def test_sliders_left_alone_leave_each_tool_its_own_default(app):
    """Guidance untouched: instruct keeps its editor's own (None: 7.5 InstructPix2Pix, 1.0 for
    FLUX.2 klein), not the inpainting slider's starting value; a moved slider still counts."""
    at = app
    at.button(key="sample").click().run()
    at.slider(key="opt-steps").set_value(2).run()
    _send(at, "make it winter")
    step = _workspace(at).record.steps[-1]
    assert step.tool == "instruct" and step.args["num_inference_steps"] == 2
    assert step.args.get("guidance_scale") is None


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
    for key, value in [
        ("num_inference_steps", 2),
        ("num_candidates", 2),
        ("guidance_scale", 5.0),
        ("strength", 0.8),
        ("seed", 7),
    ]:
        assert inpaint.args[key] == value, key
    other = inpaint.outputs[1]
    notes = [_workspace(at).artifact(image).note for image in inpaint.outputs]
    seeds = [re.search(r"seed (\d+)", note)[1] for note in notes]
    numbered = [
        f"{n} = {image} · seed {seed}" for n, (image, seed) in enumerate(zip(inpaint.outputs, seeds), 1)
    ]
    assert all(c in _captions(at) for c in numbered)  # the candidates side by side, numbered, with seeds
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


# -- `pixelsmith ui`: the Streamlit server's options ---------------------------------------
def test_the_app_turns_fast_reruns_off_however_it_is_started(app):
    """`streamlit run pixelsmith/ui/app.py` (no `pixelsmith ui` flags): the app itself turns
    fast reruns off and error details in the page off."""
    from streamlit import config as st_config

    st_config.set_option("runner.fastReruns", True)
    app.run()
    assert st_config.get_option("runner.fastReruns") is False
    assert st_config.get_option("client.showErrorDetails") == "none"


def test_the_ui_command_hides_tracebacks_and_passes_the_upload_limit_and_planner(
    tiny_config, tmp_path, monkeypatch
):
    import subprocess

    from streamlit import config as st_config
    from typer.testing import CliRunner

    from pixelsmith.cli import app, main

    config = tmp_path / "pixelsmith.toml"
    config.write_text(tiny_config.read_text() + f"\n[limits]\nmax_upload_bytes = {3 * 2**20 + 1}\n")
    started = {}

    class Server:  # stands in for the streamlit process: records what it was started with
        def __init__(self, command, env):
            started.update(command=command, env=env)

        def wait(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", Server)
    assert main(["ui", "--config", str(config), "--planner", "offline", "--port", "8765"]) == 0
    command = started["command"]
    options = dict(zip(command[5::2], command[6::2]))  # after `python -m streamlit run APP`
    assert command[4] == str(APP)
    assert options["--client.showErrorDetails"] == st_config.ShowErrorDetailsConfigOptions.NONE.value
    assert options["--server.maxUploadSize"] == "4"  # 3 MiB and a byte, rounded up
    assert options["--server.port"] == "8765"
    assert options["--runner.fastReruns"] == "false"  # one script thread per session at a time
    known = st_config._config_options_template  # every option is one this Streamlit accepts
    assert [o for o in options if o.removeprefix("--") not in known] == []
    assert started["env"]["PIXELSMITH_PLANNER"] == "offline"
    assert started["env"]["PIXELSMITH_CONFIG"] == str(config.resolve())

    refused = CliRunner().invoke(app, ["ui", "--planner", "smart"])
    assert refused.exit_code == 2 and "Invalid value for '--planner'" in refused.output
    assert "PIXELSMITH_PLANNER" not in os.environ


def test_the_sidebar_starts_from_the_configured_planner_and_upload_limit(tiny_config, monkeypatch):
    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    monkeypatch.setenv("PIXELSMITH_PLANNER", "offline")  # what `pixelsmith ui --planner offline` sets
    monkeypatch.setenv("PIXELSMITH_LIMITS__MAX_UPLOAD_BYTES", str(7 * 2**20 - 1))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, at.exception
    assert at.radio(key="opt-planner").value == "offline"
    assert at.radio(key="opt-planner").options == ["auto", "llm", "local", "offline"]  # still selectable
    limits = {f.label: f.proto.max_upload_size_mb for f in at.sidebar.file_uploader}
    assert limits == {  # MB as the page counts them
        "Start from a photo": 8,
        "A reference photo (optional)": 8,
        "Photos of it (3-20, varied)": 8,
    }


# -- the model registry: one per process, a changed role reloads alone ---------------------
@pytest.fixture
def fresh_registry():
    """No registry from an earlier test (their load counts would mix in), none left after."""
    from pixelsmith.ui import resources

    resources._registry.clear()
    yield
    resources._registry.clear()


def test_a_tab_that_changes_a_model_loads_it_beside_the_others(
    fresh_registry, tiny_config, tmp_path, monkeypatch
):
    """Issue 22: a model choice is the tab's own. The new detector loads beside the old one
    (another tab may be using it); a third choice of the same role makes room by unloading
    the least recently used one that no job holds."""
    import gc
    import weakref

    from pixelsmith.models.model_registry import MODELS_PER_ROLE

    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, at.exception
    registry = at.session_state["agent"].models
    registry.warming.join(timeout=120)
    assert {r: registry.load_counts[r] for r in ("detector", "segmenter", "inpainter")} == dict.fromkeys(
        ("detector", "segmenter", "inpainter"), 1
    )
    first = weakref.ref(registry.get("detector"))
    others = []
    for name in ("another-detector", "a-third-detector"):  # the same tiny checkpoint, other names
        others.append(tmp_path / name)
        others[-1].symlink_to(registry.settings.detector.model, target_is_directory=True)

    at.text_input(key="opt-model-detector").set_value(str(others[0])).run()
    assert not at.exception, at.exception
    view = at.session_state["agent"].models
    assert view is not registry and view.settings.detector.model == str(others[0])
    assert registry.settings.detector.model != str(others[0])  # the process's own choice is unchanged
    view.warming.join(timeout=120)  # the new detector warms up in the background
    assert sorted(view.loaded()) == ["detector", "inpainter", "segmenter"]
    assert registry.resident() == ["detector", "segmenter", "inpainter", f"detector ({others[0]}, owlv2)"]
    assert first() is not None
    assert dict(registry.load_counts) == {"detector": 2, "segmenter": 1, "inpainter": 1}

    at.text_input(key="opt-model-detector").set_value(str(others[1])).run()
    third = at.session_state["agent"].models
    third.warming.join(timeout=120)
    detectors = [slot for slot in registry.resident() if slot.startswith("detector")]
    assert len(detectors) == MODELS_PER_ROLE and detectors[-1] == f"detector ({others[1]}, owlv2)"
    gc.collect()
    assert first() is None, "the least recently used detector is still held"
    assert at.run().sidebar.caption[-1].value.endswith("detector ×3, segmenter ×1, inpainter ×1")


def test_switching_the_detector_backend_in_the_sidebar_needs_nothing_else(
    fresh_registry, tiny_config, tiny_dir, monkeypatch
):
    """Issue 13: choosing grounding-dino brings its public checkpoint into the model field;
    pointing it at a checkpoint of that backend is all the next "find" needs."""
    from pixelsmith.models.detectors import GroundingDetector
    from pixelsmith.testing import noise_image

    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.selectbox(key="opt-backend-detector").set_value("grounding-dino").run()
    assert not at.exception, at.exception
    assert at.text_input(key="opt-model-detector").value == "IDEA-Research/grounding-dino-tiny"
    from pixelsmith.config import load_settings

    configured = load_settings(tiny_config).detector.model
    at.selectbox(key="opt-backend-detector").set_value("owlv2").run()  # back: the configured model
    assert at.text_input(key="opt-model-detector").value == configured
    at.selectbox(key="opt-backend-detector").set_value("grounding-dino").run()
    at.text_input(key="opt-model-detector").set_value(str(tiny_dir / "grounding-dino")).run()
    registry = at.session_state["agent"].models
    assert registry.settings.detector.backend == "grounding-dino"
    at.sidebar.file_uploader[0].set_value(("p.png", _png(noise_image(120, 80)), "image/png")).run()
    _send(at, "find the cat and the dog")
    assert isinstance(registry.get("detector"), GroundingDetector)
    step = _workspace(at).record.steps[-1]
    assert step.tool == "detect" and step.args["labels"] == ["cat", "dog"]
    assert any(c.startswith("detection-1:") for c in _captions(at))


def test_sam3_in_the_sidebar_finds_and_cuts_out_then_the_review_picks(
    fresh_registry, tiny_config, tiny_dir, monkeypatch
):
    """Issue 13: with the segmenter switched to sam3, "remove the cat" finds and cuts out in
    one call; the chat draws the boxes, then the numbered masks, and the review offers them."""
    from pixelsmith.models.sam3 import Sam3Segmenter
    from pixelsmith.testing import noise_image

    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.selectbox(key="opt-backend-segmenter").set_value("sam3").run()
    assert at.text_input(key="opt-model-segmenter").value == "facebook/sam3"
    at.text_input(key="opt-model-segmenter").set_value(str(tiny_dir / "sam3")).run()
    at.sidebar.file_uploader[0].set_value(("p.png", _png(noise_image(150, 90)), "image/png")).run()
    _send(at, "remove the cat, threshold 0")  # the tiny model's random scores are about 0.25
    assert not at.exception, at.exception
    assert isinstance(at.session_state["agent"].models.get("segmenter"), Sam3Segmenter)
    steps = _workspace(at).record.steps
    assert [s.tool for s in steps] == ["segment_text", "segment"] and steps[0].args["threshold"] == 0
    captions = _captions(at)
    assert any(c.startswith("detection-1: 20 found for cat, each with its mask") for c in captions)
    assert any(c.startswith(f"candidates, best first: 1 = {steps[1].outputs[0]}") for c in captions)
    assert _workspace(at).record.pending and _button(at, "Use mask 2")


def test_under_ray_the_ui_process_loads_no_model(fresh_registry, tiny_config, tmp_path):
    from pixelsmith.config import load_settings
    from pixelsmith.ui import resources

    local = resources.model_registry(load_settings(tiny_config))
    assert local.warming is not None  # the control: a local executor warms up
    local.warming.join(timeout=120)

    ray = load_settings(tiny_config, executor="ray")
    registry = resources.model_registry(ray)
    assert registry is not local and registry.warming is None
    other = tmp_path / "another-detector"
    other.symlink_to(ray.detector.model, target_is_directory=True)
    changed = ray.model_copy(update={"detector": ray.detector.model_copy(update={"model": str(other)})})
    view = resources.model_registry(changed)
    assert view.settings.detector.model == str(other) and view.resident_models is registry.resident_models
    assert view.warming is None and registry.warming is None
    assert registry.loaded() == [] and not registry.load_counts


def test_a_visit_writes_no_session_until_its_first_message(app) -> None:
    """Opening the page (or "New session") leaves nothing on disk and nothing in the list;
    the first message writes the session and puts it in the URL."""
    import os

    from pixelsmith.session_folders import list_sessions

    data_dir = os.environ["PIXELSMITH_DATA_DIR"]
    assert list_sessions(data_dir) == [] and "session" not in app.query_params
    assert not (app.session_state["workspace"].folder).exists()
    _send(app, "generate a lighthouse, 2 steps")
    app.run()  # the rerun after a message
    (written,) = list_sessions(data_dir)
    assert written.id == _workspace(app).id and app.query_params["session"] == written.id


def test_this_session_can_be_exported_and_deleted_from_the_sidebar(app) -> None:
    import os

    from pixelsmith.session_folders import list_sessions

    _send(app, "generate a lighthouse, 2 steps")
    app.run()
    data_dir = os.environ["PIXELSMITH_DATA_DIR"]
    (written,) = list_sessions(data_dir)
    assert "Export (zip)" in [b.label for b in app.get("download_button")]
    app.button(key="delete-session").click().run()
    assert not app.exception and list_sessions(data_dir) == []
    assert _workspace(app).id != written.id and not app.chat_message


def test_negative_prompt_size_and_the_whole_plan_in_the_header(app) -> None:
    app.text_input(key="opt-negative").set_value("blurry, text")
    app.selectbox(key="opt-size").set_value("768 x 512")
    _send(app, "generate a lighthouse, 2 steps")
    step = _workspace(app).record.steps[-1]
    assert step.args["negative_prompt"] == "blurry, text" and (step.args["width"], step.args["height"]) == (
        768,
        512,
    )
    app.button(key="sample").click().run()
    _send(app, "remove the cat, threshold 1")  # nothing found: the plan stops after its first step
    app.run()
    headers = [m.value for m in app.markdown if m.value.startswith("**Plan:**")]
    assert headers[-1] == "**Plan:** detect → segment → remove"


def test_a_negative_prompt_over_the_limit_is_said_and_not_used(app) -> None:
    """The box takes a long paste (with max_chars the browser dropped it whole, silently) and
    says it is too long; the edit goes on without it."""
    app.text_input(key="opt-negative").set_value("blurry, " * 130).run()
    said = "The negative prompt is 1039 characters, over the limit of 1000; shorten it "
    said += "(it is not used until then)."
    assert said in [e.value for e in app.sidebar.error]
    _send(app, "generate a lighthouse, 2 steps")
    assert "negative_prompt" not in _workspace(app).record.steps[-1].args


def test_whole_image_edits_in_the_chat(app, cat_photo) -> None:
    """Issue 12 in the UI: "make it 16:9" extends the canvas (the original outlined, and
    placed at its scale in the before/after); "as a pencil sketch" restyles; "make it
    winter" instructs; each is a step in the record."""
    at = app
    at.slider(key="opt-steps").set_value(2)
    at.sidebar.file_uploader[0].set_value(("cat.png", _png(cat_photo), "image/png")).run()
    _send(at, "make it 16:9")
    assert any("the original inside the dashed line" in c for c in _captions(at)), _captions(at)
    ws = _workspace(at)
    extended = ws.record.steps[-1]
    assert extended.tool == "outpaint" and ws.image(extended.outputs[0]).size == (533, 300)
    _send(at, "as a pencil sketch")
    assert _workspace(at).record.steps[-1].tool == "restyle"
    _send(at, "make it winter")
    assert _workspace(at).record.steps[-1].tool == "instruct"
    assert not [m for m in _workspace(at).record.messages if m.kind == "error"]


def _in_order(block) -> list[str]:
    """The notices (i: …) and step boxes (s: …) of a chat message, top to bottom."""
    found = []
    for child in block.children.values():
        kind = type(child).__name__
        if kind == "Info":
            found.append(f"i: {child.value}")
        elif kind == "Status":
            found.append(f"s: {child.label.split(' (')[0]}")
    return found


def test_a_request_in_parts_pauses_for_review_and_says_each_part_where_it_begins(app) -> None:
    """Notices stand where they were said: "Part 2 of 2" before the part's step, "Going on
    with mask-2" before the step that used it."""
    at = app
    at.slider(key="opt-steps").set_value(2)
    at.button(key="sample").click().run()
    _send(at, "replace the cat with a fox and then make it look like night")
    assert [s.label.split(" (")[0] for s in at.status] == ["1. Find", "2. Cut out"]
    _button(at, "Use mask 2").click().run()
    _button(at, "Continue").click().run()
    assert not at.exception
    order = [line for line in _in_order(at.chat_message[-1]) if not line.startswith("i: loading")]
    assert order == [
        "i: Part 1 of 2: “replace the cat with a fox”.",
        "s: 1. Find",
        "s: 2. Cut out",
        "i: Going on with mask-2: you chose mask-2.",
        "s: 3. Repaint",
        "i: Part 2 of 2: “make it look like night”.",
        "s: 4. Instruct",
    ], order
    assert _workspace(at).record.history == ["image-1", "image-2", "image-3"]


def test_the_page_calls_nothing_streamlit_has_deprecated(tiny_config, monkeypatch):
    """A deprecated call breaks on the release that removes it (components.v1.html, which set
    a shared UI's browser cookie, was due to go on 2026-06-01)."""
    import streamlit.deprecation_util as deprecation

    shown: list[str] = []
    for name in ("show_deprecation_warning", "show_deprecation_warning_in_browser"):
        if hasattr(deprecation, name):
            monkeypatch.setattr(deprecation, name, lambda message, *a, **k: shown.append(str(message)))
    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    monkeypatch.setenv("PIXELSMITH_UI__SHARED", "true")  # the shared UI sets its cookie on a first visit
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception and at.session_state["browser"]
    assert shown == []


def test_a_jpeg_photo_downloads_as_a_jpeg_and_its_cut_out_as_a_png(app, cat_photo):
    from pixelsmith import keepsakes
    from pixelsmith.ui.pictures import download

    at = app
    jpeg = io.BytesIO()
    cat_photo.save(jpeg, format="JPEG", quality=92)
    at.sidebar.file_uploader[0].set_value(("cat.jpg", jpeg.getvalue(), "image/jpeg")).run()
    _send(at, "make it brighter")
    assert [b.label for b in at.main.get("download_button")] == ["Download JPG"]
    ws = _workspace(at)
    data, extension, mime = download(str(ws.folder), ws.record.current_image, ws)
    assert (extension, mime) == ("jpg", "image/jpeg") and data[:3] == b"\xff\xd8\xff"
    assert Image.open(io.BytesIO(data)).size == cat_photo.size
    # a cut-out of it (a step that gives its result an alpha) keeps its transparency: a PNG
    cutout = cat_photo.copy()
    cutout.info[keepsakes.ALPHA] = Image.new("L", cat_photo.size, 0)
    made = ws.add_image(cutout, parents=[ws.record.current_image], tool="cutout")
    assert download(str(ws.folder), made, ws)[1:] == ("png", "image/png")


def test_a_new_background_keeps_the_reviewed_subject_and_paints_the_rest(app, cat_photo):
    """ "replace the background with a sunny beach": the review picks the subject's mask and
    says it is kept; Continue inverts it and paints everything else, the subject's pixels
    (away from the seam the blend softens) as they were."""
    import numpy as np

    from pixelsmith import masks as M

    at = app
    at.slider(key="opt-steps").set_value(2)
    at.sidebar.file_uploader[0].set_value(("cat.png", _png(cat_photo), "image/png")).run()
    _send(at, "replace the background with a sunny beach")
    ws = _workspace(at)
    assert ws.record.pending and ws.record.pending.steps[0]["tool"] == "refine_mask"
    assert "This mask is kept: everything outside it is changed (a new background)." in [
        c.value for c in at.caption
    ]
    _button(at, "Use mask 2").click().run()
    _button(at, "Continue").click().run()
    assert not at.exception
    record = _workspace(at).record
    invert, paint = record.steps[-2], record.steps[-1]
    assert (invert.tool, invert.args) == ("refine_mask", {"mask": "mask-2", "invert": True})
    assert paint.tool == "inpaint" and paint.args["mask"] == invert.outputs[0]
    assert "sunny beach" in paint.args["prompt"] and record.current_image == "image-2"
    painted = ws.mask(invert.outputs[0])
    assert np.array_equal(painted > 127, ws.mask("mask-2") <= 127)  # all but the subject
    untouched = M.feather(M.grow(painted, 8), 8) == 0  # outside the seam inpaint's blend softens
    before, after = (np.asarray(ws.image(i).convert("RGB")) for i in ("image-1", "image-2"))
    assert untouched.sum() > 100 and np.array_equal(before[untouched], after[untouched])  # random SAM: few
    assert not np.array_equal(before[painted > 127], after[painted > 127])  # the background was painted
