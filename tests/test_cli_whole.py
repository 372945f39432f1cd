"""Issue 12 on the command line: instruct, restyle and outpaint on files (tiny models)."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from pixelsmith.cli import main
from pixelsmith.testing import noise_image


def test_outpaint_restyle_and_instruct_write_their_results(tiny_settings, tmp_path, capsys) -> None:
    photo = tmp_path / "photo.png"
    noise_image(96, 64, seed=1).save(photo)
    out = tmp_path / "wide.png"
    assert main(["outpaint", str(photo), "-o", str(out), "--left", "24", "--top", "8", "--steps", "1",
                 "--seed", "2", "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["images"][0]["seed"] == 2
    wide = np.asarray(Image.open(out).convert("RGB"))
    assert wide.shape == (72, 120, 3) and np.array_equal(wide[8:, 24:], np.asarray(Image.open(photo)))

    assert main(["restyle", str(photo), "a pencil sketch", "-o", str(tmp_path / "r.png"), "--steps", "2",
                 "--strength", "0.5"]) == 0  # fmt: skip
    assert Image.open(tmp_path / "r.png").size == (96, 64)

    mask = np.zeros((64, 96), np.uint8)
    mask[10:30, 20:60] = 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    assert main(["instruct", str(photo), "make it winter", "-o", str(tmp_path / "i.png"), "--mask",
                 str(tmp_path / "m.png"), "--steps", "1", "-n", "2"]) == 0  # fmt: skip
    assert (tmp_path / "i.png").is_file() and (tmp_path / "i-2.png").is_file()
    capsys.readouterr()


def test_bad_canvas_requests_are_one_line(tiny_settings, tmp_path, capsys) -> None:
    photo = tmp_path / "photo.png"
    noise_image(64, 36).save(photo)
    assert main(["outpaint", str(photo), "-o", str(tmp_path / "o.png")]) == 2
    assert "nothing to extend" in capsys.readouterr().err
    assert main(["outpaint", str(photo), "-o", str(tmp_path / "o.png"), "--aspect", "16:9"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "error: outpaint: the image (64x36) is already 16:9"
    assert "Traceback" not in err
