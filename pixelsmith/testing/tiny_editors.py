"""Tiny random checkpoints of the flow-matching editors (issue 27), laid out as the real ones.

Each keeps what behaviour depends on: the real channel counts (FLUX.1's 16 latent channels
packed 2×2 into 64, FLUX.2's 32 into 128), the 8× VAE scale, the text encoders' kinds,
positions and token limits (CLIP's 77, T5's 512, Qwen3's chat template), the schedulers'
real settings; and shrinks widths and depths to a few hundred KB. Tokenizers are learned
from everyday words (`testing.words`), as for the other roles, not downloaded.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import torch

# FLUX.1's flow-matching schedule (black-forest-labs/FLUX.1-Kontext-dev's scheduler config)
FLUX_SCHEDULE = dict(
    num_train_timesteps=1000,
    shift=3.0,
    use_dynamic_shifting=True,
    base_shift=0.5,
    max_shift=1.15,
    base_image_seq_len=256,
    max_image_seq_len=4096,
)


@cache
def t5_tokenizer():
    """A SentencePiece-style unigram tokenizer (T5's kind: `▁` word starts, `</s>` at the end,
    512 positions), learned from everyday words."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import T5TokenizerFast

    from pixelsmith.testing.words import vocabulary

    unigram = Tokenizer(models.Unigram())
    unigram.pre_tokenizer = pre_tokenizers.Metaspace()
    unigram.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=2000, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>", show_progress=False
    )
    unigram.train_from_iterator(vocabulary(), trainer)
    unigram.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)]
    )
    return T5TokenizerFast(
        tokenizer_object=unigram,
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_ids=0,
        model_max_length=512,
    )


def _flux_vae(latent_channels: int, kind: str = "kl"):
    """FLUX's VAE layout: four levels (8× scale), no quant convs, `latent_channels` deep."""
    from diffusers import AutoencoderKL, AutoencoderKLFlux2

    torch.manual_seed(0)
    common = dict(
        block_out_channels=(16, 16, 32, 32),
        norm_num_groups=8,
        layers_per_block=1,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=latent_channels,
        use_quant_conv=False,
        use_post_quant_conv=False,
    )
    if kind == "flux2":
        return AutoencoderKLFlux2(**common)
    return AutoencoderKL(**common, shift_factor=0.1159, scaling_factor=0.3611)


def build_kontext(out: Path) -> Path:
    """FLUX.1 Kontext [dev]'s layout: CLIP-L (77) and T5 (512) text encoders, a 16-channel
    VAE, a transformer over 2×2-packed latents (64 channels) with guidance embedding."""
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxKontextPipeline, FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    from pixelsmith.testing.tiny import _text_config, tiny_tokenizer

    tokenizer, tokenizer_2 = tiny_tokenizer(), t5_tokenizer()
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(CLIPTextConfig(**_text_config(len(tokenizer), 77)))
    torch.manual_seed(0)
    text_encoder_2 = T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer_2),
            d_model=32,
            d_kv=8,
            d_ff=37,
            num_layers=2,
            num_heads=4,
            relative_attention_num_buckets=8,
            decoder_start_token_id=0,
            pad_token_id=0,
            eos_token_id=1,
        )  # fmt: skip
    )
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=64,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=32,
        pooled_projection_dim=32,
        guidance_embeds=True,
        axes_dims_rope=(4, 6, 6),
    )
    pipeline = FluxKontextPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULE),
        vae=_flux_vae(16),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        transformer=transformer,
    )
    pipeline.save_pretrained(out, safe_serialization=True)
    return out


def build_klein(out: Path) -> Path:
    """FLUX.2 [klein] 4B's layout: a Qwen3 text encoder read at its layers 9, 18 and 27 (so
    28 layers here too) through Qwen3's chat template, a 32-channel VAE patchified 2×2
    (128), a guidance-distilled transformer."""
    from diffusers import FlowMatchEulerDiscreteScheduler, Flux2KleinPipeline, Flux2Transformer2DModel
    from transformers import Qwen3Config, Qwen3ForCausalLM

    from pixelsmith.testing.tiny_planner import planner_tokenizer

    tokenizer = planner_tokenizer()
    torch.manual_seed(0)
    text_encoder = Qwen3ForCausalLM(
        Qwen3Config(
            vocab_size=len(tokenizer),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=28,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=8,
            max_position_embeddings=40960,
            tie_word_embeddings=True,
        )  # fmt: skip
    )
    torch.manual_seed(0)
    transformer = Flux2Transformer2DModel(
        patch_size=1,
        in_channels=128,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=3 * 16,
        timestep_guidance_channels=256,
        axes_dims_rope=(4, 4, 4, 4),
        guidance_embeds=False,
    )
    pipeline = Flux2KleinPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULE),
        vae=_flux_vae(32, "flux2"),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
        is_distilled=True,
    )
    pipeline.save_pretrained(out, safe_serialization=True)
    return out


# Qwen-Image-Edit's prompt template (its pipeline's): the first 64 tokens, the system part,
# are dropped from the text encoder's output, so the tiny tokenizer must make them 64 too.
QWEN_SYSTEM = (
    "<|im_start|>system\nDescribe the key features of the input image (color, shape, size, texture, "
    "objects, background), then explain how the user's text instruction should alter or modify the "
    "image. Generate a new image that meets the user's requirements while maintaining consistency "
    "with the original input where appropriate.<|im_end|>\n<|im_start|>user\n"
)
QWEN_SPECIALS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
    "<|video_pad|>",
]  # fmt: skip


@cache
def qwen_vl_tokenizer():
    """A byte-level BPE tokenizer with Qwen2.5-VL's special tokens, learned from everyday words
    and the edit pipeline's own template, whose system part is 64 tokens here as in Qwen's."""
    from transformers import Qwen2TokenizerFast

    from pixelsmith.testing.tiny_planner import byte_level_bpe
    from pixelsmith.testing.words import vocabulary

    return Qwen2TokenizerFast(
        tokenizer_object=byte_level_bpe([*vocabulary(), *[QWEN_SYSTEM] * 50], QWEN_SPECIALS),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        additional_special_tokens=QWEN_SPECIALS[1:],
        model_max_length=32768,
    )


def build_qwen_edit(out: Path) -> Path:
    """Qwen-Image-Edit-2509's layout: a Qwen2.5-VL text encoder that sees the photos (its
    processor: 14 px patches merged 2×2), a 16-channel causal-3D VAE (8× in space), a
    transformer over 2×2 patches (64 channels in, 16 out)."""
    from diffusers import (
        AutoencoderKLQwenImage,
        FlowMatchEulerDiscreteScheduler,
        QwenImageEditPlusPipeline,
        QwenImageTransformer2DModel,
    )
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    tokenizer = qwen_vl_tokenizer()
    ids = dict(zip(("start", "end", "pad"), tokenizer.convert_tokens_to_ids(QWEN_SPECIALS[3:6]), strict=True))
    torch.manual_seed(0)
    text_encoder = Qwen2_5_VLForConditionalGeneration(
        Qwen2_5_VLConfig(
            text_config=dict(
                hidden_size=16,
                intermediate_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                num_key_value_heads=2,
                vocab_size=len(tokenizer),
                max_position_embeddings=128000,
                rope_scaling={"type": "default", "rope_type": "default", "mrope_section": [1, 1, 2]},
                rope_theta=1000000.0,
                bos_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            ),
            vision_config=dict(
                depth=2,
                hidden_size=16,
                intermediate_size=16,
                num_heads=2,
                out_hidden_size=16,
                fullatt_block_indexes=[1],
                window_size=112,
            ),
            vocab_size=len(tokenizer),
            image_token_id=ids["pad"],
            vision_start_token_id=ids["start"],
            vision_end_token_id=ids["end"],
            bos_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )  # fmt: skip
    )
    images = Qwen2VLImageProcessor(min_pixels=56 * 56, max_pixels=28 * 28 * 1280)
    videos = Qwen2VLVideoProcessor()  # a part of the processor; the edit pipeline gives it no video
    processor = Qwen2VLProcessor(image_processor=images, tokenizer=tokenizer, video_processor=videos)
    torch.manual_seed(0)
    transformer = QwenImageTransformer2DModel(
        patch_size=2, in_channels=64, out_channels=16, num_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=16, guidance_embeds=False, axes_dims_rope=(4, 6, 6),
    )  # fmt: skip
    torch.manual_seed(0)
    vae = AutoencoderKLQwenImage(
        base_dim=8, z_dim=16, dim_mult=[1, 2, 2, 2], num_res_blocks=1,
        temperal_downsample=[False, True, True], latents_mean=[0.0] * 16, latents_std=[1.0] * 16,
    )  # fmt: skip
    # Qwen-Image's schedule: a fixed exponential time shift of ln 3, to sigma 0.02 at the end
    schedule = dict(FLUX_SCHEDULE, shift=1.0, base_shift=math.log(3), max_shift=math.log(3),
                    max_image_seq_len=8192, shift_terminal=0.02)  # fmt: skip
    pipeline = QwenImageEditPlusPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(**schedule, time_shift_type="exponential"),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        processor=processor,
        transformer=transformer,
    )
    pipeline.save_pretrained(out, safe_serialization=True)
    return out
