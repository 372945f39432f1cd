"""Issue 23 (12): a result keeps what its photo carried: the ICC colour profile, the EXIF data
(the camera's make; the orientation, applied on load, reset), and the alpha channel
(transparent pixels an edit did not touch stay transparent, painted ones are opaque), in
`-o`, the Python API, the UI's download and MCP."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image, ImageCms

from pixelsmith import Editor
from pixelsmith.cli import main
from pixelsmith.testing import noise_image

MAKE = 0x010F


def _profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()


def _camera_photo(path) -> bytes:
    """A JPEG as a phone writes it: an ICC profile, a camera make, turned by EXIF."""
    icc = _profile()
    exif = Image.Exif()
    exif[MAKE], exif[0x0112] = "pixelsmith test camera", 6  # shown turned 90 degrees
    noise_image(64, 48, seed=4).save(path, format="JPEG", icc_profile=icc, exif=exif.tobytes(), quality=95)
    return icc


def test_a_jpeg_keeps_its_profile_and_camera_data_through_an_edit(tiny_settings, tmp_path, capsys):
    icc = _camera_photo(tmp_path / "phone.jpg")
    out = tmp_path / "winter.jpg"
    assert (
        main(["edit", str(tmp_path / "phone.jpg"), "make it winter, 1 steps", "-o", str(out), "--json"]) == 0
    )
    with Image.open(out) as made:
        assert made.size == (48, 64)  # upright: the orientation was applied
        assert made.info.get("icc_profile") == icc
        exif = made.getexif()
        assert exif[MAKE] == "pixelsmith test camera" and exif.get(0x0112, 1) == 1
    session = json.loads(capsys.readouterr().out)["session"]
    from pixelsmith.workspace import Workspace

    kept = Workspace.open(tiny_settings.data_dir, session).keepsakes("image-2")
    assert kept["icc_profile"] == icc  # an edit's image inherits what its photo carried


def test_transparency_survives_where_the_edit_did_not_paint(tiny_config, tmp_path):
    rgba = noise_image(96, 64, seed=5).convert("RGBA")
    alpha = np.full((64, 96), 255, np.uint8)
    alpha[:, :32] = 0  # the left third transparent
    alpha[:, 32:40] = 128
    rgba.putalpha(Image.fromarray(alpha, "L"))
    rgba.save(tmp_path / "logo.png")
    editor = Editor(tiny_config, data_dir=tmp_path / "data")
    mask = np.zeros((64, 96), np.uint8)
    mask[20:44, 50:80] = 255  # an edit on the right, away from the transparency
    result = editor.edit(tmp_path / "logo.png", "find the cat")
    session = result.session
    with session.workspace.transaction():
        mask_id = session.workspace.add_mask(mask, tool="upload", parents=["image-1"])
    from pixelsmith.agent.plan import Plan, Step

    plan = Plan(
        steps=[Step(tool="inpaint", args={"mask": mask_id, "prompt": "a sun", "num_inference_steps": 2})]
    )
    painted = session.edit("paint a sun", plan=plan)
    assert painted.ok
    out = painted.image
    assert out.mode == "RGBA" and out.size == (96, 64)
    got = np.asarray(out.getchannel("A"))
    before = np.asarray(session.workspace.image("image-1"))
    changed = np.any(np.asarray(out.convert("RGB")) != before, axis=2)
    assert np.array_equal(got[~changed], alpha[~changed])  # untouched: as transparent as it was
    assert (got[changed] == 255).all() and changed[20:44, 50:80].any()  # painted: opaque
    assert np.array_equal(got[:, :40], alpha[:, :40])
    path = tmp_path / "out.png"
    out.save(path)
    assert Image.open(path).mode == "RGBA"


@pytest.mark.parametrize("edit", ["extend it to the left by 16 px, 1 steps"])
def test_an_extended_canvas_places_the_transparency_with_the_photo(tiny_config, tmp_path, edit):
    rgba = noise_image(64, 48, seed=6).convert("RGBA")
    alpha = np.full((48, 64), 255, np.uint8)
    alpha[10:20, 10:20] = 0
    rgba.putalpha(Image.fromarray(alpha, "L"))
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG")
    editor = Editor(tiny_config, data_dir=tmp_path / "data")
    result = editor.edit(Image.open(io.BytesIO(buffer.getvalue())), edit)
    assert result.ok and result.image.size == (80, 48)
    got = np.asarray(result.image.getchannel("A"))
    assert np.array_equal(got[:, 16:], alpha) and (got[:, :16] == 255).all()
