"""The `planner` figures (issue 26): the local planner's model with its grammar beside the
plain `generate` on the same prompt: the time to the first call of a plan (the system
prompt and tools encoded, then with their KV cache reused), a two-call plan, decoding
speed with and without the grammar (its overhead), and the peak memory."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from pixelsmith.agent.local_prompt import compact
from pixelsmith.bench.measure import peak_memory_mb, reset_peak
from pixelsmith.bench.options import MESSAGE
from pixelsmith.bench.report import Figure
from pixelsmith.views import ArtifactView, WorkspaceView

PLAIN_TOKENS = 32  # new tokens of the plain generate (and the constrained one's ceiling for its rate)


class PlannerFigures:
    """Mixed into `Bench`: uses its `models`, `options`, `photo` and `device`."""

    models: Any
    options: Any
    photo: Any
    device: torch.device

    def planner(self) -> list[Figure]:
        from pixelsmith.agent.local_llm import LocalPlanner

        local = LocalPlanner.from_registry(self.models)
        llm, chat = self.models.get("planner"), local.chat_model
        photo = ArtifactView("image-1", "image", [], "upload", size=self.photo.size)
        view = WorkspaceView("image-1", [photo])
        reset_peak(self.device)
        ask = lambda: local.begin(MESSAGE, view).next([], view)  # noqa: E731
        kept = llm.store
        with tempfile.TemporaryDirectory() as store:
            llm.store = Path(store)
            llm.head.clear()  # the first start ever: the head encoded (and kept on disk)
            cold, first = _seconds(ask, self.device)
            llm.head.clear()  # a restart: the head read back from disk
            restart, first = _seconds(ask, self.device)
            head_mb = sum(f.stat().st_size for f in Path(store).iterdir()) / 2**20
        llm.store = kept
        prompt, head = int(chat.last["prompt"]), len(llm.head["ids"])
        warm, first = _seconds(ask, self.device)

        written = {"new": 0, "forced": 0, "passes": 0}

        def two_calls() -> Any:  # the second after the first one's result; a call, as a trained model's
            from langchain_core.messages import ToolMessage

            turn = local.begin(MESSAGE, view)
            plan = turn.next([], view)
            written.update({k: int(chat.last[k]) for k in written})
            results = [ToolMessage(f"{s.tool} made detection-1", tool_call_id=s.call_id) for s in plan.steps]
            reply = local.model.invoke([*turn.messages, *results], known=local.known, choice="required")
            written.update({k: written[k] + int(chat.last[k]) for k in written})
            return reply

        plan, _ = _seconds(two_calls, self.device)
        plain_rate, grammar_rate, jump_rate, share = self._decode_rates(local, view)
        peak, where = peak_memory_mb(self.device)
        size = sum(p.numel() for p in llm.model.parameters()) / 1e9
        detail = {"prompt_tokens": prompt, "parameters_b": round(size, 3), "first_call": first.describe()}
        return [
            Figure("planner.first_call_cold", "local planner: first call, prompt encoded", "s", cold,
                   note=f"{prompt} prompt tokens: the system prompt and {len(local.specs)} tools ({head}), "
                        f"the request; weights in {_weights(llm.model)}",
                   detail=detail),
            Figure("planner.first_call_restart", "local planner: first call after a restart", "s", restart,
                   note=f"the {head}-token head's KV cache read from disk ({head_mb:.0f} MB)"),
            Figure("planner.first_call", "local planner: first call, head cached", "s", warm,
                   note="the system prompt and tools' KV cache reused, as from the second request on"),
            Figure("planner.two_calls", "local planner: a two-call plan, head cached", "s", plan,
                   note=f"{written['new']} tokens written in {written['passes'] + 2} passes, "
                        f"{written['forced']} of them forced by the grammar (random weights: lengths vary)"),
            Figure("planner.decode", "decoding with the grammar", "tokens/s", grammar_rate, plain_rate,
                   lower_is_better=False, note="plain: the same model's generate, same prompt, no grammar"),
            Figure("planner.decode_jump", "decoding with the grammar and jump-forward", "tokens/s", jump_rate,
                   plain_rate, lower_is_better=False,
                   note="tokens written a second, the grammar's forced ones read in the next pass"),
            Figure("planner.grammar_share", "grammar's share of decoding time", "%", share * 100,
                   note="time in xgrammar (masks, accepting tokens) over the constrained loop's, no jump"),
            Figure("planner.peak_memory", f"local planner peak memory ({where})", "MB", peak),
        ]  # fmt: skip

    def _decode_rates(self, local: Any, view: WorkspaceView) -> tuple[float, float, float, float]:
        """Tokens a second after the same prompt: plain `generate`, the planner's loop under
        the grammar without and with jump-forward; and the share of the constrained run spent
        in xgrammar."""
        from pixelsmith.agent.local_decode import decode

        chat, llm = local.chat_model, self.models.get("planner")
        messages = local.begin(MESSAGE, view).messages
        tools = local.specs
        said = [{"role": r, "content": m.content} for r, m in zip(("system", "user"), messages, strict=False)]
        inputs = llm.tokenizer.apply_chat_template(
            said, tools=compact(tools), add_generation_prompt=True, enable_thinking=False, return_dict=True,
            return_tensors="pt",
        )  # fmt: skip
        ids, mask = inputs["input_ids"].to(llm.device), inputs["attention_mask"].to(llm.device)

        def run(n: int) -> tuple[float, int]:  # plain generate, n tokens
            cache = chat._cached_head(llm, said[:1], tools, ids, room=n)
            start = time.perf_counter()
            out = llm.model.generate(input_ids=ids, attention_mask=mask, cache=cache, max_new_tokens=n,
                                     min_new_tokens=n, do_sample=False)  # fmt: skip
            return time.perf_counter() - start, out.shape[1] - ids.shape[1]

        prefill, _ = run(1)
        plain, plain_n = run(PLAIN_TOKENS)
        grammar = chat._grammar(llm, tools, {"image": ["image-1"]}, "required")

        def constrained(jump: bool) -> tuple[float, Any]:
            cache = chat._cached_head(llm, said[:1], tools, ids, room=PLAIN_TOKENS)
            start = time.perf_counter()
            reply = decode(
                llm.model, ids, cache, grammar, max_new_tokens=PLAIN_TOKENS, stops=llm.stops, jump=jump
            )
            return time.perf_counter() - start, reply

        rate = lambda seconds, n: max(n - 1, 1) / max(seconds - prefill, 1e-9)  # noqa: E731
        (stepped, one), (jumped, other) = constrained(False), constrained(True)
        share = one.grammar_seconds / max(stepped - prefill, 1e-9)
        return rate(plain, plain_n), rate(stepped, len(one.tokens)), rate(jumped, len(other.tokens)), share


def _weights(model: Any) -> str:
    """bf16, fp32, or int8 (the linear layers quantised, `planner_model.quantize`)."""
    from pixelsmith.models.planner_llm import is_int8

    if is_int8(model):
        return "int8 (linear layers; the rest fp32)"
    return str(model.dtype).removeprefix("torch.")


def _seconds(fn: Any, device: torch.device) -> tuple[float, Any]:
    from pixelsmith.bench.measure import sync

    sync(device)
    start = time.perf_counter()
    result = fn()
    sync(device)
    return time.perf_counter() - start, result
