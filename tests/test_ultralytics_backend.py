"""MobileSAM and FastSAM through ultralytics as the `segment` tool's backend, offline.

Random-weight checkpoints are written once per module; the real `segment` tool runs on a
non-square 200x120 image through the model registry, exactly as the app calls it.
ultralytics also looks hosts up by DNS (its online check), which the conftest socket guard
does not see, so this module refuses non-loopback lookups as well.
"""

from __future__ import annotations

import os
import socket
import sys

import numpy as np
import pytest

from pixelsmith.config import Settings
from pixelsmith.errors import ModelMissingError, UserError
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.tools import MemoryStore, ToolContext, default_tools

pytestmark = pytest.mark.ultralytics

WIDTH, HEIGHT = 200, 120
YOLO_ENV = ("YOLO_OFFLINE", "YOLO_AUTOINSTALL", "YOLO_CONFIG_DIR")


@pytest.fixture(scope="module")
def no_dns():
    """Refuse (and record) DNS lookups of anything but loopback while this module runs."""
    lookups: list[str] = []
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in (None, "localhost", "::1") and not str(host).startswith("127."):
            lookups.append(str(host))
            raise OSError(f"DNS lookups in tests are not allowed: {host!r}")
        return real(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", guarded)
        yield lookups


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, no_dns):
    """{'fastsam': path, 'mobile_sam': path}; ultralytics' settings live in a temp dir.

    ultralytics is first imported here, not at collection: importing it before
    YOLO_OFFLINE is set runs its online check (a DNS lookup) and writes its settings
    to ~/.config, so a module-level `importorskip` would defeat the point.
    """
    saved = {key: os.environ.get(key) for key in YOLO_ENV}
    os.environ["YOLO_CONFIG_DIR"] = str(tmp_path_factory.mktemp("yolo-config"))
    from pixelsmith.models.ultralytics_load import import_ultralytics
    from pixelsmith.testing.tiny_ultralytics import build_fastsam, build_mobile_sam

    try:
        import_ultralytics()  # sets YOLO_OFFLINE / YOLO_AUTOINSTALL, then imports
    except UserError:
        pytest.skip("ultralytics is not installed (the optional extra)")

    root = tmp_path_factory.mktemp("ultralytics-models")
    yield {"fastsam": build_fastsam(root), "mobile_sam": build_mobile_sam(root)}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def make_registry(model: str, **segmenter) -> ModelRegistry:
    spec = {"model": model, "backend": "ultralytics", **segmenter}
    return ModelRegistry(Settings(segmenter=spec, device="cpu"))


@pytest.fixture(scope="module", params=["fastsam", "mobile_sam"])
def registry(request, checkpoints):
    """One registry per backend for the module, so each image is encoded once."""
    return make_registry(str(checkpoints[request.param]), points_per_side=2)


def segment(registry: ModelRegistry, image, **arguments):
    """Run the real `segment` tool on `image` with `arguments`."""
    tool = default_tools().get("segment")
    store = MemoryStore()
    image_id = store.add("image", image)
    return tool.run(tool.validate({"image": image_id, **arguments}), ToolContext(registry, store))


def check_masks(output, *, at_most: int | None = None) -> None:
    assert output.image_size == (WIDTH, HEIGHT)
    assert output.masks and (at_most is None or len(output.masks) <= at_most)
    for mask in output.masks:
        assert mask.shape == (HEIGHT, WIDTH) and mask.dtype == np.uint8
        assert set(np.unique(mask)) <= {0, 255}
    assert output.scores == sorted(output.scores, reverse=True)


def test_offline_setup(checkpoints, no_dns):
    from ultralytics.utils import ONLINE, USER_CONFIG_DIR

    assert os.environ["YOLO_OFFLINE"] == "1" and os.environ["YOLO_AUTOINSTALL"] == "0"
    assert ONLINE is False and (USER_CONFIG_DIR / "Arial.ttf").is_file()
    assert no_dns == []


def test_importing_ultralytics_leaves_pillow_alone(checkpoints):
    import io

    from PIL import Image, UnidentifiedImageError

    with pytest.raises(UnidentifiedImageError):  # ultralytics' own patch would try to pip install pi-heif
        Image.open(io.BytesIO(b"not an image"))


def test_point_prompt(registry):
    image = noise_image(WIDTH, HEIGHT)
    output = segment(registry, image, points=[[100, 60]])
    check_masks(output, at_most=3)
    assert output.masks[0].any()
    single = segment(registry, image, points=[[100, 60], [10, 10, False]], multimask=False)
    check_masks(single, at_most=1)


def test_box_prompts_give_the_best_mask_of_each_box(registry):
    image = noise_image(WIDTH, HEIGHT)
    output = segment(registry, image, boxes=[[50, 30, 150, 100], [120, 10, 190, 60]])
    assert len(output.masks) == 3  # several boxes: both together, then the best candidate of each
    assert np.array_equal(output.masks[0] > 0, (output.masks[1] > 0) | (output.masks[2] > 0))
    for mask in output.masks:
        assert mask.shape == (HEIGHT, WIDTH) and set(np.unique(mask)) <= {0, 255}
    check_masks(segment(registry, image, boxes=[[50, 30, 150, 100]]), at_most=3)


def test_everything_is_sorted_by_area(registry):
    output = segment(registry, noise_image(WIDTH, HEIGHT), mode="everything")
    check_masks(output)
    areas = [int((m > 0).sum()) for m in output.masks]
    assert areas == sorted(areas, reverse=True)
    assert min(output.scores) >= registry.settings.segmenter.everything_min_score


def test_an_image_is_encoded_once(registry):
    image = noise_image(WIDTH, HEIGHT, seed=2)
    segmenter = registry.get("segmenter")
    before = segmenter.encode_count
    segment(registry, image, points=[[30, 40]])
    segment(registry, image, boxes=[[20, 20, 120, 90]], multimask=False)
    assert segmenter.encode_count == before + 1


def test_fastsam_finding_nothing_gives_an_empty_mask(checkpoints):
    from pixelsmith.config import SegmenterSpec

    spec = SegmenterSpec(model=str(checkpoints["fastsam"]), backend="ultralytics")
    from pixelsmith.models.ultralytics_backend import load_segmenter

    segmenter = load_segmenter(spec, device="cpu")
    segmenter.conf = 0.99  # above every confidence of the tiny model
    image = noise_image(WIDTH, HEIGHT)
    found = segmenter.predict(image, points=np.array([[100.0, 60.0]]), labels=np.array([1]))
    assert found.masks.shape == (1, 1, HEIGHT, WIDTH) and not found.masks.any()
    assert found.scores.tolist() == [[0.0]]
    assert segmenter.everything(image).masks.shape == (0, 1, HEIGHT, WIDTH)


def test_a_missing_checkpoint_names_the_file_and_downloads_nothing(tmp_path, checkpoints, no_dns):
    missing = tmp_path / "mobile_sam.pt"
    registry = make_registry(str(missing))
    with pytest.raises(ModelMissingError, match="mobile_sam.pt or FastSAM-s.pt") as err:
        segment(registry, noise_image(WIDTH, HEIGHT), points=[[10, 10]])
    assert str(missing) in str(err.value)
    assert not missing.exists() and no_dns == []


def test_an_unknown_file_name_is_a_user_error(tmp_path, checkpoints):
    weights = tmp_path / "weights.pt"
    weights.write_bytes(b"")
    with pytest.raises(UserError, match="weights.pt"):
        make_registry(str(weights)).get("segmenter")


def test_offline_settings_keep_what_the_user_set(monkeypatch, tmp_path):
    from pixelsmith.models.ultralytics_load import configure_offline

    monkeypatch.setattr(os, "environ", {"YOLO_AUTOINSTALL": "1", "YOLO_CONFIG_DIR": str(tmp_path / "mine")})
    configure_offline(tmp_path / "data")
    assert os.environ == {
        "YOLO_AUTOINSTALL": "1",
        "YOLO_CONFIG_DIR": str(tmp_path / "mine"),
        "YOLO_OFFLINE": "1",
    }
    monkeypatch.setattr(os, "environ", {})
    configure_offline(tmp_path / "data")
    assert os.environ["YOLO_CONFIG_DIR"] == str(tmp_path / "data" / "ultralytics")
    assert os.environ["YOLO_AUTOINSTALL"] == "0"


def test_without_the_extra_load_names_the_pip_command(monkeypatch):
    from pixelsmith.models.ultralytics_load import import_ultralytics

    monkeypatch.setitem(sys.modules, "ultralytics", None)  # `import ultralytics` now fails
    with pytest.raises(UserError, match=r'pip install "pixelsmith\[ultralytics\]"'):
        import_ultralytics()
