"""Tiny random checkpoints of the alternative backends (issue 13): Grounding DINO for the
detector, SAM 2.1 and SAM 3 for the segmenter, SDXL for the inpainter and generator.

Each keeps what behaviour depends on from its real model: Grounding DINO's 256 text
positions, BERT-style uncased word pieces and 800/1333 px resizing; SAM 2's 1024 px square
input; SAM 3's one checkpoint of two models (the text detector and the point tracker,
sharing one backbone) and its 32 CLIP text positions; SDXL's two text encoders, pooled text
embedding and size conditioning.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import torch

from pixelsmith.testing.tiny_editors import build_klein, build_kontext, build_qwen_edit

SAM3_SIZE = 224  # px: the tiny SAM 3's square input (16x16 patches of 14 px)
ALTERNATIVES = {
    "grounding-dino": "detector",
    "sam2": "segmenter",
    "sam3": "segmenter",
    "sdxl-inpaint": "inpainter",
    "sdxl": "generator",
    "lcm-lora-xl": "preview",
    "flux-kontext": "editor",
    "flux2-klein": "editor",
    "qwen-image-edit": "editor",
}  # folder under the tiny root: its role (the editors' folders are named as their backends)
BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@cache
def _bert_vocabulary() -> tuple[str, ...]:
    """Word pieces of an uncased BERT vocabulary in miniature: the everyday words whole (as
    bert-base-uncased has them), then letters and digits alone and as continuations."""
    import string

    from pixelsmith.testing.words import vocabulary

    words = sorted({w for line in vocabulary() for w in line.lower().split() if w.isalpha()})
    symbols = list(string.ascii_lowercase + string.digits + ".,'-!?")
    return tuple(dict.fromkeys([*BERT_SPECIALS, *symbols, *("##" + c for c in symbols[:36]), *words]))


def tiny_bert_tokenizer():
    """A BERT word-piece tokenizer over `_bert_vocabulary`, uncased, 512 positions."""
    from transformers import BertTokenizerFast

    vocab = {piece: i for i, piece in enumerate(_bert_vocabulary())}
    return BertTokenizerFast(vocab=vocab, do_lower_case=True, model_max_length=512)


def build_grounding_dino(out: Path, *, mm: bool = False) -> Path:
    """Grounding DINO (or, with `mm`, MM-Grounding-DINO) with a one-stage-per-level Swin and a
    one-layer BERT, its real text length (256) and image processor (shortest edge 800,
    longest 1333)."""
    from transformers import (
        GroundingDinoConfig,
        GroundingDinoForObjectDetection,
        GroundingDinoImageProcessor,
        GroundingDinoProcessor,
        MMGroundingDinoConfig,
        MMGroundingDinoForObjectDetection,
        SwinConfig,
    )

    torch.manual_seed(0)
    tokenizer = tiny_bert_tokenizer()
    swin = SwinConfig(
        embed_dim=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1], window_size=7, out_indices=[2, 3, 4]
    )
    text = dict(
        model_type="bert", vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=32, max_position_embeddings=512,
    )  # fmt: skip
    config = (MMGroundingDinoConfig if mm else GroundingDinoConfig)(
        backbone_config=swin, use_timm_backbone=False, use_pretrained_backbone=False, text_config=text,
        d_model=32, encoder_layers=1, decoder_layers=2, encoder_attention_heads=2, decoder_attention_heads=2,
        encoder_ffn_dim=32, decoder_ffn_dim=32, num_queries=30, max_text_len=256, num_feature_levels=4,
        encoder_n_points=2, decoder_n_points=2,
    )  # fmt: skip
    model = (MMGroundingDinoForObjectDetection if mm else GroundingDinoForObjectDetection)(config).eval()
    model.save_pretrained(out)
    GroundingDinoProcessor(
        image_processor=GroundingDinoImageProcessor(), tokenizer=tokenizer
    ).save_pretrained(out)
    return out


SAM2_SIZE = 256  # the tiny SAM 2's square input (the real one's: 1024)


def build_sam2(out: Path) -> Path:
    """SAM 2.1 with a four-stage Hiera of one or two blocks each, at a 256 px square input
    (the real models square the image to 1024 px the same way)."""
    from transformers import (
        Sam2Config,
        Sam2HieraDetConfig,
        Sam2ImageProcessor,
        Sam2Model,
        Sam2Processor,
        Sam2VisionConfig,
    )

    torch.manual_seed(0)
    side, stride = SAM2_SIZE, 4
    hiera = Sam2HieraDetConfig(
        hidden_size=8, embed_dim_per_stage=[8, 16, 32, 64], num_attention_heads_per_stage=[1, 1, 1, 1],
        blocks_per_stage=[1, 1, 2, 1], global_attention_blocks=[3], window_size_per_stage=[8, 4, 14, 7],
        image_size=[side, side], num_attention_heads=1,
    )  # fmt: skip
    levels = [[side // stride // 2**i] * 2 for i in range(3)]
    vision = Sam2VisionConfig(
        backbone_config=hiera, backbone_channel_list=[64, 32, 16, 8], backbone_feature_sizes=levels,
        fpn_hidden_size=32,
    )  # fmt: skip
    config = Sam2Config(
        vision_config=vision,
        prompt_encoder_config=dict(hidden_size=32, image_size=side, patch_size=16, mask_input_channels=4),
        mask_decoder_config=dict(hidden_size=32, mlp_dim=64, num_attention_heads=2, iou_head_hidden_dim=32),
    )
    Sam2Model(config).eval().save_pretrained(out)
    images = Sam2ImageProcessor(size={"height": side, "width": side})
    Sam2Processor(image_processor=images).save_pretrained(out)
    return out


def build_sam3(out: Path) -> Path:
    """SAM 3 as `facebook/sam3` ships it: one `sam3_video` checkpoint holding the text detector
    (`Sam3Model`) and the point tracker (`Sam3TrackerModel`), which load from it alone, with a
    2-layer ViT at a 224 px square (the real one: 1008 px, patch 14), a 1-layer CLIP text
    encoder with the real 32 positions, and a DETR of 20 queries (the real one: 200)."""
    from transformers import (
        Sam3Config,
        Sam3ImageProcessor,
        Sam3Processor,
        Sam3TrackerVideoConfig,
        Sam3VideoConfig,
        Sam3VideoModel,
    )

    from pixelsmith.testing.tiny import tiny_tokenizer

    torch.manual_seed(0)
    side, patch, hidden = SAM3_SIZE, 14, 32
    tokenizer = tiny_tokenizer(max_length=32)
    backbone = dict(
        model_type="sam3_vit_model", hidden_size=hidden, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, image_size=side, patch_size=patch, window_size=8, global_attn_indexes=[1],
        pretrain_image_size=side,
    )  # fmt: skip
    levels = [[side // patch * 4 // 2**i] * 2 for i in range(3)]  # the neck's 4x, 2x and 1x maps
    vision = dict(backbone_config=backbone, fpn_hidden_size=hidden, backbone_feature_sizes=levels)
    small = dict(hidden_size=hidden, num_attention_heads=2, intermediate_size=64)
    detector = Sam3Config(
        vision_config=vision,
        text_config=dict(
            vocab_size=len(tokenizer), max_position_embeddings=32, num_hidden_layers=1, projection_dim=hidden,
            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id, **small,
        ),
        geometry_encoder_config=dict(num_layers=1, **small),
        detr_encoder_config=dict(num_layers=1, **small),
        detr_decoder_config=dict(num_layers=1, num_queries=20, **small),
        mask_decoder_config=dict(hidden_size=hidden, num_attention_heads=2),
    )  # fmt: skip
    tracker = Sam3TrackerVideoConfig(
        vision_config=vision, image_size=side,
        prompt_encoder_config=dict(hidden_size=hidden, image_size=side, patch_size=patch,
                                   mask_input_channels=4),
        mask_decoder_config=dict(hidden_size=hidden, mlp_dim=64, num_attention_heads=2,
                                 iou_head_hidden_dim=hidden),
        memory_attention_hidden_size=hidden, memory_attention_num_layers=1,
        memory_attention_feed_forward_hidden_size=64, memory_encoder_hidden_size=hidden,
        memory_encoder_output_channels=16, mask_downsampler_embed_dim=hidden, memory_fuser_embed_dim=hidden,
        memory_fuser_intermediate_dim=64,
    )  # fmt: skip
    model = Sam3VideoModel(Sam3VideoConfig(detector_config=detector, tracker_config=tracker)).eval()
    # The hub checkpoint's key layout ("tracker_model.*"): transformers' save in its "original
    # format" nests the tracker's keys once more, and the tracker would then load random weights.
    model.save_pretrained(out, save_original_format=False)
    images = Sam3ImageProcessor(
        size={"height": side, "width": side}, mask_size={"height": levels[0][0], "width": levels[0][1]}
    )
    Sam3Processor(image_processor=images, tokenizer=tokenizer).save_pretrained(out)
    return out


def _sdxl_unet(in_channels: int):
    """SDXL's UNet layout in miniature: linear projections, two transformer depths, and the
    "text_time" embedding of the pooled text and the six size/crop numbers."""
    from diffusers import UNet2DConditionModel

    from pixelsmith.testing.tiny import TINY_SIZE

    torch.manual_seed(0)
    return UNet2DConditionModel(
        sample_size=TINY_SIZE // 8, in_channels=in_channels, out_channels=4, block_out_channels=(32, 64),
        layers_per_block=1, attention_head_dim=(2, 4), use_linear_projection=True,
        addition_embed_type="text_time", addition_time_embed_dim=8, transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=6 * 8 + 32, cross_attention_dim=64, norm_num_groups=32,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
    )  # fmt: skip


def build_sdxl(out: Path, *, inpainting: bool = False) -> Path:
    """SDXL's layout: two CLIP text encoders (the second with a projection, whose pooled
    output conditions the UNet beside the image's size), SDXL's VAE scaling, Euler; a
    9-channel UNet for inpainting."""
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionXLInpaintPipeline,
        StableDiffusionXLPipeline,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    from pixelsmith.testing.tiny import TINY_SIZE, _text_config, tiny_tokenizer

    tokenizer = tiny_tokenizer()
    text = CLIPTextConfig(**_text_config(len(tokenizer), 77))
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(text)
    torch.manual_seed(1)
    text_encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**{**text.to_dict(), "projection_dim": 32}))
    torch.manual_seed(0)
    vae = AutoencoderKL(  # four levels keep the 8x latent scale; SDXL's scaling factor
        block_out_channels=(16, 16, 32, 32), norm_num_groups=8, layers_per_block=1,
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4, sample_size=TINY_SIZE, scaling_factor=0.13025, force_upcast=True,
    )  # fmt: skip
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1,
        timestep_spacing="leading",
    )  # fmt: skip
    parts = dict(
        vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2, tokenizer=tokenizer,
        tokenizer_2=tiny_tokenizer(), unet=_sdxl_unet(9 if inpainting else 4), scheduler=scheduler,
    )  # fmt: skip
    if inpainting:  # diffusers/stable-diffusion-xl-1.0-inpainting-0.1 takes no aesthetic score
        pipeline = StableDiffusionXLInpaintPipeline(**parts, requires_aesthetics_score=False)
    else:
        pipeline = StableDiffusionXLPipeline(**parts)
    pipeline.save_pretrained(out, safe_serialization=True)
    return out


def build_lcm_lora_xl(out: Path) -> Path:
    """A random LCM-LoRA for the tiny SDXL UNets, laid out as latent-consistency/lcm-lora-sdxl."""
    from safetensors.torch import save_file

    from pixelsmith.testing.tiny_adapters import random_lcm_lora

    out.mkdir(parents=True, exist_ok=True)
    save_file(random_lcm_lora(_sdxl_unet(4)), out / "pytorch_lora_weights.safetensors")
    return out


def build_alternatives(root: Path) -> dict[str, Path]:
    """Every alternative backend's tiny checkpoint under `root` (`grounding-dino/`, ...);
    a role switches to one by its folder and backend name in config."""
    builders = {
        "grounding-dino": build_grounding_dino,
        "sam2": build_sam2,
        "sam3": build_sam3,
        "sdxl-inpaint": lambda out: build_sdxl(out, inpainting=True),
        "sdxl": build_sdxl,
        "lcm-lora-xl": build_lcm_lora_xl,
        "flux-kontext": build_kontext,
        "flux2-klein": build_klein,
        "qwen-image-edit": build_qwen_edit,
    }
    return {name: builders[name](root / name) for name in ALTERNATIVES}
