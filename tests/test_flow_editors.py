"""Issue 27: the flow-matching editors behind `instruct` (FLUX.1 Kontext, FLUX.2 [klein]) on
tiny checkpoints of their real layouts: the plain diffusers call as the oracle, the
working size from the model's own resolutions, byte-identical pixels outside a grown mask,
reference photos reaching the pipeline, and bad input in one sentence."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from pixelsmith import masks as M
from pixelsmith.config import load_settings
from pixelsmith.editor_backends import PIPELINES
from pixelsmith.errors import ToolInputError
from pixelsmith.models import ModelRegistry
from pixelsmith.testing import noise_image
from pixelsmith.tools import ToolContext, default_tools
from pixelsmith.tools.editing import KONTEXT_SIZES, KONTEXT_TRUE_CFG, fit_reference, side_by_side, work_size

AREA = 64 * 64  # editor.max_pixels for the tests: Kontext's list scaled to a 64 px square


@pytest.fixture(scope="module", params=["flux-kontext", "flux2-klein", "qwen-image-edit"])
def flow(request, tiny_config, tiny_dir):
    backend = request.param
    settings = load_settings(
        tiny_config, editor={"backend": backend, "model": str(tiny_dir / backend), "max_pixels": AREA}
    )
    return backend, ModelRegistry(settings)


@pytest.fixture
def flow_ctx(flow, store):
    return ToolContext(flow[1], store)


def _instruct(ctx: ToolContext, **args):
    tool = default_tools().get("instruct")
    return tool.run(tool.validate(args), ctx)


def _px(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def _plain(backend: str, pipeline, picture: Image.Image, prompt: str, seed: int, steps: int, **extra):
    """The plain pipeline call, as its documentation writes it; other keywords go to the call."""
    generator = [torch.Generator("cpu").manual_seed(seed)]
    width, height = picture.size
    common = dict(prompt=prompt, num_inference_steps=steps, height=height, width=width, generator=generator)
    with torch.inference_mode():
        if backend == "flux-kontext":
            image = extra.pop("sheet", picture)
            return pipeline(image=image, **{"guidance_scale": 2.5, **extra}, max_area=width * height,
                            _auto_resize=False, **common).images[0]  # fmt: skip
        images = [picture, *(fit_reference(r, picture) for r in extra.pop("references", []))]
        if backend == "qwen-image-edit":  # its documented call: true CFG with a blank negative prompt
            return pipeline(image=images, **{"negative_prompt": " ", "true_cfg_scale": 4.0, **extra},
                            **common).images[0]  # fmt: skip
        return pipeline(image=images, **{"guidance_scale": 1.0, **extra}, **common).images[0]


def test_whole_image_equals_the_plain_pipeline_call(flow, flow_ctx):
    backend, registry = flow
    photo = noise_image(120, 72, seed=3)  # 5:3, not square
    ours = _instruct(flow_ctx, image=flow_ctx.store.add("image", photo), prompt="make it winter",
                     seed=5, num_inference_steps=2).images[0]  # fmt: skip
    pipeline = registry.get("editor")
    assert type(pipeline).__name__ == PIPELINES[backend]
    work = work_size(backend, pipeline, photo.size, AREA)
    plain = _plain(backend, pipeline, photo.resize(work, Image.LANCZOS), "make it winter", 5, 2)
    assert plain.size == work and ours.size == photo.size
    assert np.abs(_px(ours) - _px(plain.resize(photo.size, Image.LANCZOS))).max() <= 1
    loads = registry.load_counts["editor"]
    _instruct(flow_ctx, image=flow_ctx.store.add("image", photo), prompt="again", num_inference_steps=2)
    assert registry.load_counts["editor"] == loads == 1  # kept warm, loaded once


def test_inside_a_mask_only_the_grown_mask_changes(flow_ctx):
    photo = noise_image(140, 90, seed=8)
    mask = np.zeros((90, 140), np.uint8)
    mask[30:60, 80:125] = 255
    out = _instruct(flow_ctx, image=flow_ctx.store.add("image", photo), mask=flow_ctx.store.add("mask", mask),
                    prompt="make it gold", seed=1, num_inference_steps=2, blend=4).images[0]  # fmt: skip
    outside = M.grow(mask, 4) == 0
    assert out.size == photo.size
    assert (_px(out)[outside] == _px(photo)[outside]).all()
    assert (_px(out)[mask > 0] != _px(photo)[mask > 0]).any()


def test_a_reference_photo_reaches_the_pipeline(flow, flow_ctx):
    backend, registry = flow
    photo, dog = noise_image(96, 64, seed=2), noise_image(50, 80, seed=9)
    ids = flow_ctx.store.add("image", photo), flow_ctx.store.add("image", dog)
    args = dict(prompt="put the dog from the second photo on the sofa", seed=3, num_inference_steps=2)
    ours = _instruct(flow_ctx, image=ids[0], references=[ids[1]], **args).images[0]
    alone = _instruct(flow_ctx, image=ids[0], **args).images[0]
    assert (_px(ours) != _px(alone)).any()  # the reference changed what was made
    pipeline = registry.get("editor")
    work = work_size(backend, pipeline, photo.size, AREA)
    picture = photo.resize(work, Image.LANCZOS)
    extra = {"sheet": side_by_side(picture, [dog])} if backend == "flux-kontext" else {"references": [dog]}
    plain = _plain(backend, pipeline, picture, args["prompt"], 3, 2, **extra)
    assert np.abs(_px(ours) - _px(plain.resize(photo.size, Image.LANCZOS))).max() <= 1


def test_a_negative_prompt_reaches_each_editor_that_guides(flow, flow_ctx):
    """Kontext through true CFG, Qwen-Image-Edit as its own negative prompt, klein only where
    the checkpoint is undistilled (base) and guidance is above 1: its distilled default ignores it."""
    backend, registry = flow
    photo = noise_image(96, 64, seed=4)
    args = dict(
        image=flow_ctx.store.add("image", photo), prompt="make it winter", seed=2, num_inference_steps=2
    )
    pipeline = registry.get("editor")
    picture = photo.resize(work_size(backend, pipeline, photo.size, AREA), Image.LANCZOS)
    if backend == "flux2-klein":
        assert pipeline.config.is_distilled  # the 4B default: no guidance, so no negative prompt
        alone = _instruct(flow_ctx, **args).images[0]
        assert (_px(_instruct(flow_ctx, negative_prompt="snow", **args).images[0]) == _px(alone)).all()
        pipeline.register_to_config(is_distilled=False)  # as FLUX.2 [klein] base
        try:
            ours = _instruct(flow_ctx, negative_prompt="snow", guidance_scale=3.0, **args).images[0]
            blank = _instruct(flow_ctx, guidance_scale=3.0, **args).images[0]
            with torch.inference_mode():
                embeds = pipeline.encode_prompt("snow", device="cpu")[0]
            plain = _plain(backend, pipeline, picture, "make it winter", 2, 2, guidance_scale=3.0,
                           negative_prompt_embeds=embeds)  # fmt: skip
        finally:
            pipeline.register_to_config(is_distilled=True)
    else:
        ours = _instruct(flow_ctx, negative_prompt="snow", **args).images[0]
        blank = _instruct(flow_ctx, **args).images[0]
        extra = {"negative_prompt": "snow"}
        if backend == "flux-kontext":
            extra["true_cfg_scale"] = KONTEXT_TRUE_CFG
        plain = _plain(backend, pipeline, picture, "make it winter", 2, 2, **extra)
    assert (_px(ours) != _px(blank)).any()  # the negative prompt changed what was made
    assert np.abs(_px(ours) - _px(plain.resize(photo.size, Image.LANCZOS))).max() <= 1


def test_kontext_sizes_come_from_its_own_list():
    assert work_size("flux-kontext", None, (4000, 3000), None) == (
        1184,
        880,
    )  # 4:3 → its nearest trained size
    assert work_size("flux-kontext", None, (1000, 1000), None) == (1024, 1024)
    assert work_size("flux-kontext", None, (600, 1400), None) == (672, 1568)
    w, h = work_size("flux-kontext", None, (4000, 3000), 512 * 512)  # scaled to the area asked for
    assert (w, h) == (592, 448) and w % 16 == h % 16 == 0
    assert all(w % 16 == h % 16 == 0 for w, h in KONTEXT_SIZES)
    w, h = work_size("flux2-klein", None, (4000, 3000), None)
    assert (
        w % 16 == h % 16 == 0 and abs(w * h - 1024 * 1024) < 0.03 * 1024 * 1024 and abs(w / h - 4 / 3) < 0.02
    )


def test_too_many_references_or_none_taken_is_one_sentence(flow_ctx, ctx):
    photo = noise_image(64, 64, seed=1)
    ids = [flow_ctx.store.add("image", photo) for _ in range(5)]
    with pytest.raises(ToolInputError, match="reference photo") as err:
        _instruct(ctx, image=ids[0], references=[ids[1]], prompt="like this one")  # InstructPix2Pix: none
    assert "flux2-klein" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(Exception, match="references"):
        _instruct(flow_ctx, image=ids[0], references=ids[1:5], prompt="like these")  # at most 3 in the schema
    with pytest.raises(ToolInputError, match="not an image|unknown|no image"):
        _instruct(flow_ctx, image=ids[0], references=["mask-9"], prompt="like this one")


def test_qwen_image_edit_refuses_one_step_in_one_sentence(flow, flow_ctx):
    backend, _ = flow
    image = flow_ctx.store.add("image", noise_image(96, 64, seed=4))
    if backend != "qwen-image-edit":
        assert _instruct(flow_ctx, image=image, prompt="make it winter", num_inference_steps=1).images
        return
    with pytest.raises(ToolInputError, match="at least 2 denoising steps, not 1"):
        _instruct(flow_ctx, image=image, prompt="make it winter", num_inference_steps=1)


def test_every_picture_made_is_a_picture(flow, flow_ctx):
    """Not a black or flat frame: the tiny models' pixels are noise, but they vary."""
    out = _instruct(flow_ctx, image=flow_ctx.store.add("image", noise_image(96, 64, seed=6)),
                    prompt="make it winter", seed=2, num_inference_steps=2).images[0]  # fmt: skip
    assert _px(out).std() > 5


def test_the_memory_table_comes_from_the_real_configs():
    """The README's editor sizes, built on the meta device: the published sizes (12 B Kontext
    transformer, T5-XXL's 4.7 B, Qwen-Image's 20 B, klein's 4 B + Qwen3-4B, SD 1.5's 0.86 B UNet)."""
    from pixelsmith.testing.full_editors import editor_sizes

    sizes = {b: {k.split(" ")[0]: v / 1e9 for k, v in parts.items()} for b, parts in editor_sizes().items()}
    assert (
        11.8 < sizes["flux-kontext"]["transformer"] < 12.0
        and 4.7 < sizes["flux-kontext"]["text_encoder_2"] < 4.8
    )
    assert (
        20.3 < sizes["qwen-image-edit"]["transformer"] < 20.5
        and 8.2 < sizes["qwen-image-edit"]["text_encoder"] < 8.4
    )
    assert (
        3.8 < sizes["flux2-klein"]["transformer"] < 4.0 and 4.0 < sizes["flux2-klein"]["text_encoder"] < 4.1
    )
    assert 0.85 < sizes["diffusers"]["unet"] < 0.87
