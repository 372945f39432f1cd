"""The local planner's decoding loop: one token at a time under the tools' grammar, with
jump-forward.

Much of a tool call is written by the grammar, not chosen: after `{"name": "` and a tool's
first token, the rest of its name and `", "arguments": {"` follow; after a value, the next
key of the one form that fits. xgrammar gives those forced tokens
(`GrammarMatcher.find_jump_forward_tokens`); they are read in the same forward pass as the
model's next chosen token, so a reply costs one pass per token the model *chooses*. A CPU
reads the model's weights once per pass whether it reads one token or ten, so each pass
saved is a whole token's time.

With `jump=False` the loop picks exactly the tokens `generate` with xgrammar's logits
processor picks (the oracle test); with it, the text may differ where the grammar's
tokenization of a forced string differs from the model's own choice of tokens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class Decoded:
    """A reply's new tokens and what they cost."""

    tokens: list[int]
    finished: bool  # ended with a stop token (else the token budget ran out)
    passes: int  # forward passes after the prompt's
    forced: int  # tokens the grammar wrote (jump-forward), read without a pass of their own
    grammar_seconds: float  # time in xgrammar: masks, accepting tokens, finding forced ones


def decode(
    model: Any,
    ids: torch.Tensor,
    cache: Any,
    grammar: Any,
    *,
    max_new_tokens: int,
    stops: set[int],
    temperature: float = 0.0,
    jump: bool = True,
    generator: torch.Generator | None = None,
) -> Decoded:
    """Decode a reply to the prompt `ids` (1 x n) under `grammar` (xgrammar's compiled
    grammar). `cache` holds the keys and values of the prompt's first tokens, or is None;
    it needs room for the prompt and `max_new_tokens`. Greedy at temperature 0."""
    import xgrammar as xgr
    from transformers import StaticCache

    if cache is None:
        cache = StaticCache(config=model.config, max_cache_len=ids.shape[1] + max_new_tokens)
    matcher = xgr.GrammarMatcher(grammar)
    bitmask = xgr.allocate_token_bitmask(1, grammar.tokenizer_info.vocab_size)
    pending = ids[0, cache.get_seq_length() :].tolist()
    tokens: list[int] = []
    passes, forced, in_grammar, finished = -1, 0, 0.0, False
    while len(tokens) < max_new_tokens:
        begin = time.perf_counter()
        extra = matcher.find_jump_forward_tokens()[: max_new_tokens - len(tokens)] if jump else []
        for token in extra:
            if not matcher.accept_token(token):  # xgrammar gives only tokens it accepts
                raise RuntimeError(f"the grammar refused its own forced token {token}")
        in_grammar += time.perf_counter() - begin
        tokens += extra
        pending += extra
        forced += len(extra)
        if len(tokens) >= max_new_tokens:
            break
        logits = _next_logits(model, pending, cache)
        passes += 1
        begin = time.perf_counter()
        matcher.fill_next_token_bitmask(bitmask)
        xgr.apply_token_bitmask_inplace(logits, bitmask.to(logits.device))
        in_grammar += time.perf_counter() - begin
        token = _pick(logits[0], temperature, generator)
        tokens.append(token)
        if token in stops:
            finished = True
            break
        begin = time.perf_counter()
        if not matcher.accept_token(token):
            raise RuntimeError(f"the grammar refused token {token} it had allowed")
        in_grammar += time.perf_counter() - begin
        if matcher.is_terminated():  # one of the grammar's own stop tokens
            finished = True
            break
        pending = [token]
    return Decoded(tokens, finished, max(passes, 0), forced, in_grammar)


def _next_logits(model: Any, pending: list[int], cache: Any) -> torch.Tensor:
    """The next token's logits (1 x vocabulary, fp32, as `generate` scores them) after
    reading `pending` into `cache`."""
    device = model.get_input_embeddings().weight.device
    done = cache.get_seq_length()
    new = torch.tensor([pending], device=device)
    position = torch.arange(done, done + len(pending), device=device)
    with torch.no_grad():
        out = model(input_ids=new, cache=cache, cache_position=position, use_cache=True, logits_to_keep=1)
    return out.logits[:, -1, :].to(dtype=torch.float32)


def _pick(logits: torch.Tensor, temperature: float, generator: torch.Generator | None) -> int:
    if temperature <= 0:
        return int(torch.argmax(logits))
    probabilities = torch.softmax(logits / temperature, dim=-1)
    return int(torch.multinomial(probabilities, 1, generator=generator))


__all__ = ["Decoded", "decode"]
