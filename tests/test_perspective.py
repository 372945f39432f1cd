"""The perspective tool: lines a camera tilted up made converge stand upright. It is the plain
Pillow `PERSPECTIVE` warp, its coefficients take the frame's corners to a quadrilateral
inside the photo (so no blank corners), a line that leaned in comes out vertical, the
photo's transparency is warped with it, it is reached in words and undone exactly, and bad
arguments get one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw
from tool_calls import run_tool

from pixelsmith import Editor
from pixelsmith.errors import ToolInputError
from pixelsmith.testing import noise_image
from pixelsmith.tools import default_tools
from pixelsmith.tools.perspective import coefficients, source_corners, warped

W, H = 201, 121  # odd and not square


def _read_at(coeffs: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f, g, h = coeffs
    den = g * x + h * y + 1
    return (a * x + b * y + c) / den, (d * x + e * y + f) / den


@pytest.mark.parametrize(("vertical", "horizontal"), [(0.4, 0.0), (-0.4, 0.0), (0.0, 0.6), (0.3, -0.2)])
def test_the_frame_is_read_from_a_quadrilateral_inside_the_photo(vertical, horizontal):
    corners = source_corners((W, H), vertical, horizontal)
    coeffs = coefficients((W, H), corners)
    for (x, y), want in zip([(0, 0), (W, 0), (W, H), (0, H)], corners, strict=True):
        assert np.allclose(_read_at(coeffs, x, y), want, atol=1e-6)
    assert all(0 <= u <= W and 0 <= v <= H for u, v in corners)  # inside: no blank corner
    if (
        vertical > 0 and not horizontal
    ):  # the top is read from a narrower strip (widened), the bottom as it was
        assert corners[0] == (W * vertical / 4, 0) and corners[3] == (0, H)


def test_perspective_equals_the_plain_pillow_warp(ctx, store):
    image = noise_image(W, H, seed=3)
    made = run_tool(ctx, "perspective", image=store.add("image", image), vertical=0.35)
    want = image.transform(
        (W, H),
        Image.Transform.PERSPECTIVE,
        coefficients((W, H), source_corners((W, H), 0.35, 0.0)),
        Image.Resampling.BICUBIC,
    )
    assert made.image.size == (W, H)
    assert np.array_equal(np.asarray(made.image), np.asarray(want))
    assert made.note == "perspective corrected (vertical +0.35)"


def test_a_line_that_leaned_in_stands_upright(ctx, store):
    """A dark line from the bottom at a quarter of the width, leaning in toward the middle as
    a building's edge does, is one column wide at the top and the bottom afterwards."""
    vertical, t = 0.4, 0.25
    corners = source_corners((W, H), vertical, 0.0)
    top_x = corners[0][0] + t * (corners[1][0] - corners[0][0])
    image = Image.new("RGB", (W, H), (240, 240, 240))
    ImageDraw.Draw(image).line([(t * W, H), (top_x, 0)], fill=(0, 0, 0), width=3)
    before = np.asarray(image.convert("L"))
    assert abs(int(before[2].argmin()) - int(before[-3].argmin())) > 5  # it leans
    made = run_tool(ctx, "perspective", image=store.add("image", image), vertical=vertical)
    after = np.asarray(made.image.convert("L"))
    columns = [int(after[y].argmin()) for y in (2, H // 2, H - 3)]
    assert max(columns) - min(columns) <= 1 and abs(columns[0] - t * W) <= 1.5


def test_no_blank_corners(ctx, store):
    plain = Image.new("RGB", (W, H), (200, 100, 50))
    made = run_tool(ctx, "perspective", image=store.add("image", plain), vertical=-0.8, horizontal=0.5)
    assert (np.abs(np.asarray(made.image).astype(int) - (200, 100, 50)) <= 1).all()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({}, "nothing to correct: give vertical"),
        ({"vertical": 0.0, "horizontal": 0.0}, "nothing to correct"),
        ({"vertical": 2}, "vertical"),
    ],
)
def test_bad_arguments_are_named(args, said):
    with pytest.raises(ToolInputError, match=said):
        default_tools().get("perspective").validate({"image": "image-1", **args})


def test_in_words_then_more_then_undo(tiny_config, tmp_path):
    editor = Editor(tiny_config, data_dir=tmp_path / "data")
    photo = noise_image(W, H, seed=5)
    made = editor.edit(photo, "the buildings lean inwards, can you fix the perspective?")
    assert made.ok, made.text
    want = warped(photo, coefficients((W, H), source_corners((W, H), 0.3, 0.0)))
    assert np.array_equal(np.asarray(made.image.convert("RGB")), np.asarray(want))
    session = made.session
    more = session.edit("a bit more")
    assert more.ok, more.text
    assert [(s.tool, s.args["vertical"]) for s in more.steps] == [("perspective", 0.45)]  # further
    session.undo()
    assert np.array_equal(np.asarray(session.undo().image.convert("RGB")), np.asarray(photo))


def test_the_command_warps_the_transparency_with_the_pixels(tiny_settings, tmp_path, capsys):
    from pixelsmith.cli import main

    rgba = noise_image(W, H, seed=7).convert("RGBA")
    alpha = np.full((H, W), 255, np.uint8)
    alpha[:, :20] = 0
    rgba.putalpha(Image.fromarray(alpha, "L"))
    rgba.save(tmp_path / "logo.png")
    argv = ["perspective", str(tmp_path / "logo.png"), "--vertical", "0.5", "-o", str(tmp_path / "p.png")]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["size"] == [W, H]
    coeffs = coefficients((W, H), source_corners((W, H), 0.5, 0.0))
    with Image.open(tmp_path / "p.png") as out:
        assert out.mode == "RGBA"
        want = warped(Image.fromarray(alpha, "L"), coeffs)
        assert np.array_equal(np.asarray(out.getchannel("A")), np.asarray(want))
    assert main(["perspective", str(tmp_path / "logo.png"), "-o", str(tmp_path / "q.png")]) == 2
    assert "nothing to correct" in capsys.readouterr().err
