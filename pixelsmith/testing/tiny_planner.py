"""A tiny random planner model: Qwen3's architecture, a real byte-level BPE tokenizer learned
from everyday request words and the tools' JSON, and a chat template that writes Qwen3's
tool-call format (tools in `<tools>`, calls in `<tool_call>` blocks, results in
`<tool_response>`), so tests run the local planner's production path: the template, the
grammar over this vocabulary, constrained `generate`, and parsing the calls back."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SPECIAL = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
    "<think>",
    "</think>",
]

# Qwen3's conversation format with tools, written for this tiny model (the real checkpoint
# brings its own template, which writes the same blocks).
CHAT_TEMPLATE = (
    "{%- if messages and messages[0].role == 'system' %}{%- set system = messages[0].content %}"
    "{%- set messages = messages[1:] %}{%- else %}{%- set system = '' %}{%- endif %}"
    "{%- if tools or system %}{{ '<|im_start|>system\\n' + system }}"
    "{%- if tools %}{{ '\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query."
    "\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}"
    "{%- for tool in tools %}{{ '\\n' + (tool | tojson) }}{%- endfor %}"
    "{{ '\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments "
    'within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, '
    '\\"arguments\\": <args-json-object>}\\n</tool_call>\' }}'
    "{%- endif %}{{ '<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'user' %}{{ '<|im_start|>user\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- elif message.role == 'assistant' %}{{ '<|im_start|>assistant\\n' + (message.content or '') }}"
    "{%- for call in message.tool_calls or [] %}{%- if call.function %}{%- set call = call.function %}"
    '{%- endif %}{{ \'\\n<tool_call>\\n{\\"name\\": \\"\' + call.name + \'\\", \\"arguments\\": \' }}'
    "{%- if call.arguments is string %}{{ call.arguments }}{%- else %}{{ call.arguments | tojson }}"
    "{%- endif %}{{ '}\\n</tool_call>' }}{%- endfor %}{{ '<|im_end|>\\n' }}"
    "{%- elif message.role == 'tool' %}{{ '<|im_start|>user\\n<tool_response>\\n' + message.content "
    "+ '\\n</tool_response><|im_end|>\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{ '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}{%- endif %}"
)


def _corpus() -> list[str]:
    """What the tokenizer learns from: everyday request words and the tools' own JSON."""
    from pixelsmith.agent.llm import tool_specs
    from pixelsmith.testing.words import vocabulary
    from pixelsmith.tools import default_tools

    specs = tool_specs(default_tools())
    calls = [json.dumps({"name": s["function"]["name"], "arguments": {"image": "image-1"}}) for s in specs]
    return [*vocabulary(), *(json.dumps(s) for s in specs), *calls]


def byte_level_bpe(corpus: list[str], specials: list[str]) -> Any:
    """A byte-level BPE (any text encodes, as Qwen's does) learned from `corpus`, with
    `specials` as its first tokens: the `tokenizers` model that Qwen-style tokenizers wrap."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=3000,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=specials,
        show_progress=False,
    )
    bpe.train_from_iterator(corpus, trainer)
    return bpe


@cache
def planner_tokenizer():
    """A byte-level BPE tokenizer (any text encodes) with Qwen3's special tokens and template."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=byte_level_bpe(_corpus(), SPECIAL),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL[3:],
        chat_template=CHAT_TEMPLATE,
        model_max_length=40960,
    )


def build_planner(out: Path) -> Path:
    """A Qwen3ForCausalLM of hidden size 32 and 2 layers (its real positions: 40,960), with the
    tokenizer above; random weights, saved as the real checkpoint is laid out."""
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    tokenizer = planner_tokenizer()
    end, pad = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=8,
        max_position_embeddings=40960,
        tie_word_embeddings=True,
        eos_token_id=end,
        pad_token_id=pad,
    )
    torch.manual_seed(0)
    model = Qwen3ForCausalLM(config).eval()
    model.generation_config = GenerationConfig(eos_token_id=[end, pad], pad_token_id=pad)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
