"""The default local planner, Qwen3-1.7B, at its real size with random weights (its published
config: 28 layers, hidden 2048, 16 heads over 8 key-value heads of 128, a 151,936-token
vocabulary, tied embeddings), or Qwen3-0.6B (hidden 1024) when `planner_model.model` names
it, for the benchmark's timings. Its tokenizer cannot be fetched
here: the tiny planner's byte-level tokenizer stands in (same special tokens and template;
its token counts for a prompt differ from Qwen's, and the benchmark prints them)."""

from __future__ import annotations

from typing import Any

QWEN3_1_7B = dict(
    vocab_size=151_936,
    hidden_size=2048,
    intermediate_size=6144,
    num_hidden_layers=28,
    num_attention_heads=16,
    num_key_value_heads=8,
    head_dim=128,
    max_position_embeddings=40_960,
    rope_theta=1_000_000.0,
    rms_norm_eps=1e-6,
    tie_word_embeddings=True,
)
# Qwen3-0.6B's published config: the same depth and vocabulary at half the width
QWEN3_0_6B = {**QWEN3_1_7B, "hidden_size": 1024, "intermediate_size": 3072}
CONFIGS = {"Qwen/Qwen3-1.7B": QWEN3_1_7B, "Qwen/Qwen3-0.6B": QWEN3_0_6B}


def build_full_planner(*, device: Any, dtype: Any, model: str = "Qwen/Qwen3-1.7B") -> Any:
    """A `PlannerLLM` as the loader makes one, over `model`'s architecture (Qwen3-1.7B or
    Qwen3-0.6B, the `planner_model.model` set), random weights."""
    import torch
    import xgrammar as xgr
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    from pixelsmith.models.planner_llm import PlannerLLM, use_gqa_sdpa
    from pixelsmith.testing.tiny_planner import planner_tokenizer

    tokenizer = planner_tokenizer()
    end, pad = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    torch.manual_seed(0)
    with torch.device(device):
        config = Qwen3Config(**CONFIGS.get(model, QWEN3_1_7B), eos_token_id=end, pad_token_id=pad)
        model = Qwen3ForCausalLM._from_config(config, dtype=dtype).eval()  # made in `dtype`: no fp32 copy
    use_gqa_sdpa(model)  # as `load_planner` does
    model.generation_config = GenerationConfig(eos_token_id=[end, pad], pad_token_id=pad)
    info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=config.vocab_size)
    return PlannerLLM(model, tokenizer, xgr.GrammarCompiler(info, max_threads=2), device)
