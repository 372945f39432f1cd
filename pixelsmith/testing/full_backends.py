"""Full-size random-weight builds of the alternative backends (issue 13), for timing:
SAM 2.1 Hiera tiny and small, SAM 3, Grounding DINO tiny (Swin-T, BERT-base) and SDXL's
UNet. The configs are the public checkpoints' (`facebook/sam2.1-hiera-*`, `facebook/sam3`,
`IDEA-Research/grounding-dino-tiny`, `stabilityai/stable-diffusion-xl-base-1.0/unet`)."""

from __future__ import annotations

from typing import Any

import torch

from pixelsmith.testing.full import _cast, _on

SAM2_VARIANTS: dict[str, dict[str, Any]] = {  # Hiera backbones; the rest is Sam2Config's default
    "sam2.1-tiny": dict(blocks_per_stage=[1, 2, 7, 2], global_attention_blocks=[5, 7, 9]),
    "sam2.1-small": dict(blocks_per_stage=[1, 2, 11, 2], global_attention_blocks=[7, 10, 13]),
}
SDXL_UNET = dict(
    sample_size=128, out_channels=4, block_out_channels=(320, 640, 1280), layers_per_block=2,
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    transformer_layers_per_block=(1, 2, 10), attention_head_dim=(5, 10, 20), cross_attention_dim=2048,
    use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816,
)  # fmt: skip
BERT_VOCAB = 30522  # bert-base-uncased


def build_sam2(variant: str = "sam2.1-tiny", *, device: str | torch.device = "cpu", dtype=torch.float32):
    """SAM 2.1 at 1024 px; returns (model, processor)."""
    from transformers import Sam2Config, Sam2HieraDetConfig, Sam2Model, Sam2Processor, Sam2VisionConfig

    if variant not in SAM2_VARIANTS:
        raise ValueError(f"SAM 2 variant must be one of {', '.join(SAM2_VARIANTS)}, got {variant!r}")
    vision = Sam2VisionConfig(backbone_config=Sam2HieraDetConfig(**SAM2_VARIANTS[variant]))
    with _on(device):
        model = Sam2Model(Sam2Config(vision_config=vision))
    from transformers import Sam2ImageProcessor

    return _cast(model, dtype), Sam2Processor(image_processor=Sam2ImageProcessor())


def bert_tokenizer():
    """An uncased word-piece tokenizer with bert-base's vocabulary size (30522)."""
    from transformers import BertTokenizerFast

    from pixelsmith.testing.tiny_backends import _bert_vocabulary

    pieces = list(_bert_vocabulary())
    pieces += [f"[unused{i}]" for i in range(BERT_VOCAB - len(pieces))]
    return BertTokenizerFast(
        vocab={p: i for i, p in enumerate(pieces)}, do_lower_case=True, model_max_length=512
    )


def build_grounding_dino(*, device: str | torch.device = "cpu", dtype=torch.float32):
    """Grounding DINO tiny (GroundingDinoConfig's defaults: Swin-T, BERT-base, 900 queries,
    256 text positions); returns (model, processor)."""
    from transformers import (
        GroundingDinoConfig,
        GroundingDinoForObjectDetection,
        GroundingDinoImageProcessor,
        GroundingDinoProcessor,
    )

    with _on(device):
        model = GroundingDinoForObjectDetection(GroundingDinoConfig())
    processor = GroundingDinoProcessor(
        image_processor=GroundingDinoImageProcessor(), tokenizer=bert_tokenizer()
    )
    return _cast(model, dtype), processor


def build_sdxl_unet(*, inpainting: bool = False, device: str | torch.device = "cpu", dtype=torch.float32):
    """SDXL's UNet (2.6 B parameters; 9 input channels for the inpainting one)."""
    from diffusers import UNet2DConditionModel

    with _on(device):
        unet = UNet2DConditionModel(in_channels=9 if inpainting else 4, **SDXL_UNET)
    return _cast(unet, dtype)


def build_sam3(*, device: str | torch.device = "cpu", dtype=torch.float32):
    """SAM 3 as `facebook/sam3` is built (`Sam3Config`'s and `Sam3TrackerConfig`'s defaults:
    a 32-layer ViT-L at 1008 px, a 24-layer CLIP text encoder, 200 queries), the tracker on
    the detector's backbone as the loader shares it; returns a `Sam3Segmenter`."""
    from transformers import (
        Sam3Config,
        Sam3ImageProcessor,
        Sam3Model,
        Sam3Processor,
        Sam3TrackerConfig,
        Sam3TrackerModel,
        Sam3TrackerProcessor,
    )

    from pixelsmith.models.sam3 import Sam3Segmenter
    from pixelsmith.testing.tiny import tiny_tokenizer

    with _on(device):
        detector = Sam3Model(Sam3Config())
        tracker = Sam3TrackerModel(Sam3TrackerConfig())
    tracker.vision_encoder.backbone = detector.vision_encoder.backbone
    text = Sam3Processor(image_processor=Sam3ImageProcessor(), tokenizer=tiny_tokenizer(max_length=32))
    points = Sam3TrackerProcessor(image_processor=Sam3ImageProcessor())
    on = dict(device=torch.device(device), dtype=dtype)
    return Sam3Segmenter(_cast(tracker, dtype), points, _cast(detector, dtype), text, **on)
