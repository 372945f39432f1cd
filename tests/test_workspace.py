"""The session on disk: ids, versions, undo/branch, persistence across processes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from pixelsmith.errors import ToolInputError, UserError
from pixelsmith.session_folders import list_sessions
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace


def test_ids_versions_undo_and_branch(tmp_path):
    ws = Workspace.create(tmp_path)
    first = ws.add_image(noise_image(40, 30), tool="upload")
    ws.set_current(first)
    second = ws.add_image(noise_image(40, 30, seed=1), parents=[first], tool="inpaint")
    ws.set_current(second)
    assert (first, second) == ("image-1", "image-2")
    assert ws.undo() == "image-1" and ws.record.current_image == "image-1"
    branch = ws.add_image(noise_image(40, 30, seed=2), parents=[first], tool="inpaint")
    ws.set_current(branch)
    assert branch == "image-3"
    assert ws.artifact("image-2").parents == ["image-1"]  # the old branch is still there
    assert ws.revert("image-2") == "image-2"
    with pytest.raises(ToolInputError, match="there is no image 'image-9'; known: image-1, image-2, image-3"):
        ws.image("image-9")


def test_undo_at_the_first_version_is_a_message(tmp_path):
    ws = Workspace.create(tmp_path)
    ws.set_current(ws.add_image(noise_image(8, 8)))
    with pytest.raises(ToolInputError, match="nothing to undo"):
        ws.undo()


def test_everything_survives_a_new_process(tmp_path):
    ws = Workspace.create(tmp_path, "demo-session")
    image = noise_image(50, 20)
    ws.set_current(ws.add_image(image))
    mask = np.zeros((20, 50), np.uint8)
    mask[5:15, 10:30] = 255
    ws.add_mask(mask, parents=["image-1"], tool="segment")
    ws.save()
    code = (
        "import json, sys, numpy as np\n"
        "from pixelsmith.workspace import Workspace\n"
        f"ws = Workspace.open({str(tmp_path)!r}, 'demo-session')\n"
        "print(json.dumps({'current': ws.record.current_image, 'mask_sum': int(ws.mask('mask-1').sum()),"
        " 'pixels': ws.image('image-1').tobytes().hex()[:64], 'size': list(ws.image('image-1').size)}))"
    )
    out = json.loads(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )
    assert out == {
        "current": "image-1",
        "mask_sum": int(mask.sum()),
        "pixels": image.tobytes().hex()[:64],
        "size": [50, 20],
    }


def test_sessions_are_listed_and_bad_ids_refused(tmp_path):
    Workspace.create(tmp_path, "aaa-1")
    Workspace.create(tmp_path, "bbb-2")
    assert {r.id for r in list_sessions(tmp_path)} == {"aaa-1", "bbb-2"}
    with pytest.raises(UserError, match="no session 'zzz-9'"):
        Workspace.open(tmp_path, "zzz-9")
    with pytest.raises(UserError, match="must be 3-64 lowercase"):
        Workspace.create(tmp_path, "../escape")
    with pytest.raises(UserError, match="already exists"):
        Workspace.create(tmp_path, "aaa-1")


def test_damaged_session_file_is_a_message(tmp_path):
    ws = Workspace.create(tmp_path, "broken-1")
    (ws.folder / "session.json").write_text("{not json")
    with pytest.raises(UserError, match="damaged"):
        Workspace.open(tmp_path, "broken-1")


def test_view_is_text_without_pixels(tmp_path):
    ws = Workspace.create(tmp_path)
    ws.set_current(ws.add_image(noise_image(64, 48)))
    view = ws.view()
    assert view.current_image == "image-1"
    assert "image-1 (image 64x48, by upload)" in view.text()
