"""The `planner` role: a small instruction model run in-process as the local planner.

Loading is apart from running: `load_planner` reads the tokenizer (with its chat template)
and the causal LM once, and builds xgrammar's compiler over the tokenizer's vocabulary,
which every reply's grammar is compiled with (`agent.local_llm`). Qwen3-1.7B by default
(Apache-2.0); any model whose chat template writes Qwen3's `<tool_call>` blocks works.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pixelsmith.config import ModelSpec
from pixelsmith.errors import UserError
from pixelsmith.models.loaders import LoadContext, from_pretrained, register_loader


@dataclass
class PlannerLLM:
    """A loaded planner model: the LM, its tokenizer, and a grammar compiler for its vocabulary."""

    model: Any
    tokenizer: Any
    compiler: Any  # xgrammar.GrammarCompiler
    device: Any
    lock: threading.Lock = field(default_factory=threading.Lock)  # one reply at a time per model
    head: dict[str, Any] = field(default_factory=dict)  # the prompt's fixed head: text, ids, KV cache


@register_loader("planner", "transformers")
def load_planner(spec: ModelSpec, registry: LoadContext) -> PlannerLLM:
    import xgrammar as xgr
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = from_pretrained("planner", spec, AutoTokenizer.from_pretrained)
    if not getattr(tokenizer, "chat_template", None):
        raise UserError(
            f"the planner model {spec.model} has no chat template; use an instruction model with "
            "tool calling in its template, such as Qwen/Qwen3-1.7B"
        )
    model = from_pretrained("planner", spec, AutoModelForCausalLM.from_pretrained, dtype=registry.dtype)
    model.to(registry.device).eval()
    info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=model.config.vocab_size)
    return PlannerLLM(model, tokenizer, xgr.GrammarCompiler(info, max_threads=2), registry.device)
