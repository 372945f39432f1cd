"""Issue 15: limits that hold and failures that are one line: exit codes through the real
console script, a hostile LLM server, forty tool calls in one reply, a tool crash inside
`edit`, huge values in errors, a bad -o found before any model runs."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.cli import main
from pixelsmith.config import load_settings
from pixelsmith.testing import noise_image
from pixelsmith.testing.openai_stub import OpenAIStub, body, calls, text
from pixelsmith.workspace import Workspace


def _cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess:
    """The installed console script's code path, in a process of its own."""
    code = "from pixelsmith.cli import run; run()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, cwd=env_dir
    )


def test_exit_codes_through_the_console_script(tiny_settings, tmp_path) -> None:
    noise_image(96, 64).save(tmp_path / "photo.png")
    done = _cli("edit", "photo.png", "find the cat, threshold 0", env_dir=tmp_path)
    nothing = _cli("edit", "photo.png", "remove the cat, threshold 1", env_dir=tmp_path)
    unclear = _cli("edit", "photo.png", "what is the meaning of life", env_dir=tmp_path)
    missing = _cli("edit", "nope.png", "remove the cat", env_dir=tmp_path)
    usage = _cli("edit", "--bogus", env_dir=tmp_path)
    codes = [p.returncode for p in (done, nothing, unclear, missing, usage)]
    assert codes == [0, 1, 1, 2, 2], [p.stderr[-300:] for p in (done, nothing, unclear, missing, usage)]
    assert missing.stderr.strip() == "error: nope.png: no such file; check the path"
    sessions = tiny_settings.data_dir / "sessions"
    assert len(list(sessions.iterdir())) == 3  # the missing photo left no empty session behind
    assert "Traceback" not in "".join(p.stderr for p in (done, nothing, unclear, missing, usage))


def _llm_agent(stub: OpenAIStub, tiny_config, tiny_registry, tmp_path, **settings) -> Agent:
    current = load_settings(
        tiny_config, llm_model="stub", llm_base_url=stub.base_url, data_dir=tmp_path / "data", **settings
    )
    return Agent(Workspace.create(current.data_dir), tiny_registry, planner=make_planner(current))


@pytest.mark.parametrize(
    "reply",
    [body("<html>gateway</html>"), body('{"choices": []}'), body('{"id": "x"}'), body(b"\xff\xfe")],
    ids=["not-json", "no-choices", "no-fields", "bytes"],
)
def test_a_broken_llm_reply_falls_back_to_offline_with_a_note(reply, tiny_config, tiny_registry, tmp_path):
    with OpenAIStub([reply] * 4) as stub:
        agent = _llm_agent(stub, tiny_config, tiny_registry, tmp_path, llm_max_retries=0)
        events = list(agent.send("find the cat", image=noise_image(80, 48)))
    notices = [e.text for e in events if isinstance(e, ev.Notice)]
    assert notices and "did not answer" in notices[0] and "offline planner" in notices[0]
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["detect"]
    assert isinstance(events[-1], ev.Done) and events[-1].ok


def test_forty_tool_calls_in_one_reply_are_refused_not_run(tiny_config, tiny_registry, tmp_path) -> None:
    forty = calls(*[("detect", {"image": "image-1", "labels": ["cat"]})] * 40)
    with OpenAIStub([forty, text("Sorry.")]) as stub:
        agent = _llm_agent(stub, tiny_config, tiny_registry, tmp_path)
        events = list(agent.send("find every cat", image=noise_image(64, 48)))
    assert agent.workspace.record.steps == []
    told = [m["content"] for m in stub.requests[1]["messages"] if m["role"] == "tool"]
    assert "the plan has 40 steps, more than the 12 left of this request's limit of 12; plan fewer" in told[0]
    assert not events[-1].ok


def test_a_tool_crash_in_edit_is_one_line_and_the_traceback_goes_to_the_log(
    tiny_settings, tmp_path, capsys, monkeypatch
) -> None:
    from pixelsmith.tools import default_tools

    tools = default_tools()
    detect = tools.get("detect")

    def crash(inputs: detect.input_model, ctx) -> detect.output_type:
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    crash.__annotations__ = dict(detect.run.__annotations__)
    monkeypatch.setitem(tools._tools, "detect", dataclasses.replace(detect, run=crash))
    photo = tmp_path / "photo.png"
    noise_image(64, 48).save(photo)
    assert main(["edit", str(photo), "find the cat"]) == 1
    out = capsys.readouterr()
    assert "detect failed (RuntimeError: CUDA error" in out.out
    assert "Traceback" not in out.err + out.out
    log = (tiny_settings.data_dir / "logs" / "pixelsmith.log").read_text()
    assert "Traceback" in log and "illegal memory access" in log


def test_a_huge_value_is_cut_in_the_error_line(tiny_settings, tmp_path, capsys) -> None:
    prompt = "x" * 100_000
    assert main(["generate", prompt, "-o", str(tmp_path / "out.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: generate: prompt is 100000 characters, over the limit of 1000; shorten it"


@pytest.mark.parametrize(
    ("output", "expected"),
    [("{tmp}", "is a folder"), ("{tmp}/new/out.xyz", "cannot tell the image format from '.xyz'")],
)
def test_a_bad_output_path_is_refused_before_any_model_runs(
    output, expected, tiny_settings, tmp_path, capsys
) -> None:
    photo = tmp_path / "photo.png"
    noise_image(64, 48).save(photo)
    target = output.format(tmp=tmp_path)
    assert main(["edit", str(photo), "remove the cat", "-o", target]) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "new").exists() and not (tiny_settings.data_dir / "sessions").exists()


# -- inputs checked before they reach a model ----------------------------------------------------
def test_boxes_and_points_must_be_finite_and_meet_the_image(tiny_registry) -> None:
    from pixelsmith.errors import ToolInputError
    from pixelsmith.tools import MemoryStore, ToolContext, default_tools

    segment = default_tools().get("segment")
    store = MemoryStore()
    image = store.add("image", noise_image(64, 48))
    ctx = ToolContext(tiny_registry, store)
    with pytest.raises(ToolInputError, match="4 finite numbers"):
        segment.validate({"image": image, "boxes": [[float("nan")] * 4]})
    with pytest.raises(ToolInputError, match=r"points.0.x must be a finite number, got inf"):
        segment.validate({"image": image, "points": [[float("inf"), 3]]})
    with pytest.raises(ToolInputError, match="box .* is outside the 64x48 image"):
        segment.run(segment.validate({"image": image, "boxes": [[100, 100, 200, 200]]}), ctx)
    huge = segment.run(segment.validate({"image": image, "boxes": [[-1e9, -1e9, 1e9, 1e9]]}), ctx)
    assert all(np.isfinite(s) for s in huge.scores) and huge.masks[0].shape == (48, 64)


@pytest.mark.timeout(30)  # a guard against the quadratic case (27 s of CPU), not a measurement
def test_normalising_a_message_is_linear_in_runs_of_spaces_and_commas() -> None:
    from pixelsmith.agent.normalise import normalise

    assert (
        normalise("replace" + " " * 50_000 + "the cat , ,, with a dog").text == "replace the cat, with a dog"
    )
    assert normalise("," * 50_000 + "remove the cat").text == "remove the cat"


def test_a_message_over_the_limit_is_refused_and_the_session_is_unchanged(make_agent) -> None:
    from pixelsmith.errors import UserError

    agent = make_agent()
    with pytest.raises(UserError, match="the message is 2001 characters, over the limit of 2000; shorten it"):
        list(agent.send("x" * 2001))
    assert agent.workspace.record.turn == 0 and agent.workspace.record.messages == []


def _png_header(width: int, height: int) -> bytes:
    """A 70-byte PNG that claims `width` x `height` and holds no pixels (an empty IDAT)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def test_a_header_claiming_a_huge_size_is_over_the_pixel_limit(tmp_path) -> None:
    from pixelsmith.errors import ImageError
    from pixelsmith.images import load_image

    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header(30_000, 30_000))
    with pytest.raises(ImageError, match="900000000 pixels, over the limit of 40000000; downscale it first"):
        load_image(path)


def test_masks_follow_their_exif_rotation_and_0_1_masks_count(tmp_path) -> None:
    from PIL import Image

    from pixelsmith.images import load_mask

    mask = np.zeros((48, 64), np.uint8)
    mask[8:24, 10:50] = 255
    stored = Image.fromarray(mask).transpose(Image.Transpose.ROTATE_90)  # as a phone stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to show"
    stored.save(tmp_path / "mask.jpg", exif=exif.tobytes(), quality=95)
    loaded = load_mask(tmp_path / "mask.jpg", size=(64, 48))
    assert loaded.shape == (48, 64) and np.abs(loaded.astype(int) - mask).mean() < 8
    Image.fromarray(mask // 255).save(tmp_path / "labels.png")  # values 0 and 1
    assert np.array_equal(load_mask(tmp_path / "labels.png", size=(64, 48)), mask)


def test_the_seeds_reported_re_make_their_candidates_at_the_top_of_the_range(tiny_registry) -> None:
    from pixelsmith.tools import MemoryStore, ToolContext, default_tools
    from pixelsmith.tools.diffusion import MAX_SEED

    generate = default_tools().get("generate")
    ctx = ToolContext(tiny_registry, MemoryStore())
    args = {"prompt": "a lighthouse", "num_inference_steps": 2, "width": 64, "height": 64}
    both = generate.run(generate.validate({**args, "seed": MAX_SEED, "num_candidates": 2}), ctx)
    assert sorted(both.seeds) == [0, MAX_SEED]  # best first: ranking may swap them
    second = both.seeds.index(0)
    alone = generate.run(generate.validate({**args, "seed": 0}), ctx)
    # the same picture, within the rounding of a batch of one against a batch of two
    difference = np.abs(np.asarray(alone.images[0], int) - np.asarray(both.images[second], int))
    assert difference.max() <= 2


@pytest.mark.parametrize(
    ("env", "overrides", "config", "expected"),
    [
        (
            {"PIXELSMITH_DETECTOR__THRESHOLD": "7"},
            {},
            True,
            "the environment variable PIXELSMITH_DETECTOR__THRESHOLD",
        ),
        ({}, {}, True, "pixelsmith.toml"),
        ({}, {"device": "nonsense"}, False, "the command line"),
    ],
    ids=["environment", "file", "command-line"],
)
def test_a_bad_setting_names_where_it_came_from(env, overrides, config, expected, tmp_path, monkeypatch):
    from pixelsmith.errors import UserError

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "pixelsmith.toml"
    path.write_text("[detector]\nthreshold = 9\n" if not env else "")
    with pytest.raises(UserError, match="bad setting") as caught:
        load_settings(path if config else None, **overrides)
    assert str(caught.value).endswith(f"{expected})") or expected in str(caught.value)


# -- labels of any length; large photos --------------------------------------------------------
def test_every_everyday_label_fits_the_tiny_detector_as_it_does_the_real_one(tiny_registry) -> None:
    """The tiny tokenizer measures like CLIP's: "a photo of a <label>" fits OWL's 16 positions
    for a few hundred everyday object names, and a long description overruns them."""
    from pixelsmith.testing.words import object_labels

    tokenizer = tiny_registry.get("detector").processor.tokenizer
    limit = tiny_registry.get("detector").model.config.text_config.max_position_embeddings
    labels = object_labels()
    lengths = {label: len(tokenizer(f"a photo of a {label}")["input_ids"]) for label in labels}
    assert len(labels) >= 250 and limit == 16
    assert max(lengths.values()) <= 8, sorted(lengths.items(), key=lambda kv: -kv[1])[:5]
    long = "a photo of a small fluffy orange and white cat sitting on an old wooden chair by the window"
    assert len(tokenizer(long)["input_ids"]) > limit


@pytest.mark.parametrize(
    "label",
    [
        "a small fluffy orange and white cat sitting on an old wooden chair by the window",
        "giraffe",
        "teddy bear",
        "x" * 300,
    ],
)
def test_detect_takes_labels_of_any_length(label, tiny_registry) -> None:
    from pixelsmith.models.detectors import query
    from pixelsmith.tools import MemoryStore, ToolContext, default_tools

    detect = default_tools().get("detect")
    store = MemoryStore()
    image = store.add("image", noise_image(96, 64))
    out = detect.run(
        detect.validate({"image": image, "labels": [label], "threshold": 0.0}),
        ToolContext(tiny_registry, store),
    )
    assert out.labels == [label] and all(d.label == label for d in out.detections)
    tokenizer = tiny_registry.get("detector").processor.tokenizer
    assert query("a small fluffy cat sitting on a chair", tokenizer, 8) == "a small fluffy cat"


def test_a_large_photo_is_shrunk_for_the_detector_and_boxes_come_back_at_full_size(
    tiny_registry, monkeypatch
) -> None:
    from pixelsmith.models.detectors import MAX_SIDE
    from pixelsmith.tools import MemoryStore, ToolContext, default_tools

    detector = tiny_registry.get("detector")
    seen = []
    real = detector.processor.__call__
    monkeypatch.setattr(
        type(detector.processor), "__call__", lambda self, **kw: seen.append(kw["images"].size) or real(**kw)
    )
    store = MemoryStore()
    image = store.add("image", noise_image(3000, 1000))
    detect = default_tools().get("detect")
    out = detect.run(
        detect.validate({"image": image, "labels": ["cat"], "threshold": 0.0}),
        ToolContext(tiny_registry, store),
    )
    assert seen == [(MAX_SIDE, 640)]
    assert out.image_size == (3000, 1000) and out.detections
    assert max(d.box[2] for d in out.detections) > MAX_SIDE  # coordinates of the original
    assert all(0 <= d.box[0] < d.box[2] <= 3000 and 0 <= d.box[1] < d.box[3] <= 1000 for d in out.detections)


def test_a_browser_cookie_verifies_only_as_this_server_signed_it(tmp_path) -> None:
    from pixelsmith.ui.identity import _secret, sign, verify

    secret = _secret(tmp_path)
    assert _secret(tmp_path) == secret and oct((tmp_path / "ui-secret").stat().st_mode)[-3:] == "600"
    cookie = sign("abc123", secret)
    assert verify(cookie, secret) == "abc123"
    assert verify(cookie.replace("abc123", "someone-else"), secret) is None  # another id, same mac
    assert verify(sign("abc123", b"another server"), secret) is None
    assert verify("", secret) is None and verify("no-dot", secret) is None


def test_the_sample_photo_ships_with_the_package(cat_photo) -> None:
    from pixelsmith.images import sample_photo

    shipped = sample_photo()
    assert shipped.size == (451, 300) and np.array_equal(np.asarray(shipped), np.asarray(cat_photo))


def test_no_network_is_known_at_once_and_said_in_one_line(tmp_path, cat_photo) -> None:
    """No HF_HUB_OFFLINE, an empty cache, a hub that does not answer (a closed port on this
    machine stands for no network): one connect finds it, the process goes offline, and the
    missing model is one sentence, not minutes of download retries."""
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nothing listens here once the socket is closed
    cat_photo.save(tmp_path / "cat.png")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIXELSMITH_", "HF_", "TRANSFORMERS_OFFLINE"))
    }
    env |= {
        "HF_HOME": str(tmp_path / "hf"),
        "HF_ENDPOINT": f"http://127.0.0.1:{closed}",
        "PIXELSMITH_DATA_DIR": str(tmp_path / "data"),
    }
    started = time.monotonic()
    command = [
        sys.executable,
        "-c",
        "from pixelsmith.cli import run; run()",
        "detect",
        str(tmp_path / "cat.png"),
    ]
    done = subprocess.run([*command, "cat"], capture_output=True, text=True, timeout=300, env=env)
    seconds = time.monotonic() - started
    assert done.returncode == 2, done.stderr[-2000:]
    assert "it is not in the Hugging Face cache and the hub cannot be reached" in done.stderr
    assert "pixelsmith models pull detector" in done.stderr and "Traceback" not in done.stderr
    assert seconds < 5, seconds  # the issue asks for under 5 s: about 2.6 s here, torch never imported


def test_a_page_run_never_waits_for_a_model_that_is_loading(tiny_config) -> None:
    """Issue 11: the UI's every run takes its session's view of the registry; while another
    thread holds the load lock (a download, a slow load), a new choice's view comes back at once."""
    import threading
    import time

    from pixelsmith.models import ModelRegistry

    registry = ModelRegistry(load_settings(tiny_config))
    loading, release = threading.Event(), threading.Event()

    def slow_load() -> None:
        with registry._load_lock:
            loading.set()
            release.wait(30)

    worker = threading.Thread(target=slow_load)
    worker.start()
    try:
        assert loading.wait(10)
        started = time.monotonic()
        other = load_settings(tiny_config, detector={"model": "elsewhere", "backend": "owlv2"})
        assert registry.for_session(other).settings.detector.model == "elsewhere"
        assert time.monotonic() - started < 5  # not the 30 s the load holds the lock
    finally:
        release.set()
        worker.join()


def test_a_plan_names_every_model_it_cannot_load_in_one_sentence(
    make_agent, tiny_config, tmp_path, cat_photo, monkeypatch
):
    """With nothing cached and no network, "replace the cat with a dog" says the three roles it
    needs and one `models pull` for them, before any step runs (not one role per try)."""
    from pixelsmith.models import ModelRegistry

    text = tiny_config.read_text()
    for name in ("owlv2", "sam", "sd-inpaint"):  # hub ids, not folders: looked for in the (empty) cache
        text = re.sub(rf'model = "[^"]*/{name}"', f'model = "tiny/{name}"', text)
    config = tmp_path / "hub.toml"
    config.write_text(text)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    agent = make_agent(models=ModelRegistry(load_settings(config)))
    events = list(agent.send("replace the cat with a dog", cat_photo))
    errors = [e.text for e in events if isinstance(e, ev.ErrorEvent)]
    assert len(errors) == 1 and not [e for e in events if isinstance(e, ev.StepStarted)]
    assert errors[0].startswith(
        "3 models this needs cannot be loaded: detector (tiny/owlv2), segmenter (tiny/sam), "
        "inpainter (tiny/sd-inpaint); they are not in the Hugging Face cache and HF_HUB_OFFLINE is set; "
        "run `pixelsmith models pull detector segmenter inpainter`"
    )
    assert not events[-1].ok


def test_models_pull_takes_several_roles_and_refuses_an_unknown_one_before_any_download(
    tiny_settings, capsys
):
    assert main(["models", "pull", "detector", "bogus"]) == 2
    assert "unknown role 'bogus'; choose from detector, segmenter" in capsys.readouterr().err
