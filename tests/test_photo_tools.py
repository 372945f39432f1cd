"""Issue 24: the everyday photo operations. Each equals the plain Pillow/NumPy call on a
non-square photo, stays inside its mask when given one, keeps the photo's transparency in
step with its pixels, is reached in words through the one edit path, and is undone exactly;
bad arguments get one line that names the value."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter, ImageOps
from tool_calls import run_tool

from pixelsmith import Editor
from pixelsmith.errors import ToolInputError
from pixelsmith.testing import noise_image
from pixelsmith.tools import default_tools

W, H = 97, 61  # odd and not square: a swapped width and height shows


@pytest.fixture
def photo(store):
    image = noise_image(W, H, seed=11)
    return image, store.add("image", image)


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


# -- adjust --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "plain"),
    [
        ({"brightness": 1.3}, lambda im: ImageEnhance.Brightness(im).enhance(1.3)),
        ({"contrast": 0.7}, lambda im: ImageEnhance.Contrast(im).enhance(0.7)),
        ({"saturation": 1.6}, lambda im: ImageEnhance.Color(im).enhance(1.6)),
        ({"sharpness": 2.5}, lambda im: ImageEnhance.Sharpness(im).enhance(2.5)),
        ({"black_and_white": True}, lambda im: im.convert("L").convert("RGB")),
        ({"auto_levels": True}, ImageOps.autocontrast),
        ({"negative": True}, ImageOps.invert),  # 255 - each channel
        ({"blur": 3.0}, lambda im: im.filter(ImageFilter.GaussianBlur(3.0))),
        ({"gamma": 2.0}, lambda im: im.point([round(255 * (v / 255) ** 0.5) for v in range(256)] * 3)),
        (
            {"warmth": 0.5},
            lambda im: Image.fromarray(
                np.clip(np.rint(np.asarray(im, np.float64) * [1.15, 1.0, 0.85]), 0, 255).astype(np.uint8)
            ),
        ),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else "",
)
def test_adjust_equals_the_plain_pillow_call(ctx, photo, args, plain):
    image, image_id = photo
    made = run_tool(ctx, "adjust", image=image_id, **args)
    assert made.image.size == (W, H)
    assert np.array_equal(_pixels(made.image), _pixels(plain(image)))


def test_sepia_is_the_sepia_matrix():
    from pixelsmith.tools.adjust import SEPIA, Input, toned

    image = noise_image(W, H, seed=2)
    want = np.clip(np.rint(np.asarray(image, np.float64) @ SEPIA.T), 0, 255).astype(np.uint8)
    assert np.array_equal(_pixels(toned(image, Input(image="i", sepia=True))), want)
    assert SEPIA.shape == (3, 3) and want[..., 0].mean() > want[..., 2].mean()  # brown: red over blue


def test_a_vignette_darkens_the_corners_and_leaves_the_middle():
    from pixelsmith.tools.adjust import Input, falloff, toned

    image = Image.new("RGB", (W, H), (200, 150, 100))
    out = _pixels(toned(image, Input(image="i", vignette=0.5)))
    assert (out[H // 2, W // 2] == (200, 150, 100)).all()  # the middle as it was
    assert (out[0, 0] == (100, 75, 50)).all() and (out[-1, -1] == out[0, 0]).all()  # corners at half
    row = out[H // 2, : W // 2, 0]
    assert (np.diff(row.astype(int)) >= 0).all() and row[0] < 200  # darker toward the edge, no ring
    factor = falloff((W, H), 0.5)
    assert factor.shape == (H, W) and np.allclose(factor, factor[::-1, ::-1])  # the photo's shape, symmetric
    assert np.array_equal(out, np.rint(np.asarray(image, np.float64) * factor[..., None]).astype(np.uint8))


@pytest.mark.parametrize("invert", [False, True])
def test_adjust_in_a_mask_leaves_the_rest_as_it_was(ctx, store, photo, invert):
    image, image_id = photo
    mask = np.zeros((H, W), np.uint8)
    mask[10:40, 20:70] = 255
    mask_id = store.add("mask", mask)
    made = run_tool(ctx, "adjust", image=image_id, mask=mask_id, invert=invert, feather=0, brightness=1.5)
    out, before, full = (
        _pixels(made.image),
        _pixels(image),
        _pixels(ImageEnhance.Brightness(image).enhance(1.5)),
    )
    inside = mask > 0
    kept, changed = (inside, ~inside) if invert else (~inside, inside)
    assert np.array_equal(out[kept], before[kept])
    assert np.array_equal(out[changed], full[changed])


def test_adjust_needs_something_to_do():
    with pytest.raises(ToolInputError, match="nothing to change: give brightness"):
        default_tools().get("adjust").validate({"image": "image-1"})


# -- geometry ------------------------------------------------------------------------------------
def test_crop_box_and_ratio(ctx, photo):
    image, image_id = photo
    made = run_tool(ctx, "crop", image=image_id, box=[5, 7, 60, 50])
    assert np.array_equal(_pixels(made.image), _pixels(image.crop((5, 7, 60, 50))))
    square = run_tool(ctx, "crop", image=image_id, aspect="1:1")
    assert square.image.size == (61, 61)
    assert np.array_equal(_pixels(square.image), _pixels(image.crop((18, 0, 79, 61))))  # the middle
    tall = run_tool(ctx, "crop", image=image_id, aspect="4:5")
    assert tall.image.size == (49, 61)


def test_crop_around_an_object_holds_it_with_a_margin(ctx, store, photo):
    image, image_id = photo
    mask = np.zeros((H, W), np.uint8)
    mask[20:30, 60:80] = 255
    made = run_tool(ctx, "crop", image=image_id, around=store.add("mask", mask), margin=0.1)
    assert made.image.size == (24, 12)  # 20x10 and 10% each side
    assert np.array_equal(_pixels(made.image), _pixels(image.crop((58, 19, 82, 31))))


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({"box": [50, 10, 40, 30]}, "the box (50, 10, 40, 30) is not inside the 97x61 image or is empty"),
        ({"box": [0, 0, 500, 30]}, "the box (0, 0, 500, 30) is not inside the 97x61 image"),
    ],
)
def test_crop_outside_or_empty_says_which_box(ctx, photo, args, said):
    with pytest.raises(ToolInputError, match=said.replace("(", r"\(").replace(")", r"\)")):
        run_tool(ctx, "crop", image=photo[1], **args)


def test_a_one_pixel_wide_photo_crops_to_a_square(ctx, store):
    image_id = store.add("image", noise_image(1, 300, seed=1))
    assert run_tool(ctx, "crop", image=image_id, aspect="1:1").image.size == (1, 1)


def test_a_bad_ratio_is_named():
    with pytest.raises(ToolInputError, match="aspect must be width:height such as 16:9, got 'wide'"):
        default_tools().get("crop").validate({"image": "image-1", "aspect": "wide"})


@pytest.mark.parametrize(("degrees", "turns"), [(90, -1), (-90, 1), (270, 1), (180, 2), (-180, 2), (360, 0)])
def test_quarter_turns_are_lossless_and_clockwise(ctx, photo, degrees, turns):
    image, image_id = photo
    made = run_tool(ctx, "rotate", image=image_id, degrees=degrees)
    assert np.array_equal(_pixels(made.image), np.rot90(_pixels(image), turns))


def test_any_angle_widens_the_canvas_and_keeps_the_middle(ctx, photo):
    image, image_id = photo
    made = run_tool(ctx, "rotate", image=image_id, degrees=30)
    want = image.rotate(-30, resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    assert made.image.size == want.size and made.image.size[0] > W
    assert np.array_equal(_pixels(made.image), _pixels(want))
    assert (_pixels(made.image)[0, 0] == 255).all()  # a new corner is white


@pytest.mark.parametrize("degrees", [3, -3, 12.5, 45])
def test_straightening_keeps_the_largest_upright_part_of_the_photo_and_no_corner(ctx, store, degrees):
    """ "it leans 3 degrees to the right, straighten it": the turned photo cropped to the
    largest upright rectangle of its shape inside it; not a pixel of the white fill is left."""
    plain = Image.new("RGB", (W, H), (10, 200, 30))
    made = run_tool(ctx, "rotate", image=store.add("image", plain), degrees=degrees, straighten=True)
    pixels = _pixels(made.image).astype(int)
    assert (pixels[..., 0] <= 14).all()  # no white, nor a white blended into the edge
    assert abs(made.image.width - made.image.height * W / H) <= 1.5  # the photo's shape, to a pixel
    turned = plain.rotate(-degrees, expand=True)
    assert made.image.width < W and turned.width > W  # cut in, where the plain turn widens
    assert made.note.startswith("levelled: turned")


def test_straightening_a_quarter_turn_loses_nothing(ctx, photo):
    image, image_id = photo
    made = run_tool(ctx, "rotate", image=image_id, degrees=90, straighten=True)
    assert np.array_equal(_pixels(made.image), np.rot90(_pixels(image), -1))


@pytest.mark.parametrize(("direction", "flip"), [("horizontal", np.fliplr), ("vertical", np.flipud)])
def test_flip(ctx, photo, direction, flip):
    image, image_id = photo
    made = run_tool(ctx, "flip", image=image_id, direction=direction)
    assert np.array_equal(_pixels(made.image), flip(_pixels(image)))


@pytest.mark.parametrize(
    ("args", "size"),
    [
        ({"width": 50}, (50, 31)),
        ({"height": 122}, (194, 122)),
        ({"scale": 0.5}, (48, 30)),
        ({"width": 40, "height": 40}, (40, 40)),
    ],
)
def test_resize_is_lanczos_at_the_asked_size(ctx, photo, args, size):
    image, image_id = photo
    made = run_tool(ctx, "resize", image=image_id, **args)
    assert np.array_equal(_pixels(made.image), _pixels(image.resize(size, Image.LANCZOS)))


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({"scale": 0}, "resize: scale must be greater than 0, got 0"),
        ({"scale": 100}, "resize: scale must be less than or equal to 8, got 100"),
        ({}, "say the new size: width, height or scale"),
        ({"degrees": "a lot"}, "degrees"),
    ],
)
def test_absurd_sizes_and_angles_are_named(args, said):
    tool = "rotate" if "degrees" in args else "resize"
    with pytest.raises(ToolInputError, match=said):
        default_tools().get(tool).validate({"image": "image-1", **args})


def test_a_resize_over_the_pixel_limit_is_refused(ctx, photo, monkeypatch):
    monkeypatch.setattr(ctx.settings.limits, "max_pixels", 10_000)  # the shared registry's: put back
    with pytest.raises(ToolInputError, match=r"resize: 970x610 is over limits.max_pixels \(10,000\)"):
        run_tool(ctx, "resize", image=photo[1], width=970)


# -- cutout --------------------------------------------------------------------------------------
def test_a_cutout_is_the_photo_with_the_feathered_mask_as_alpha(tiny_config, tmp_path):
    from pixelsmith import masks as M
    from pixelsmith.agent.plan import Plan, Step
    from pixelsmith.ui.pictures import seen

    editor = Editor(tiny_config, data_dir=tmp_path / "data")
    photo = noise_image(W, H, seed=3)
    session = editor.edit(photo, "find the cat").session
    mask = np.zeros((H, W), np.uint8)
    mask[8:50, 30:90] = 255
    with session.workspace.transaction():
        mask_id = session.workspace.add_mask(mask, tool="upload", parents=["image-1"])
    cut = session.edit(
        "cut it out", plan=Plan(steps=[Step(tool="cutout", args={"mask": mask_id, "feather": 3})])
    )
    assert cut.ok and cut.image.mode == "RGBA" and cut.image.size == (W, H)
    assert np.array_equal(np.asarray(cut.image.getchannel("A")), M.feather(mask, 3))
    assert np.array_equal(_pixels(cut.image), _pixels(photo))  # the colours are the photo's
    path = tmp_path / "cut.png"
    cut.image.save(path)
    with Image.open(path) as saved:
        assert saved.mode == "RGBA" and saved.getpixel((0, 0))[3] == 0
    shown = np.asarray(seen(session.workspace, session.workspace.record.current_image))
    assert (shown[0, 0] == 255).all() and (shown[0, 8] == 204).all()  # the chat: a checkerboard around it
    assert np.array_equal(shown[20:40, 40:70], _pixels(photo)[20:40, 40:70])


# -- in words, through the one edit path; undo is exact -------------------------------------------
@pytest.mark.parametrize(
    ("words", "size", "pixels"),
    [
        ("make it black and white", (W, H), lambda im: im.convert("L").convert("RGB")),
        ("rotate it left", (H, W), lambda im: im.transpose(Image.Transpose.ROTATE_90)),
        ("flip it", (W, H), ImageOps.mirror),
        ("crop to square", (H, H), lambda im: im.crop((18, 0, 79, 61))),
        ("resize it to 50%", (48, 30), lambda im: im.resize((48, 30), Image.LANCZOS)),
        ("increase the contrast a little", (W, H), lambda im: ImageEnhance.Contrast(im).enhance(1.1)),
    ],
)
def test_in_words_then_undo(tiny_config, tmp_path, words, size, pixels):
    editor = Editor(tiny_config, data_dir=tmp_path / "data")
    photo = noise_image(W, H, seed=5)
    made = editor.edit(photo, words)
    assert made.ok, made.text
    assert made.image.size == size
    assert np.array_equal(_pixels(made.image), _pixels(pixels(photo)))
    session = made.session
    back = session.undo().image
    assert np.array_equal(_pixels(back), _pixels(photo))


def test_a_rotation_turns_the_transparency_with_the_photo(tiny_config, tmp_path):
    rgba = noise_image(W, H, seed=6).convert("RGBA")
    alpha = np.full((H, W), 255, np.uint8)
    alpha[:, :10] = 0
    rgba.putalpha(Image.fromarray(alpha, "L"))
    made = Editor(tiny_config, data_dir=tmp_path / "data").edit(rgba, "rotate it 90 degrees")
    assert made.ok and made.image.size == (H, W)
    assert np.array_equal(np.asarray(made.image.getchannel("A")), np.rot90(alpha, -1))


# -- on files --------------------------------------------------------------------------------------
def test_the_photo_commands_keep_the_transparency_with_the_pixels(tiny_settings, tmp_path, capsys):
    import json

    from pixelsmith.cli import main

    rgba = noise_image(W, H, seed=7).convert("RGBA")
    alpha = np.full((H, W), 255, np.uint8)
    alpha[:, :10] = 0
    rgba.putalpha(Image.fromarray(alpha, "L"))
    rgba.save(tmp_path / "logo.png")
    mask = np.zeros((H, W), np.uint8)
    mask[10:50, 20:80] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    assert main(["rotate", str(tmp_path / "logo.png"), "90", "-o", str(tmp_path / "r.png")]) == 0
    with Image.open(tmp_path / "r.png") as turned:
        assert turned.size == (H, W)
        assert np.array_equal(np.asarray(turned.getchannel("A")), np.rot90(alpha, -1))
    files = [str(tmp_path / "logo.png"), str(tmp_path / "mask.png"), "-o", str(tmp_path / "c.png")]
    assert main(["cutout", *files, "--feather", "0", "--json"]) == 0
    capsys.readouterr()
    with Image.open(tmp_path / "c.png") as cut:
        assert np.array_equal(np.asarray(cut.getchannel("A")), mask)
    assert main(["upscale", str(tmp_path / "logo.png"), "-o", str(tmp_path / "u.png"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["size"] == [2 * W, 2 * H]
    level = [str(tmp_path / "logo.png"), "3", "-o", str(tmp_path / "l.png"), "--straighten", "--json"]
    assert main(["rotate", *level]) == 0
    assert json.loads(capsys.readouterr().out)["size"][0] < W  # cut in to the upright part, not widened


def test_segment_transparent_writes_the_cut_out(tiny_settings, tmp_path, capsys):
    import json

    from pixelsmith.cli import main

    noise_image(W, H, seed=8).save(tmp_path / "p.jpg")
    out = tmp_path / "cat.png"
    assert main(["segment", str(tmp_path / "p.jpg"), "--box", "10,10,60,50", "--transparent", "-o", str(out),
                 "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["path"] == str(out)
    with Image.open(out) as cut:
        assert cut.mode == "RGBA" and cut.size == (W, H)
        alpha = np.asarray(cut.getchannel("A"))
        assert 0 < (alpha > 0).sum() < W * H  # some kept, some clear


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["crop", "--box", "0,0,500,5"], "error: crop: the box (0, 0, 500, 5) is not inside the 97x61 image"),
        (["resize", "--scale", "0"], "error: resize: scale must be greater than 0, got 0.0"),
        (["adjust"], "error: adjust: nothing to change: give brightness"),
        (["upscale", "--scale", "9"], "error: upscale: scale must be less than or equal to 4, got 9.0"),
    ],
)
def test_bad_photo_arguments_get_one_line(tiny_settings, tmp_path, capsys, argv, said):
    from pixelsmith.cli import main

    noise_image(W, H, seed=7).save(tmp_path / "p.png")
    assert main([argv[0], str(tmp_path / "p.png"), "-o", str(tmp_path / "o.png"), *argv[1:]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(said), err
    assert not (tmp_path / "o.png").exists()


def test_a_result_never_replaces_the_photo_and_a_cut_out_needs_a_format_with_transparency(
    tiny_settings, tmp_path, capsys
):
    from pixelsmith.cli import main

    photo = tmp_path / "p.png"
    noise_image(W, H, seed=9).save(photo)
    Image.fromarray(np.full((H, W), 255, np.uint8)).save(tmp_path / "m.png")
    before = photo.read_bytes()
    assert main(["flip", str(photo), "-o", str(photo)]) == 2
    assert main(["edit", str(photo), "flip it", "-o", str(photo)]) == 2
    assert main(["cutout", str(photo), str(tmp_path / "m.png"), "-o", str(tmp_path / "cut.jpg")]) == 2
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [
        f"error: -o {photo} is one of the files read; write the result to another file",
        f"error: -o {photo} is one of the files read; write the result to another file",
        f"error: -o {tmp_path / 'cut.jpg'} cannot keep transparency; write a .png or .webp",
    ]
    assert photo.read_bytes() == before and not (tmp_path / "cut.jpg").exists()
    assert main(["edit", str(photo), "flip it", "-o", str(photo), "--overwrite"]) == 0  # asked for
