"""The one loader for images and masks: orientation, modes, bad files, mask sizes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from pixelsmith.errors import ImageError
from pixelsmith.images import check_mask, load_image, load_mask
from pixelsmith.testing import noise_image


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _one_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message, message
    return message


def test_exif_orientation_is_applied(tmp_path):
    # A 40x20 picture whose EXIF says "rotate 90° clockwise to display" (orientation 6).
    path = tmp_path / "rotated.jpg"
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, 20, 20))  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, format="JPEG", exif=exif.tobytes(), quality=95)
    assert Image.open(path).size == (40, 20)  # stored as is

    loaded = load_image(path)

    assert loaded.mode == "RGB"
    assert loaded.size == (20, 40)
    # Rotated clockwise: the stored left (blue) half ends up on top.
    top, bottom = np.asarray(loaded)[5, 10], np.asarray(loaded)[35, 10]
    assert top[2] > 150 and top[0] < 100
    assert bottom[0] > 150 and bottom[2] < 100


def _in_mode(mode: str) -> Image.Image:
    base = noise_image(24, 16, seed=1)
    if mode == "I;16":
        values = np.asarray(base.convert("L"), dtype=np.uint16) * 200
        return Image.fromarray(values)
    if mode == "P":
        return base.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return base.convert(mode)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGBA", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("CMYK", "JPEG"),
        ("CMYK", "TIFF"),
        ("I;16", "PNG"),
        ("L", "PNG"),
        ("1", "PNG"),
        ("RGB", "WEBP"),
    ],
)
def test_every_mode_comes_out_rgb(tmp_path, mode, fmt):
    path = tmp_path / f"picture.{fmt.lower()}"
    _in_mode(mode).save(path, format=fmt)
    assert Image.open(path).mode == mode  # the file really is in that mode

    loaded = load_image(path)

    assert loaded.mode == "RGB"
    assert loaded.size == (24, 16)
    assert np.asarray(loaded).std() > 0  # content survived, not a blank canvas


def test_sixteen_bit_grey_keeps_its_range(tmp_path):
    values = np.tile(np.arange(0, 65536, 4096, dtype=np.uint16), (4, 1))  # 16 levels
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)

    pixels = np.asarray(load_image(path))

    assert pixels[0, 0].tolist() == [0, 0, 0]
    assert pixels[0, -1, 0] == 255  # scaled to the image's maximum, not clipped at 255/65535
    assert (np.diff(pixels[0, :, 0].astype(int)) > 0).all()


def test_transparency_is_composited_on_white(tmp_path):
    path = tmp_path / "clear.png"
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(path)

    assert np.asarray(load_image(path)).min() == 255


def test_bytes_are_accepted():
    loaded = load_image(_png_bytes(noise_image(12, 10)))
    assert loaded.size == (12, 10)
    assert np.array_equal(np.asarray(loaded), np.asarray(noise_image(12, 10)))


def _truncated_png(path):
    data = _png_bytes(noise_image(64, 64))
    path.write_bytes(data[: len(data) // 2])


def _text_file(path):
    path.write_text("this is not a picture\n")


@pytest.mark.parametrize(
    ("name", "write", "expected"),
    [
        ("empty.png", lambda p: p.write_bytes(b""), "empty"),
        ("half.png", _truncated_png, "truncated or corrupt"),
        ("notes.png", _text_file, "not a readable image"),
        ("missing.png", None, "no such file"),
    ],
)
def test_unusable_files_raise_one_line_naming_the_file(tmp_path, name, write, expected):
    path = tmp_path / name
    if write is not None:
        write(path)

    with pytest.raises(ImageError) as err:
        load_image(path)

    message = _one_line(err)
    assert name in message
    assert expected in message


def test_over_the_pixel_limit_is_refused(tmp_path):
    path = tmp_path / "huge.png"
    noise_image(40, 30).save(path)

    with pytest.raises(ImageError) as err:
        load_image(path, max_pixels=1000)

    message = _one_line(err)
    assert "huge.png" in message and "40x30" in message and "1000" in message
    assert load_image(path, max_pixels=1200).size == (40, 30)  # at the limit is fine


def test_over_the_byte_limit_is_refused(tmp_path):
    path = tmp_path / "big.png"
    noise_image(40, 30).save(path)
    with pytest.raises(ImageError, match="big.png.*limit"):
        load_image(path, max_bytes=100)


def test_mask_of_another_size_is_refused_naming_both_sizes(tmp_path):
    path = tmp_path / "mask.png"
    Image.new("L", (30, 20), 255).save(path)

    with pytest.raises(ImageError) as err:
        load_mask(path, size=(40, 30))

    message = _one_line(err)
    assert "mask.png" in message and "30x20" in message and "40x30" in message


def test_grey_mask_is_read_as_is(tmp_path):
    values = np.zeros((20, 30), np.uint8)
    values[5:10, 5:25] = 255
    values[12, 3] = 128
    path = tmp_path / "mask.png"
    Image.fromarray(values, "L").save(path)

    mask = load_mask(path, size=(30, 20))

    assert mask.shape == (20, 30) and mask.dtype == np.uint8
    assert np.array_equal(mask, values)


def test_alpha_mask_uses_alpha(tmp_path):
    # Black everywhere in RGB: only the alpha channel says where to edit.
    alpha = np.zeros((20, 30), np.uint8)
    alpha[4:16, 10:20] = 255
    alpha[0, 0] = 77
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[..., 3] = alpha
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(path)

    assert np.array_equal(load_mask(path, size=(30, 20)), alpha)


def test_grey_alpha_mask_uses_alpha(tmp_path):
    alpha = np.zeros((10, 12), np.uint8)
    alpha[2:8, 3:9] = 255
    la = np.stack([np.full_like(alpha, 255), alpha], -1)  # white grey, alpha carries the mask
    path = tmp_path / "la.png"
    Image.fromarray(la, "LA").save(path)

    assert np.array_equal(load_mask(path, size=(12, 10)), alpha)


def test_check_mask_refuses_other_sizes_and_converts_bool():
    image = noise_image(40, 30)

    with pytest.raises(ImageError) as err:
        check_mask(np.zeros((20, 30), np.uint8), image, name="mask-3")
    message = _one_line(err)
    assert "mask-3" in message and "30x20" in message and "40x30" in message

    with pytest.raises(ImageError, match="2-D"):
        check_mask(np.zeros((30, 40, 3), np.uint8), image)

    boolean = np.zeros((30, 40), bool)
    boolean[1, 2] = True
    out = check_mask(boolean, image)
    assert out.dtype == np.uint8 and out[1, 2] == 255 and out.sum() == 255
