"""The registered tools on tiny random models: schemas, geometry, determinism, plumbing.

Pictures from tiny random models are noise; these tests check sizes, coordinates,
seeds, caches and errors, which are those of the real models (STYLE.md 8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from PIL import Image
from pydantic import BaseModel

from pixelsmith import masks as M
from pixelsmith.artifacts import Stored
from pixelsmith.config import DetectorSpec, SegmenterSpec
from pixelsmith.errors import ImageError, InterruptedError_, ModelMissingError, ToolInputError
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.tools import MemoryStore, Tool, ToolContext, ToolRegistry, default_tools

STEPS = 2
ROLES = ("detector", "segmenter", "inpainter", "generator", "ranker")


@pytest.fixture(scope="module")
def tools() -> ToolRegistry:
    return default_tools()


def call(tools: ToolRegistry, ctx: ToolContext, name: str, **arguments):
    tool = tools.get(name)
    return tool.run(tool.validate(arguments), ctx)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image).astype(np.int16)


# --- schemas and the registry ----------------------------------------------------------

INPAINT = {"image": "image-1", "mask": "mask-1", "prompt": "a dog"}


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("inpaint", {**INPAINT, "strength": 1.7}, ["strength", "1.7"]),
        ("inpaint", {**INPAINT, "guidance_scale": -1}, ["guidance_scale", "-1"]),
        ("inpaint", {**INPAINT, "num_candidates": 0}, ["num_candidates", "0"]),
        ("inpaint", {**INPAINT, "num_inference_steps": 0}, ["num_inference_steps", "0"]),
        ("inpaint", {**INPAINT, "seed": -5}, ["seed", "-5"]),
        ("inpaint", {"image": "image-1", "mask": "mask-1"}, ["prompt is required"]),
        ("detect", {"image": "image-1", "labels": []}, ["labels", "[]"]),
        ("detect", {"image": "image-1", "labels": ["cat"], "threshold": 1.5}, ["threshold", "1.5"]),
        ("segment", {"image": "image-1"}, ["give a detection, points or boxes"]),
        ("segment", {"image": "image-1", "boxes": [[50, 10, 20, 40]]}, ["boxes", "x1 > x0", "50"]),
        ("segment", {"image": "image-1", "points": [[1, 2]], "box_index": 0}, ["box_index", "0"]),
        (
            "segment",
            {"image": "image-1", "points": [[1, 2]], "mode": "everything"},
            ["everything", "takes no"],
        ),
        ("refine_mask", {"mask": "mask-1"}, ["nothing to do"]),
        ("refine_mask", {"mask": "mask-1", "other": "mask-2"}, ["combine and other go together"]),
        ("refine_mask", {"mask": "mask-1", "grow": 9999}, ["grow", "9999"]),
        ("generate", {"prompt": "a cat", "width": 100}, ["width", "multiple of 8", "100"]),
        ("generate", {"prompt": "a cat", "height": 32}, ["height", "32"]),
        ("generate", {"prompt": "a cat", "colour": "red"}, ["unknown argument 'colour'"]),
        ("remove", {"image": "image-1", "mask": "mask-1", "grow": -3}, ["grow", "-3"]),
        ("rank", {"images": [], "text": "a cat"}, ["images", "[]"]),
    ],
)
def test_bad_arguments_are_refused_naming_field_and_value(tools, name, arguments, expected):
    with pytest.raises(ToolInputError) as err:
        tools.get(name).validate(arguments)

    message = str(err.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    for part in expected:
        assert part in message


def test_unknown_ids_list_the_known_ones(tools, ctx, store):
    store.add("image", noise_image(32, 32))
    store.add("mask", np.zeros((32, 32), np.uint8))
    store.add("mask", np.zeros((32, 32), np.uint8))

    with pytest.raises(ToolInputError) as err:
        call(tools, ctx, "refine_mask", mask="mask-9", grow=2)
    assert str(err.value) == "unknown mask id 'mask-9'; known: mask-1, mask-2"

    with pytest.raises(ToolInputError, match="unknown image id 'image-4'; known: image-1"):
        call(tools, ctx, "rank", images=["image-4"], text="a cat")
    with pytest.raises(ToolInputError, match="unknown detection id 'detection-1'; known: none"):
        call(tools, ctx, "segment", image="image-1", detection="detection-1")
    with pytest.raises(ToolInputError, match="unknown tool 'paint'"):
        tools.get("paint")


def test_every_builtin_tool_keeps_the_contract(tools):
    core = ["detect", "segment", "refine_mask", "inpaint", "remove", "generate", "rank"]
    assert tools.names()[: len(core)] == core  # others may follow
    for tool in tools:
        schema = tool.json_schema()
        assert schema["additionalProperties"] is False, tool.name  # unknown arguments refused
        assert schema["properties"] and tool.description.strip(), tool.name
        assert hasattr(tool.output_type, "summary"), tool.name


class GoodInput(BaseModel):
    image: str


class OtherInput(BaseModel):
    image: str


@dataclass
class GoodOutput:
    n: int

    def summary(self) -> str:
        return str(self.n)

    def store(self, sink, made) -> Stored:
        return Stored([], "scores")


@dataclass
class UnstorableOutput:
    n: int

    def summary(self) -> str:
        return str(self.n)


class NotADataclass:
    pass


def run_unstorable(inputs: GoodInput, ctx: ToolContext) -> UnstorableOutput:
    return UnstorableOutput(1)


def run_good(inputs: GoodInput, ctx: ToolContext) -> GoodOutput:
    return GoodOutput(1)


def run_wrong_input(inputs: OtherInput, ctx: ToolContext) -> GoodOutput:
    return GoodOutput(1)


def run_wrong_output(inputs: GoodInput, ctx: ToolContext) -> int:
    return 1


def run_wrong_params(args: GoodInput, context: ToolContext) -> GoodOutput:
    return GoodOutput(1)


def run_unannotated(inputs, ctx):
    return GoodOutput(1)


@pytest.mark.parametrize(
    ("input_model", "output_type", "run", "expected"),
    [
        (GoodInput, GoodOutput, run_wrong_input, "not the Input schema"),
        (GoodInput, GoodOutput, run_wrong_output, "run returns"),
        (GoodInput, GoodOutput, run_wrong_params, r"run must take \(inputs, ctx\)"),
        (GoodInput, GoodOutput, run_unannotated, "not the Input schema"),
        (GoodInput, NotADataclass, run_good, "output_type must be a dataclass"),
        (dict, GoodOutput, run_good, "input_model must be a pydantic BaseModel"),
        (GoodInput, UnstorableOutput, run_unstorable, "UnstorableOutput has no store"),
    ],
)
def test_registry_refuses_a_tool_whose_signature_disagrees(input_model, output_type, run, expected):
    registry = ToolRegistry()
    with pytest.raises(TypeError, match=expected):
        registry.register(Tool("bad", input_model, output_type, "A bad tool.", run))
    assert "bad" not in registry


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"roles": ("painter",)}, "unknown model role"),
        ({"lane": "slow"}, "lane 'slow'"),
        ({"makes": "video"}, "makes 'video'"),
    ],
)
def test_registry_refuses_a_tool_with_unknown_facts(facts, expected):
    registry = ToolRegistry()
    with pytest.raises(TypeError, match=expected):
        registry.register(Tool("bad", GoodInput, GoodOutput, "A bad tool.", run_good, **facts))
    assert "bad" not in registry


def test_registry_accepts_a_consistent_tool_once():
    registry = ToolRegistry()
    registry.register(Tool("good", GoodInput, GoodOutput, "A good tool.", run_good))
    assert registry.names() == ["good"]
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Tool("good", GoodInput, GoodOutput, "Again.", run_good))


# --- detect -----------------------------------------------------------------------------


@pytest.fixture(params=["noise-320x200", "cat-451x300"])
def wide_image(request, cat_photo) -> Image.Image:
    return noise_image(320, 200, seed=5) if request.param.startswith("noise") else cat_photo


def test_detect_on_a_non_square_image(tools, ctx, store, wide_image):
    labels = ["cat", "dog"]
    out = call(tools, ctx, "detect", image=store.add("image", wide_image), labels=labels, threshold=0.0)

    width, height = wide_image.size
    assert out.image_size == (width, height)
    assert out.detections, "threshold 0 on the tiny detector yields boxes"
    for d in out.detections:
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, d
        assert d.label in labels
        assert 0.0 <= d.score <= 1.0
    scores = [d.score for d in out.detections]
    assert scores == sorted(scores, reverse=True)
    assert out.summary().startswith("#1 ")


def test_detect_boxes_are_in_original_pixels(tools, ctx, store, tiny_registry):
    # OWLv2 pads to a square before resizing: detecting on the image and on the image
    # padded by hand must give the same boxes where they overlap the image.
    image = noise_image(320, 200, seed=5)
    processor = tiny_registry.get("detector").processor
    expected = processor(images=image, return_tensors="pt")["pixel_values"]
    for fill in [(0, 0, 0), (128, 128, 128)]:
        padded = Image.new("RGB", (320, 320), fill)
        padded.paste(image, (0, 0))
        if torch.equal(processor(images=padded, return_tensors="pt")["pixel_values"], expected):
            break
    else:
        pytest.skip("the detector's processor pads with an unknown colour")
    args = dict(labels=["cat"], threshold=0.0, nms_iou=1.0, max_detections=100)

    plain = call(tools, ctx, "detect", image=store.add("image", image), **args)
    square = call(tools, ctx, "detect", image=store.add("image", padded), **args)

    clipped = sorted(
        (d.score, (*d.box[:3], min(d.box[3], 200.0))) for d in square.detections if d.box[1] < 199
    )
    assert sorted((d.score, d.box) for d in plain.detections) == clipped
    assert len(clipped) > 0


def test_detect_with_nothing_above_threshold_is_empty(tools, ctx, store, cat_photo):
    out = call(tools, ctx, "detect", image=store.add("image", cat_photo), labels="cat, dog", threshold=1.0)

    assert out.detections == []
    assert out.labels == ["cat", "dog"]
    assert out.summary() == "nothing found for cat, dog"


def test_detect_caps_the_number_of_boxes(tools, ctx, store):
    image = store.add("image", noise_image(320, 200, seed=5))
    out = call(tools, ctx, "detect", image=image, labels=["cat"], threshold=0.0, max_detections=2)
    assert len(out.detections) == 2


def test_detect_with_the_owlvit_backend_on_a_non_square_image(tools, tiny_dir, tiny_registry, wide_image):
    # OWL-ViT stretches the image to a square (OWLv2 pads it): boxes must still come back
    # in the original image's pixels.
    spec = DetectorSpec(model=str(tiny_dir / "owlvit"), backend="owlvit", threshold=0.0)
    registry = ModelRegistry(tiny_registry.settings.model_copy(update={"detector": spec}))
    store = MemoryStore()
    ctx, labels = ToolContext(registry, store), ["cat", "dog"]

    out = call(tools, ctx, "detect", image=store.add("image", wide_image), labels=labels)

    detector = registry.get("detector")
    assert detector.backend == "owlvit" and type(detector.model).__name__ == "OwlViTForObjectDetection"
    width, height = wide_image.size
    assert out.image_size == (width, height) and out.detections
    for d in out.detections:
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, d
        assert d.label in labels and 0.0 <= d.score <= 1.0
    scores = [d.score for d in out.detections]
    assert scores == sorted(scores, reverse=True)
    # scaled to the image, not left in the model's 64-pixel input
    assert max(d.box[2] for d in out.detections) > 0.75 * width
    assert max(d.box[3] for d in out.detections) > 0.75 * height


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def test_detect_suppresses_overlaps_across_labels(tools, ctx, store):
    # A tall noise image on which the tiny OWLv2 gives a 'cat' and a 'dog' box overlapping
    # by IoU 0.43: suppression per label would keep both.
    image = store.add("image", noise_image(200, 320, seed=1))
    args = dict(image=image, labels=["cat", "dog"], threshold=0.0, max_detections=100)
    every = call(tools, ctx, "detect", nms_iou=1.0, **args).detections  # nothing suppressed
    kept = call(tools, ctx, "detect", nms_iou=0.3, **args).detections

    # 1. Greedy NMS by score over all boxes, whatever their labels.
    expected: list = []
    for d in every:
        if all(_iou(d.box, k.box) <= 0.3 for k in expected):
            expected.append(d)
    assert kept == expected
    # 2. The case this is about occurs: the better of a cat/dog overlap stays, the other goes.
    clashes = [
        (hi, lo)
        for i, hi in enumerate(every)
        for lo in every[i + 1 :]
        if hi.label != lo.label and _iou(hi.box, lo.box) > 0.3 and hi in kept
    ]
    assert clashes and all(hi.score >= lo.score and lo not in kept for hi, lo in clashes)
    # 3. Boxes that overlap nothing better are kept, of both labels.
    alone = [d for i, d in enumerate(every) if all(_iou(d.box, e.box) <= 0.3 for e in every[:i])]
    assert all(d in kept for d in alone) and {d.label for d in alone} == {"cat", "dog"}
    assert len(kept) < len(every)


# --- segment ----------------------------------------------------------------------------


def _check_masks(out, size=(320, 200)) -> None:
    width, height = size
    assert out.image_size == size
    assert out.masks
    for mask in out.masks:
        assert mask.shape == (height, width) and mask.dtype == np.uint8
        assert set(np.unique(mask)) <= {0, 255}
    assert out.scores == sorted(out.scores, reverse=True)
    assert len(out.scores) == len(out.masks)


@pytest.fixture
def wide(store) -> str:
    return store.add("image", noise_image(320, 200, seed=5))


def test_segment_points_positive_and_negative(tools, ctx, wide):
    out = call(tools, ctx, "segment", image=wide, points=[[100, 50], [250, 150, False]])
    both_positive = call(tools, ctx, "segment", image=wide, points=[[100, 50], [250, 150, True]])

    _check_masks(out)
    assert len(out.masks) == 3  # one prompt, multimask: three candidates
    assert any(not np.array_equal(a, b) for a, b in zip(out.masks, both_positive.masks))


def test_segment_matches_sam_run_through_its_own_processor(tools, ctx, wide, store, tiny_registry):
    # pixelsmith scales the prompts itself to reuse the embedding; SamProcessor scaling
    # them must give the very same masks.
    sam = tiny_registry.get("segmenter")
    image = store.image(wide)
    batch = sam.processor(
        images=image,
        input_points=[[[[100.0, 50.0], [250.0, 150.0]]]],
        input_labels=[[[1, 0]]],
        return_tensors="pt",
    )
    with torch.inference_mode():
        result = sam.model(**batch)
    masks = sam.processor.image_processor.post_process_masks(
        result.pred_masks, batch["original_sizes"], batch["reshaped_input_sizes"]
    )[0][0]
    order = torch.argsort(result.iou_scores[0, 0], descending=True)

    out = call(tools, ctx, "segment", image=wide, points=[[100, 50], [250, 150, False]])

    for mine, theirs in zip(out.masks, masks[order].numpy()):
        assert np.array_equal(mine > 0, theirs)


def test_segment_boxes(tools, ctx, wide):
    one = call(tools, ctx, "segment", image=wide, boxes=[[30, 20, 200, 150]])
    two = call(tools, ctx, "segment", image=wide, boxes=[[30, 20, 200, 150], [210, 40, 310, 190]])
    single = call(tools, ctx, "segment", image=wide, boxes=[[30, 20, 200, 150]], multimask=False)

    _check_masks(one)
    assert len(one.masks) == 3
    assert len(two.masks) == 3  # several boxes: both together, then the best candidate of each
    assert np.array_equal(two.masks[1], one.masks[0])
    assert len(single.masks) == 1


def test_segment_points_and_box(tools, ctx, wide):
    box_only = call(tools, ctx, "segment", image=wide, boxes=[[30, 20, 200, 150]])
    out = call(tools, ctx, "segment", image=wide, boxes=[[30, 20, 200, 150]], points=[[60, 60, False]])

    _check_masks(out)
    assert len(out.masks) == 3
    assert any(not np.array_equal(a, b) for a, b in zip(out.masks, box_only.masks))


@pytest.fixture
def detection(tools, ctx, store, wide) -> str:
    found = call(tools, ctx, "detect", image=wide, labels=["cat"], threshold=0.0)
    assert len(found.detections) >= 3
    return store.add("detection", found)


@pytest.mark.parametrize(
    ("which", "choose"),
    [
        ("best", lambda ds: max(ds, key=lambda d: d.score)),
        ("left", lambda ds: min(ds, key=lambda d: d.centre[0])),
        ("largest", lambda ds: max(ds, key=lambda d: d.area)),
        ("bottom", lambda ds: max(ds, key=lambda d: d.centre[1])),
    ],
)
def test_segment_a_detection_by_which(tools, ctx, store, wide, detection, which, choose):
    chosen = choose(store.detections(detection).detections)

    out = call(tools, ctx, "segment", image=wide, detection=detection, which=which)
    by_box = call(tools, ctx, "segment", image=wide, boxes=[list(chosen.box)])

    _check_masks(out)
    assert all(np.array_equal(a, b) for a, b in zip(out.masks, by_box.masks))


def test_segment_all_boxes_or_one_by_index(tools, ctx, store, wide, detection):
    found = store.detections(detection).detections

    everyone = call(tools, ctx, "segment", image=wide, detection=detection, which="all")
    second = call(tools, ctx, "segment", image=wide, detection=detection, box_index=2)
    by_box = call(tools, ctx, "segment", image=wide, boxes=[list(found[1].box)])

    # all of them together first (a later step takes the first mask), then each box's mask
    assert len(everyone.masks) == len(found) + 1 and everyone.joined == len(found)
    each = [m > 127 for m in everyone.masks[1:]]
    assert np.array_equal(everyone.masks[0] > 127, np.logical_or.reduce(each))
    assert everyone.scores[0] == min(everyone.scores[1:])
    assert everyone.summary().startswith(f"{len(found) + 1} mask(s): #1 all {len(found)} together")
    assert all(np.array_equal(a, b) for a, b in zip(second.masks, by_box.masks))
    with pytest.raises(ToolInputError, match=f"box_index 99 is out of range: {detection} has"):
        call(tools, ctx, "segment", image=wide, detection=detection, box_index=99)


def test_segment_point_outside_the_image_is_refused(tools, ctx, wide):
    with pytest.raises(ToolInputError, match=r"point \(330, 50\) is outside the 320x200 image"):
        call(tools, ctx, "segment", image=wide, points=[[330, 50]])
    with pytest.raises(ToolInputError, match="outside"):
        call(tools, ctx, "segment", image=wide, points=[[10, 200]])  # y == height


def test_segment_a_detection_that_found_nothing(tools, ctx, store, wide):
    nothing = call(tools, ctx, "detect", image=wide, labels=["cat"], threshold=1.0)
    detection = store.add("detection", nothing)

    with pytest.raises(ToolInputError) as err:
        call(tools, ctx, "segment", image=wide, detection=detection)
    assert str(err.value).startswith(f"{detection} found nothing")


def test_segment_everything_sorted_by_area(tools, ctx, wide):
    out = call(tools, ctx, "segment", image=wide, mode="everything")

    assert out.image_size == (320, 200) and out.masks
    areas = [int((m > 0).sum()) for m in out.masks]
    assert areas == sorted(areas, reverse=True) and areas[0] > 0
    for mask in out.masks:
        assert mask.shape == (200, 320) and mask.dtype == np.uint8


def test_everything_keeps_distinct_masks_largest_first(tiny_registry):
    # Random SAM masks overlap heavily; a loose overlap filter keeps several of them.
    found = tiny_registry.get("segmenter").everything(
        noise_image(320, 200, seed=5), points_per_side=8, min_score=0.0, iou_threshold=0.99
    )
    areas = found.masks.reshape(len(found.masks), -1).sum(1)

    assert found.masks.shape[1:] == (1, 200, 320) and len(areas) > 1
    assert (np.diff(areas) <= 0).all()


def test_sam_embedding_is_computed_once_per_image(tools, ctx, store, tiny_registry):
    sam = tiny_registry.get("segmenter")
    image = noise_image(200, 320, seed=41)  # tall, and seen by no other test
    first_id = store.add("image", image)
    before = sam.encode_count

    call(tools, ctx, "segment", image=first_id, points=[[50, 100]])
    assert sam.encode_count == before + 1
    cached = call(tools, ctx, "segment", image=first_id, points=[[120, 250], [20, 30, False]])
    again = call(tools, ctx, "segment", image=store.add("image", image.copy()), boxes=[[10, 10, 150, 300]])
    assert sam.encode_count == before + 1  # same pixels, another id: still cached

    fresh_registry = ModelRegistry(tiny_registry.settings)
    fresh_store = MemoryStore()
    fresh_ctx = ToolContext(fresh_registry, fresh_store)
    fresh_id = fresh_store.add("image", image)
    fresh = call(tools, fresh_ctx, "segment", image=fresh_id, points=[[120, 250], [20, 30, False]])
    fresh_box = call(tools, fresh_ctx, "segment", image=fresh_id, boxes=[[10, 10, 150, 300]])

    assert fresh_registry.get("segmenter").encode_count == 1
    assert all(np.array_equal(a, b) for a, b in zip(cached.masks, fresh.masks))
    assert all(np.array_equal(a, b) for a, b in zip(again.masks, fresh_box.masks))
    assert cached.scores == fresh.scores


# --- inpaint ----------------------------------------------------------------------------

BIG = (1600, 1200)


@pytest.fixture
def big(store) -> tuple[str, str, np.ndarray]:
    """A 1600x1200 noise image and a small mask off-centre: (image id, mask id, mask)."""
    mask = np.zeros((BIG[1], BIG[0]), np.uint8)
    mask[500:540, 700:760] = 255
    return store.add("image", noise_image(*BIG, seed=3)), store.add("mask", mask), mask


def _inpaint(tools, ctx, image, mask, **arguments):
    defaults = dict(prompt="a red ball", num_inference_steps=STEPS, seed=7)
    return call(tools, ctx, "inpaint", image=image, mask=mask, **{**defaults, **arguments})


def test_inpaint_changes_only_the_grown_mask(tools, ctx, store, big):
    image_id, mask_id, mask = big
    blend = 8

    out = _inpaint(tools, ctx, image_id, mask_id, blend=blend)

    result, original = out.images[0], store.image(image_id)
    assert result.size == BIG and result.mode == "RGB"
    before, after = pixels(original), pixels(result)
    outside = M.grow(mask, blend) == 0
    assert np.array_equal(after[outside], before[outside])  # byte-identical
    changed = (after != before).any(-1)
    assert changed[mask > 0].mean() > 0.9
    assert out.seeds == [7] and out.scores == [None]


def test_inpaint_seed_decides_the_pixels(tools, ctx, big):
    image_id, mask_id, _ = big

    first = _inpaint(tools, ctx, image_id, mask_id, seed=11).images[0]
    second = _inpaint(tools, ctx, image_id, mask_id, seed=11).images[0]
    other = _inpaint(tools, ctx, image_id, mask_id, seed=12).images[0]

    assert np.array_equal(pixels(first), pixels(second))
    assert not np.array_equal(pixels(first), pixels(other))


def test_inpaint_candidates_are_ranked_and_remade_alone(tools, ctx, big):
    image_id, mask_id, _ = big

    batch = _inpaint(tools, ctx, image_id, mask_id, seed=20, num_candidates=3)

    assert len(batch.images) == 3 and sorted(batch.seeds) == [20, 21, 22]
    assert all(isinstance(s, float) for s in batch.scores)
    assert batch.scores == sorted(batch.scores, reverse=True)
    for image, seed in zip(batch.images, batch.seeds):
        alone = _inpaint(tools, ctx, image_id, mask_id, seed=seed, num_candidates=1).images[0]
        # Batched CPU kernels may differ from single ones by a rounding step.
        assert np.abs(pixels(alone) - pixels(image)).max() <= 2, seed


def test_inpaint_reports_every_denoising_step(tools, ctx, tiny_registry, big):
    image_id, mask_id, _ = big
    seen = []
    ctx.on_progress = seen.append

    _inpaint(tools, ctx, image_id, mask_id)

    # PNDM (SD 1.x's scheduler) runs one step more than asked; progress counts what runs.
    ran = len(tiny_registry.get("inpainter").scheduler.timesteps)
    assert STEPS <= ran <= STEPS + 1
    assert [p.step for p in seen] == list(range(1, ran + 1))
    assert {(p.tool, p.total) for p in seen} == {("inpaint", ran)}


def test_inpaint_stops_when_cancelled(tools, ctx, big):
    image_id, mask_id, _ = big
    seen = []
    ctx.on_progress = seen.append
    ctx.cancel.set()

    with pytest.raises(InterruptedError_, match="stopped by the user"):
        _inpaint(tools, ctx, image_id, mask_id)
    assert len(seen) >= 1  # it ran into the first step's callback, then stopped


def test_inpaint_refuses_empty_and_wrong_size_masks(tools, ctx, store, big):
    image_id, _, _ = big
    empty = store.add("mask", np.zeros((BIG[1], BIG[0]), np.uint8))
    small = store.add("mask", np.full((100, 200), 255, np.uint8))

    with pytest.raises(ToolInputError, match="inpaint: the mask is empty"):
        _inpaint(tools, ctx, image_id, empty)
    with pytest.raises(ImageError, match="mask is 200x100 but the image is 1600x1200"):
        _inpaint(tools, ctx, image_id, small)


def test_inpaint_at_the_image_edge_on_a_non_square_image(tools, ctx, store):
    mask = np.zeros((90, 300), np.uint8)
    mask[70:90, 280:300] = 255  # bottom-right corner
    image = store.add("image", noise_image(300, 90, seed=8))

    out = _inpaint(tools, ctx, image, store.add("mask", mask), blend=4)

    before, after = pixels(store.image(image)), pixels(out.images[0])
    assert out.images[0].size == (300, 90)
    outside = M.grow(mask, 4) == 0
    assert np.array_equal(after[outside], before[outside])
    assert (after[mask > 0] != before[mask > 0]).any()


# --- remove, generate, rank --------------------------------------------------------------


def test_remove_keeps_size_outside_and_seed(tools, ctx, store):
    """The diffusion backend: seeded like inpaint (the default eraser is tested in test_eraser)."""
    image_id = store.add("image", noise_image(200, 150, seed=9))
    mask = np.zeros((150, 200), np.uint8)
    mask[60:90, 80:120] = 255
    mask_id = store.add("mask", mask)
    args = dict(
        image=image_id, mask=mask_id, object="cat", grow=6, num_inference_steps=STEPS, backend="diffusion"
    )

    first = call(tools, ctx, "remove", seed=5, **args)
    second = call(tools, ctx, "remove", seed=5, **args)
    other = call(tools, ctx, "remove", seed=6, **args)

    result = first.images[0]
    assert result.size == (200, 150) and first.seeds == [5]
    before, after = pixels(store.image(image_id)), pixels(result)
    outside = M.grow(mask, 6) == 0
    assert np.array_equal(after[outside], before[outside])
    assert (after[mask > 0] != before[mask > 0]).any(-1).mean() > 0.9
    assert np.array_equal(after, pixels(second.images[0]))
    assert not np.array_equal(after, pixels(other.images[0]))


def test_generate_sizes_and_seed(tools, ctx):
    default = call(tools, ctx, "generate", prompt="a cat", num_inference_steps=STEPS, seed=1)
    wide = call(
        tools, ctx, "generate", prompt="a cat", num_inference_steps=STEPS, seed=1, width=96, height=64
    )
    again = call(tools, ctx, "generate", prompt="a cat", num_inference_steps=STEPS, seed=1)
    other = call(tools, ctx, "generate", prompt="a cat", num_inference_steps=STEPS, seed=2)

    assert default.images[0].size == (64, 64)  # the tiny UNet's native size
    assert wide.images[0].size == (96, 64)
    assert np.array_equal(pixels(default.images[0]), pixels(again.images[0]))
    assert not np.array_equal(pixels(default.images[0]), pixels(other.images[0]))
    assert default.summary().startswith("1 image(s) 64x64: #1 seed 1")


def test_generate_candidates_are_ranked_and_remade_alone(tools, ctx):
    args = dict(prompt="a cat", num_inference_steps=STEPS)
    batch = call(tools, ctx, "generate", seed=30, num_candidates=2, **args)

    assert sorted(batch.seeds) == [30, 31]
    assert batch.scores == sorted(batch.scores, reverse=True)
    for image, seed in zip(batch.images, batch.seeds):
        alone = call(tools, ctx, "generate", seed=seed, **args).images[0]
        assert np.abs(pixels(alone) - pixels(image)).max() <= 2, seed


def test_rank_gives_one_score_per_image_in_order(tools, ctx, store):
    ids = [store.add("image", noise_image(64 + 8 * i, 48, seed=i)) for i in range(3)]

    out = call(tools, ctx, "rank", images=ids, text="a cat")
    reordered = call(tools, ctx, "rank", images=[ids[2], ids[0], ids[1]], text="a cat")
    repeated = call(tools, ctx, "rank", images=[ids[1], ids[1]], text="a cat")

    assert len(out.scores) == 3 and all(-100.0 <= s <= 100.0 for s in out.scores)
    assert len(set(out.scores)) == 3
    assert reordered.scores == pytest.approx([out.scores[2], out.scores[0], out.scores[1]], abs=1e-3)
    assert repeated.scores[0] == repeated.scores[1] == pytest.approx(out.scores[1], abs=1e-3)


# --- model loading ----------------------------------------------------------------------


def test_each_model_loads_once_across_calls(tools, tiny_registry):
    registry = ModelRegistry(tiny_registry.settings)
    store = MemoryStore()
    ctx = ToolContext(registry, store)
    image = store.add("image", noise_image(96, 64, seed=2))
    mask = np.zeros((64, 96), np.uint8)
    mask[20:40, 30:60] = 255
    mask_id = store.add("mask", mask)

    for _ in range(2):
        call(tools, ctx, "detect", image=image, labels=["cat"])
        call(tools, ctx, "segment", image=image, points=[[10, 10]])
        call(tools, ctx, "inpaint", image=image, mask=mask_id, prompt="x", num_inference_steps=1, seed=1)
        call(tools, ctx, "generate", prompt="x", num_inference_steps=1, seed=1)
        call(tools, ctx, "rank", images=[image], text="x")

    assert dict(registry.load_counts) == {role: 1 for role in ROLES}
    assert all(registry.get(role) is registry.get(role) for role in ROLES)
    assert registry.get("segmenter").encode_count == 1


def test_roles_asked_for_at_once_from_several_threads_all_load(tiny_registry):
    # A request arriving while the UI warms models up in the background: before loads
    # were serialised, concurrent from_pretrained calls broke each other ("meta tensor").
    import threading

    # Two registries too (a UI session's and a training run's in one process).
    registry, other, failures = (
        ModelRegistry(tiny_registry.settings),
        ModelRegistry(tiny_registry.settings),
        [],
    )
    asks = [
        (registry, "generator"),
        (registry, "ranker"),
        (registry, "detector"),
        (registry, "generator"),
        (other, "generator"),
        (other, "inpainter"),
    ]
    barrier = threading.Barrier(len(asks))

    def load(models: ModelRegistry, role: str) -> None:
        barrier.wait()
        try:
            models.get(role)
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            failures.append(f"{role}: {type(err).__name__}: {err}"[:200])

    threads = [threading.Thread(target=load, args=ask) for ask in asks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert dict(registry.load_counts) == {"generator": 1, "ranker": 1, "detector": 1}
    assert dict(other.load_counts) == {"generator": 1, "inpainter": 1}


def test_channels_last_changes_the_layout_not_the_picture(tools, tiny_registry):
    settings = tiny_registry.settings.model_copy(update={"channels_last": "on"})
    nhwc = ModelRegistry(settings)
    pipeline = nhwc.get("generator")
    weight = pipeline.unet.conv_in.weight
    assert weight.is_contiguous(memory_format=torch.channels_last) and not weight.is_contiguous()
    # "auto" on the CPU leaves the default layout
    assert tiny_registry.get("generator").unet.conv_in.weight.is_contiguous()
    args = dict(prompt="x", num_inference_steps=2, seed=4)
    ours = call(tools, ToolContext(nhwc, MemoryStore()), "generate", **args).images[0]
    plain = call(tools, ToolContext(tiny_registry, MemoryStore()), "generate", **args).images[0]
    assert np.abs(pixels(ours) - pixels(plain)).max() <= 2


def _one_sentence(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message and not re.search(r"[.;:]\s+[A-Z]", message), message
    return message


def test_missing_model_folder_names_it(tiny_registry, tmp_path):
    folder = tmp_path / "no-such-sam"
    settings = tiny_registry.settings.model_copy(update={"segmenter": SegmenterSpec(model=str(folder))})

    with pytest.raises(ModelMissingError) as err:
        ModelRegistry(settings).get("segmenter")

    message = _one_sentence(err)
    assert str(folder) in message and "does not exist" in message and "segmenter.model" in message


def test_uncached_hub_id_offline_says_how_to_pull(tools, tiny_registry, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = tiny_registry.settings.model_copy(
        update={"detector": DetectorSpec(model="nobody/does-not-exist")}
    )
    store = MemoryStore()
    ctx = ToolContext(ModelRegistry(settings), store)

    with pytest.raises(ModelMissingError) as err:
        call(tools, ctx, "detect", image=store.add("image", noise_image(32, 32)), labels=["cat"])

    message = _one_sentence(err)
    assert "'nobody/does-not-exist'" in message
    assert "`pixelsmith models pull detector`" in message and "HF_HUB_OFFLINE" in message
