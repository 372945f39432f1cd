"""The editors' sizes at their real configurations, built on the meta device (no memory, no
weights): parameters per part and the bytes of their weights, for the README's memory
table. `python -m pixelsmith.testing.full_editors` prints it. The configs are the public
checkpoints' (FLUX.1 [dev]'s transformer with Kontext's guidance embedding, T5-XXL, CLIP-L;
FLUX.2 [klein] 4B: 5 joint and 20 single blocks at 3072 wide, Qwen3-4B; Qwen-Image's 60
blocks, Qwen2.5-VL-7B); InstructPix2Pix is SD 1.5's."""

from __future__ import annotations

from typing import Any

import torch


def _count(module: Any) -> int:
    return sum(p.numel() for p in module.parameters())


def _kontext() -> dict[str, Any]:
    from diffusers import AutoencoderKL, FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    return {
        "transformer": FluxTransformer2DModel(guidance_embeds=True),
        "text_encoder_2 (T5-XXL)": T5EncoderModel(
            T5Config(
                d_model=4096,
                d_ff=10240,
                d_kv=64,
                num_layers=24,
                num_heads=64,
                vocab_size=32128,
                feed_forward_proj="gated-gelu",
            )  # fmt: skip
        ),
        "text_encoder (CLIP-L)": CLIPTextModel(
            CLIPTextConfig(
                hidden_size=768,
                intermediate_size=3072,
                num_hidden_layers=12,
                num_attention_heads=12,
                projection_dim=768,
            )  # fmt: skip
        ),
        "vae": AutoencoderKL(
            block_out_channels=(128, 256, 512, 512),
            layers_per_block=2,
            latent_channels=16,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            use_quant_conv=False,
            use_post_quant_conv=False,
        ),  # fmt: skip
    }


def _klein() -> dict[str, Any]:
    from diffusers import AutoencoderKLFlux2, Flux2Transformer2DModel
    from transformers import Qwen3Config, Qwen3ForCausalLM

    return {
        "transformer": Flux2Transformer2DModel(
            patch_size=1,
            in_channels=128,
            num_layers=5,
            num_single_layers=20,
            attention_head_dim=128,
            num_attention_heads=24,
            joint_attention_dim=3 * 2560,
            axes_dims_rope=(32, 32, 32, 32),
            guidance_embeds=False,
        ),  # fmt: skip
        "text_encoder (Qwen3-4B)": Qwen3ForCausalLM(
            Qwen3Config(
                hidden_size=2560,
                intermediate_size=9728,
                num_hidden_layers=36,
                num_attention_heads=32,
                num_key_value_heads=8,
                head_dim=128,
                vocab_size=151936,
                tie_word_embeddings=True,
            )  # fmt: skip
        ),
        "vae": AutoencoderKLFlux2(),
    }


def _qwen() -> dict[str, Any]:
    from diffusers import AutoencoderKLQwenImage, QwenImageTransformer2DModel
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    return {
        "transformer": QwenImageTransformer2DModel(),
        "text_encoder (Qwen2.5-VL-7B)": Qwen2_5_VLForConditionalGeneration(
            Qwen2_5_VLConfig(
                text_config=dict(
                    hidden_size=3584,
                    intermediate_size=18944,
                    num_hidden_layers=28,
                    num_attention_heads=28,
                    num_key_value_heads=4,
                    vocab_size=152064,
                ),
                vision_config=dict(
                    depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, out_hidden_size=3584
                ),
                vocab_size=152064,
            )  # fmt: skip
        ),
        "vae": AutoencoderKLQwenImage(),
    }


def _ip2p() -> dict[str, Any]:
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    return {
        "unet": UNet2DConditionModel(in_channels=8, cross_attention_dim=768),
        "text_encoder (CLIP-L)": CLIPTextModel(
            CLIPTextConfig(
                hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12
            )
        ),
        "vae": AutoencoderKL(
            block_out_channels=(128, 256, 512, 512),
            layers_per_block=2,
            latent_channels=4,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
        ),  # fmt: skip
    }


def build_full_klein(*, device: Any, dtype: torch.dtype) -> Any:
    """FLUX.2 [klein] 4B's pipeline at its real size with random weights, for the benchmark's
    timings (`FullRegistry` with `editor.backend = "flux2-klein"`): the parts of `_klein`,
    made on `device` in `dtype` (no fp32 copy first: in bf16 it is ~16 GB), the tiny
    planner's Qwen3 tokenizer and chat template (prompts are padded to 512 tokens, so its
    token counts do not change the compute) and FLUX's flow-matching schedule."""
    from diffusers import FlowMatchEulerDiscreteScheduler, Flux2KleinPipeline

    from pixelsmith.testing.tiny_editors import FLUX_SCHEDULE
    from pixelsmith.testing.tiny_planner import planner_tokenizer

    before = torch.get_default_dtype()
    torch.manual_seed(0)
    try:
        torch.set_default_dtype(dtype)
        with torch.device(device):
            parts = _klein()
    finally:
        torch.set_default_dtype(before)
    pipeline = Flux2KleinPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULE),
        vae=parts["vae"].eval(),
        text_encoder=parts["text_encoder (Qwen3-4B)"].eval(),
        tokenizer=planner_tokenizer(),
        transformer=parts["transformer"].eval(),
        is_distilled=True,
    )
    pipeline.set_progress_bar_config(disable=True)  # progress goes through the tool context
    return pipeline


BUILDERS = {"diffusers": _ip2p, "flux-kontext": _kontext, "qwen-image-edit": _qwen, "flux2-klein": _klein}


def editor_sizes() -> dict[str, dict[str, int]]:
    """Parameters of each part of each editor backend at its real configuration."""
    with torch.device("meta"):
        return {
            backend: {name: _count(part) for name, part in build().items()}
            for backend, build in BUILDERS.items()
        }


def int8_bytes() -> dict[str, dict[str, int]]:
    """Bytes of each part's weights with `editor.quantize = "int8"`: in the parts it quantises
    (`models.editors.int8_config`: the transformer and the large text encoder) each linear
    weight at one byte with a bf16 scale per output row, a language model's head and every
    other tensor in bf16; the other parts all in bf16."""
    large = {"flux-kontext": "text_encoder_2"}
    sizes: dict[str, dict[str, int]] = {}
    with torch.device("meta"):
        for backend, build in BUILDERS.items():
            sizes[backend] = {}
            for name, part in build().items():
                total = _count(part) * 2
                if backend != "diffusers" and name.split(" ")[0] in (
                    "transformer",
                    large.get(backend, "text_encoder"),
                ):
                    for child, layer in part.named_modules():
                        if isinstance(layer, torch.nn.Linear) and not child.endswith("lm_head"):
                            total -= (
                                layer.weight.numel() - layer.out_features * 2
                            )  # 2 bytes -> 1, plus a scale
                sizes[backend][name] = total
    return sizes


def main() -> None:
    print("| editor | part | parameters | bf16 weights | int8 weights (`editor.quantize`) |")
    print("| --- | --- | --- | --- | --- |")
    quantised, gib = int8_bytes(), lambda n: f"{n / 2**30:.1f} GiB"  # noqa: E731
    for backend, parts in editor_sizes().items():
        for name, count in parts.items():
            small = quantised[backend][name]
            print(f"| {backend} | {name} | {count / 1e9:.2f} B | {gib(count * 2)} | {gib(small)} |")
        total, int8 = sum(parts.values()), sum(quantised[backend].values())
        print(f"| {backend} | **all** | **{total / 1e9:.2f} B** | **{gib(total * 2)}** | **{gib(int8)}** |")


if __name__ == "__main__":
    main()
