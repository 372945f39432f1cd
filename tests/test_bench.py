"""`pixelsmith bench`: the tiny benchmark end to end, and the full-size builders' sizes."""

from __future__ import annotations

import json
import math

import pytest

from pixelsmith.bench import BenchOptions, BenchReport, Figure, format_table, run_benchmark
from pixelsmith.cli import main

FIGURES = {
    "planner.first_call_cold",
    "planner.first_call_restart",
    "planner.first_call",
    "planner.two_calls",
    "planner.decode",
    "planner.decode_jump",
    "planner.grammar_share",
    "planner.peak_memory",
    "detector.forward",
    "sam.encode",
    "sam.click",
    "sam.clicks_total",
    "sam.encodes",
    "inpaint.steps_per_s",
    "inpaint.seconds",
    "inpaint.preview",
    "inpaint.reference",
    "turn.seconds",
    "turn.overhead",
    "loads.count",
    "loads.seconds",
    "lora.step",
    "lora.peak_memory",
    "edits.remove",
    "edits.restyle",
    "edits.instruct",
    "edits.outpaint",
    "backends.sam.encode",
    "backends.sam.click",
    "backends.sam2.1-tiny.encode",
    "backends.sam2.1-tiny.click",
    "backends.sam3.encode",
    "backends.sam3.click",
    "backends.sam3.find",
    "backends.owlv2.detect",
    "backends.grounding-dino.detect",
    "backends.sd15.unet_step",
    "photo.adjust",
    "photo.rotate",
    "photo.upscale",
    "backends.sdxl.unet_step",
}
NO_PLAIN = {  # pixelsmith-only figures (memory: CUDA only; encodes and UNet steps: the same call)
    "planner.first_call_cold",
    "planner.first_call_restart",
    "planner.first_call",
    "planner.two_calls",
    "planner.grammar_share",
    "planner.peak_memory",
    "turn.overhead",
    "lora.peak_memory",
    "backends.sam.encode",
    "backends.sam2.1-tiny.encode",
    "backends.sam3.encode",
    "backends.sd15.unet_step",
    "backends.sdxl.unet_step",
}


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def test_tiny_bench_reports_every_figure_beside_the_plain_way(capsys):
    assert main(["bench", "--architecture", "tiny", "--json"]) == 0
    figures = {f["key"]: f for f in json.loads(capsys.readouterr().out)}
    assert set(figures) == FIGURES
    for key, figure in figures.items():
        assert _is_number(figure["pixelsmith"]) and figure["pixelsmith"] >= 0, figure
        if key not in NO_PLAIN:
            assert _is_number(figure["plain"]) and figure["ratio"] > 0, figure
    # SAM: one image encode answers every click; the plain way encodes once per click.
    encodes = figures["sam.encodes"]
    assert encodes["pixelsmith"] == encodes["detail"]["encode_count"] == 1
    assert encodes["plain"] == encodes["detail"]["clicks"] == 5
    # The turn ran the sample plan, and each role it used loaded once over the 10 turns.
    assert figures["turn.seconds"]["detail"]["plan"] == ["detect", "segment", "inpaint"]
    loads = figures["loads.count"]
    assert {"detector", "segmenter", "inpainter"} <= set(loads["detail"]["roles"])
    assert loads["pixelsmith"] == len(loads["detail"]["roles"])
    assert loads["plain"] == 10 * len(loads["detail"]["roles"])
    width, height = figures["inpaint.steps_per_s"]["detail"]["work_size"]
    assert width != height  # a non-square photo, worked at its own aspect ratio


def test_bad_options_are_one_line_errors(capsys):
    assert main(["bench", "--only", "detector,nope"]) == 2
    said = capsys.readouterr().err
    groups = "detector, sam, inpaint, turn, lora, edits, backends, everyday, planner"
    assert f"only must name {groups} (or one edit, as edits.instruct), got detector, nope" in said
    assert main(["bench", "--architecture", "huge"]) == 2


def test_one_edit_can_be_measured_alone():
    """`--only edits.instruct`: the editor's figure, and no other edit's models loaded."""
    options = BenchOptions(only=("edits.instruct",))
    assert options.measures("edits") and options.measures("edits", "instruct")
    assert not options.measures("edits", "remove") and not options.measures("sam")
    report = run_benchmark(BenchOptions(only=("edits.instruct",), steps=1, repeats=1))
    assert [f.key for f in report.figures] == ["edits.instruct"]
    assert report.figures[0].pixelsmith and report.figures[0].plain


def test_table_shows_ratios_and_not_applicable():
    report = BenchReport(
        "tiny (random weights)",
        "cpu",
        "float32",
        4,
        [
            Figure("sam.click", "SAM click", "ms", 2.0, 50.0),
            Figure("inpaint.steps_per_s", "inpaint", "steps/s", 20.0, 10.0, lower_is_better=False),
            Figure("lora.step", "DreamBooth-LoRA step", "s", None, note="n/a (no GPU)"),
        ],
    )
    table = format_table(report)
    assert "25.00x" in table and "2.00x" in table
    assert "DreamBooth-LoRA step: n/a (no GPU)" in table
    assert report.records()[0]["ratio"] == 25.0


def _millions(module) -> float:
    from pixelsmith.testing.full import parameter_count

    return parameter_count(module) / 1e6


def test_full_builders_have_the_published_sizes():
    """Built on the meta device: shapes without memory or initialisation."""
    from pixelsmith.testing import full

    owl, processor = full.build_owlv2(device="meta")
    assert _millions(owl) == pytest.approx(155.0, abs=0.5)  # owlv2-base-patch16
    assert owl.config.vision_config.image_size == 960 and owl.config.vision_config.patch_size == 16
    assert len(processor.tokenizer) == 49408
    assert len(processor(text=[["a photo of a cat"]], return_tensors="pt")["input_ids"][0]) == 16
    sam_b, _ = full.build_sam("vit-b", device="meta")
    assert _millions(sam_b.vision_encoder) == pytest.approx(89.7, abs=0.5)
    assert _millions(sam_b) == pytest.approx(93.7, abs=0.5)  # facebook/sam-vit-base
    sam_h, _ = full.build_sam("vit-h", device="meta")
    assert _millions(sam_h) == pytest.approx(641.1, abs=0.5)  # facebook/sam-vit-huge
    assert sam_h.config.vision_config.global_attn_indexes == [7, 15, 23, 31]
    parts = full.build_sd15_parts(device="meta")
    assert _millions(parts["vae"]) == pytest.approx(83.7, abs=0.5)
    assert _millions(parts["text_encoder"]) == pytest.approx(123.1, abs=0.5)  # CLIP ViT-L/14 text
    unet = full.build_sd15_unet(inpainting=True, device="meta")
    assert _millions(unet) == pytest.approx(859.5, abs=0.5)  # SD 1.5 inpainting UNet
    assert unet.config.in_channels == 9 and unet.config.sample_size == 64
    editor = full.build_sd15_unet(in_channels=8, device="meta")  # timbrooks/instruct-pix2pix's UNet
    assert editor.config.in_channels == 8 and _millions(editor) == pytest.approx(859.5, abs=0.5)
    assert _millions(full.build_clip(device="meta")[0]) == pytest.approx(151.3, abs=0.5)  # ViT-B/32
    import torch
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    with torch.device("meta"):  # h94/IP-Adapter's models/image_encoder (its model.safetensors: 2.53 GB fp32)
        encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(**full.VIT_H))
    assert _millions(encoder) == pytest.approx(632.1, abs=0.5)


def test_the_full_registry_builds_klein_in_the_editors_dtype_and_refuses_the_larger_editors():
    """`editor.backend = "flux2-klein"` times FLUX.2 [klein] 4B (built here on the meta
    device: its published sizes, in bf16); Kontext and Qwen-Image-Edit are refused by name."""
    import torch

    from pixelsmith.config import load_settings
    from pixelsmith.errors import UserError
    from pixelsmith.testing.full import FullRegistry
    from pixelsmith.testing.full_editors import build_full_klein

    klein = build_full_klein(device="meta", dtype=torch.bfloat16)
    assert type(klein).__name__ == "Flux2KleinPipeline" and klein.config.is_distilled
    assert klein.transformer.dtype == torch.bfloat16 and klein.text_encoder.dtype == torch.bfloat16
    assert _millions(klein.transformer) == pytest.approx(3875.5, abs=1)
    assert _millions(klein.text_encoder) == pytest.approx(4022.5, abs=1)  # Qwen3-4B, tied embeddings
    assert torch.get_default_dtype() == torch.float32  # put back after the build
    from pixelsmith.bench.plain import plain_pipeline

    assert plain_pipeline(klein).config.is_distilled  # the plain call's pipeline: no guidance pass
    settings = load_settings(None, device="cpu", editor={"backend": "qwen-image-edit"})
    with pytest.raises(UserError, match="not 'qwen-image-edit'"):
        FullRegistry(settings).get("editor")


def test_the_plain_baseline_gets_none_of_pixelsmiths_layout_changes(tiny_registry):
    """With channels_last on, pixelsmith's UNet and VAE are NHWC; the plain call runs on
    contiguous copies (made once), as `from_pretrained` would give a user."""
    import torch

    from pixelsmith.bench.plain import plain_parts
    from pixelsmith.models import ModelRegistry

    models = ModelRegistry(tiny_registry.settings.model_copy(update={"channels_last": "on"}))
    pipeline = models.get("inpainter")
    parts = plain_parts(pipeline)
    for ours, plain in ((pipeline.unet.conv_in, parts["unet"].conv_in),
                        (pipeline.vae.encoder.conv_in, parts["vae"].encoder.conv_in)):  # fmt: skip
        ours, plain = ours.weight, plain.weight
        assert ours.is_contiguous(memory_format=torch.channels_last) and not ours.is_contiguous()
        assert plain.is_contiguous() and torch.equal(ours, plain)
    assert parts["text_encoder"] is pipeline.text_encoder and plain_parts(pipeline) is parts
    default = ModelRegistry(tiny_registry.settings).get("inpainter")  # nothing changed: no copies
    assert plain_parts(default)["unet"] is default.unet
