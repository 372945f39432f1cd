"""Tiny random checkpoints of the flow-matching editors (issue 27), laid out as the real ones.

Each keeps what behaviour depends on: the real channel counts (FLUX.1's 16 latent channels
packed 2×2 into 64, FLUX.2's 32 into 128), the 8× VAE scale, the text encoders' kinds,
positions and token limits (CLIP's 77, T5's 512, Qwen3's chat template), the schedulers'
real settings; and shrinks widths and depths to a few hundred KB. Tokenizers are learned
from everyday words (`testing.words`), as for the other roles, not downloaded.
"""

from __future__ import annotations

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
