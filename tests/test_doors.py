"""Issue 23, items 4, 5, 6 and 13: the same limits and one-line failures at every door: the
Python API, MCP and the CLI; masks whose values are not 0-255; an empty uploaded mask."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from pixelsmith import Editor
from pixelsmith.cli import main
from pixelsmith.errors import ImageError, UserError
from pixelsmith.images import check_mask
from pixelsmith.testing import noise_image


# -- 4: the Python API ------------------------------------------------------------------------
def test_the_api_holds_the_limits_the_cli_holds(tiny_config, tmp_path):
    editor = Editor(tiny_config, data_dir=tmp_path / "data", limits={"max_pixels": 10_000})
    with pytest.raises(
        UserError, match=r"image is 200x100 = 20,000 pixels, over limits.max_pixels \(10,000\)"
    ):
        editor.edit(Image.new("RGB", (200, 100)), "find the cat")
    with pytest.raises(UserError, match="image must be a file path or a PIL image, got int"):
        editor.edit(123, "find the cat")
    with pytest.raises(UserError, match="the instruction must be text, got NoneType"):
        editor.edit(None, None)
    with pytest.raises(UserError, match="unknown setting 'bogus_key'"):
        Editor(tiny_config, bogus_key=1)
    for bad in (123, "", "  "):
        with pytest.raises(UserError, match="a session id is text such as"):
            editor.session(bad)
    for bad in ("abc", -1, 2**40, True, 1.5):  # "abc" was taken, and a random seed used
        with pytest.raises(UserError, match="seed must be a whole number from 0 to 4294967295, got "):
            editor.edit(Image.new("RGB", (20, 10)), "make it brighter", seed=bad)
    assert editor.sessions() == []  # nothing refused left a session behind


# -- 13: masks ----------------------------------------------------------------------------------
def test_mask_values_outside_0_255_are_refused_not_wrapped():
    image = Image.new("RGB", (4, 3))
    wide = np.full((3, 4), 300, np.int32)
    with pytest.raises(ImageError, match="mask values must be 0-255 .* got 300 to 300"):
        check_mask(wide, image)
    assert check_mask(np.full((3, 4), 0.5), image).max() == 128  # 0-1 floats scale
    assert check_mask(np.full((3, 4), 200, np.int64), image).max() == 200


def test_an_empty_uploaded_mask_is_refused(make_agent, cat_photo):
    agent = make_agent(interactive=True, seed=1)
    list(agent.send("replace the cat with a dog, 2 steps", cat_photo))
    with pytest.raises(UserError, match="empty.png is empty \\(no white pixel\\)"):
        agent.upload_mask(np.zeros((300, 451), np.uint8), "empty.png")
    assert agent.workspace.record.pending.chosen == "mask-1"  # the review as it was


# -- 6: the CLI ---------------------------------------------------------------------------------
def test_a_strength_that_leaves_no_step_is_one_line(tiny_settings, tmp_path, capsys):
    noise_image(64, 48).save(tmp_path / "p.png")
    args = ["restyle", str(tmp_path / "p.png"), "a sketch", "--steps", "1", "--strength", "0.01"]
    assert main([*args, "-o", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after the model's loading line
    assert err.startswith("error: strength 0.01 of 1 step(s) runs no denoising step")


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_a_device_the_machine_lacks_is_one_line(tiny_settings, tmp_path, capsys):
    noise_image(64, 48).save(tmp_path / "p.png")
    assert main(["--device", "cuda", "detect", str(tmp_path / "p.png"), "cat"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: device cuda was asked for, but torch finds no CUDA GPU here; use --device cpu or auto"
    )


def test_a_model_folder_that_is_no_checkpoint_is_one_line(tiny_settings, tmp_path, monkeypatch, capsys):
    (tmp_path / "empty-model").mkdir()
    monkeypatch.setenv("PIXELSMITH_DETECTOR__MODEL", str(tmp_path / "empty-model"))
    noise_image(64, 48).save(tmp_path / "p.png")
    assert main(["detect", str(tmp_path / "p.png"), "cat"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(
        f"error: detector: {tmp_path / 'empty-model'} cannot be loaded as a owlv2 checkpoint"
    )


def test_exporting_over_an_existing_file_is_one_line(tiny_settings, tmp_path, capsys):
    noise_image(64, 48).save(tmp_path / "p.png")
    assert main(["edit", str(tmp_path / "p.png"), "find the cat", "--json"]) == 0
    session = json.loads(capsys.readouterr().out)["session"]
    assert main(["sessions", "export", session, str(tmp_path / "p.png")]) == 2
    assert "p.png exists and is a file" in capsys.readouterr().err
    assert main(["sessions", "export", session, "-o", str(tmp_path / "s.zip")]) == 0


# -- 5: MCP -------------------------------------------------------------------------------------
def test_mcp_failures_are_one_sentence_and_leave_no_session(tiny_config, tmp_path):
    pytest.importorskip("mcp")
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    photos, data = tmp_path / "photos", tmp_path / "data"
    photos.mkdir()
    noise_image(64, 48).save(photos / "p.png")
    (photos / "notes.png").write_text("not an image")
    env = {**os.environ, "PIXELSMITH_CONFIG": str(tiny_config), "PIXELSMITH_DATA_DIR": str(data)}
    code = "from pixelsmith.cli import run; run()"
    params = StdioServerParameters(
        command=sys.executable, args=["-c", code, "mcp", "--allow-dir", str(photos)], env=env
    )

    async def conversation() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            long = {"prompt": "a dragon " * 110, "negative_prompt": "blurry " * 140}
            hurt = await session.call_tool(
                "inpaint", {"image": str(photos / "p.png"), "mask": str(photos / "gone.png"), **long}
            )
            said = hurt.content[0].text
            assert hurt.is_error and said and len(said) <= 600 and "gone.png" in said
            nul = await session.call_tool("edit", {"instruction": "remove the cat", "image": "p\0.png"})
            assert nul.is_error and "has a NUL character" in nul.content[0].text
            extra = await session.call_tool("detect", {"image": "image-1", "labels": ["cat"], "bogus": 1})
            assert extra.is_error and "bogus" in extra.content[0].text
            broken = await session.call_tool(
                "edit", {"instruction": "remove the cat", "image": str(photos / "notes.png")}
            )
            assert broken.is_error and "not a readable image" in broken.content[0].text
            # the SDK's own check of the arguments' types and limits: one line too (it sent pydantic's dump)
            for tool, args, said in [
                ("flip", {"image": "image-99"}, "there is no artifact 'image-99'"),
                ("edit", {}, "edit: instruction is required"),
                ("resize", {"image": "image-1", "scale": 0}, "resize: scale must be greater than 0, got 0"),
                ("rotate", {"image": "image-1", "degrees": "ninety"}, "rotate: degrees"),
                ("detect", {"image": "image-1", "labels": ["cat"], "threshold": "NaN"}, "detect: threshold"),
            ]:
                bad = await session.call_tool(tool, args)
                text = bad.content[0].text
                assert bad.is_error and said in text and "\n" not in text and "pydantic.dev" not in text, text

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, conversation()).result(timeout=300)
    assert not (data / "sessions").exists() or list((data / "sessions").iterdir()) == []


def test_the_uploaders_limit_is_the_servers():
    """The uploader's page counts 10^6 bytes a megabyte: the default limit is the 50 MB it
    says and refuses above (it was 50 MiB on the server and 50.0 MB on the page)."""
    from pixelsmith.config import Limits
    from pixelsmith.ui import upload_limit_mb

    assert Limits().max_upload_bytes == 50_000_000 and upload_limit_mb(Limits()) == 50
    assert upload_limit_mb(Limits(max_upload_bytes=3 * 2**20 + 1)) == 4


# -- found by the second red-team pass -----------------------------------------------------------
@pytest.mark.parametrize("words", ["make it \ud800 brighter", "make it \udcff brighter"])
def test_text_that_is_not_utf8_is_kept_as_a_replacement_character(tiny_config, tmp_path, words):
    """A lone surrogate (bytes from a terminal that were not UTF-8) stopped the session from
    being saved: a traceback, and a session folder without its session.json."""
    editor = Editor(tiny_config, data_dir=tmp_path / "data")
    result = editor.edit(noise_image(64, 48), words)
    assert result.ok and result.session.workspace.record.messages[0].text == "make it \ufffd brighter"
    assert all((folder / "session.json").is_file() for folder in (tmp_path / "data" / "sessions").iterdir())
