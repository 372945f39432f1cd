"""The `planner` role: a small instruction model run in-process as the local planner.

Loading is apart from running: `load_planner` reads the tokenizer (with its chat template)
and the causal LM once, and builds xgrammar's compiler over the tokenizer's vocabulary,
which every reply's grammar is compiled with (`agent.local_llm`). Qwen3-1.7B by default
(Apache-2.0); any model whose chat template writes Qwen3's `<tool_call>` blocks works.

The prompt's fixed head (system prompt and tools) is encoded once per model and its KV
cache shared by every reply (`PlannerLLM.head_cache`); with `cache_head` it is also kept
on disk, so a restart reads it back in a second in place of encoding thousands of tokens.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from pixelsmith.config import ModelSpec
from pixelsmith.errors import UserError
from pixelsmith.models.device import DTYPES
from pixelsmith.models.loaders import LoadContext, from_pretrained, register_loader

log = logging.getLogger(__name__)


@dataclass
class PlannerLLM:
    """A loaded planner model: the LM, its tokenizer, and a grammar compiler for its vocabulary."""

    model: Any
    tokenizer: Any
    compiler: Any  # xgrammar.GrammarCompiler
    device: Any
    store: Path | None = None  # where the head's KV cache is kept on disk; None: memory only
    lock: threading.Lock = field(default_factory=threading.Lock)  # one reply at a time per model
    head: dict[str, Any] = field(default_factory=dict)  # the prompt's fixed head: text, ids, KV cache

    @property
    def stops(self) -> set[int]:
        """The token ids that end a reply (the generation config's end-of-sequence ids)."""
        ends = self.model.generation_config.eos_token_id
        return set(ends if isinstance(ends, list) else [ends])

    def head_cache(self, head_text: str, ids: torch.Tensor, room: int) -> Any:
        """A cache for a prompt `ids` that starts with `head_text`, holding the head's keys and
        values and room for the rest of the prompt and `room` new tokens (else None). The
        head is encoded once per model, or read from the store; call under `lock`.

        The cache is static: a new token's keys are written into place, where a dynamic
        cache copies all of them to append one, which after a head of thousands of tokens
        costs more than the model's weights each step."""
        from transformers import StaticCache

        if self.head.get("text") != head_text:
            head_ids = self.tokenizer(head_text, return_tensors="pt", add_special_tokens=False)["input_ids"]
            cache = self._read(head_ids) or self._encode(head_ids)
            self.head.clear()
            self.head.update(text=head_text, ids=head_ids[0].tolist(), cache=cache)
        length = len(self.head["ids"])
        if ids.shape[1] <= length or ids[0, :length].tolist() != self.head["ids"]:
            return None
        static = StaticCache(config=self.model.config, max_cache_len=ids.shape[1] + room)
        for index, layer in enumerate(self.head["cache"].layers):
            static.update(layer.keys, layer.values, index)
        return static

    def _encode(self, head_ids: torch.Tensor) -> Any:
        with torch.no_grad():
            # only the last position's logits: all 9,600 of them over a 152k vocabulary would
            # be 5.8 GB in fp32 and a third of the head's encoding time, for nothing
            ids = head_ids.to(self.device)
            cache = self.model(input_ids=ids, use_cache=True, logits_to_keep=1).cache
        self._write(head_ids, cache)
        return cache

    def _file(self, head_ids: torch.Tensor) -> Path | None:
        """The store's file for this model's weights, dtype and head: a new model, other
        weights in the same folder or another head is another file."""
        if self.store is None:
            return None
        weights = self.model.get_input_embeddings().weight
        fingerprint = hashlib.sha256()
        for part in (
            self.model.config.to_json_string(),
            str(weights.dtype),
            "int8" if is_int8(self.model) else "",
            str(head_ids[0].tolist()),
        ):
            fingerprint.update(part.encode())
        fingerprint.update(weights[:8].detach().float().cpu().numpy().tobytes())
        return self.store / f"head-{fingerprint.hexdigest()[:24]}.safetensors"

    def _read(self, head_ids: torch.Tensor) -> Any:
        from safetensors.torch import load_file
        from transformers import DynamicCache

        path = self._file(head_ids)
        if path is None or not path.exists():
            return None
        try:
            tensors = load_file(path, device=str(self.device))
            layers = self.model.config.num_hidden_layers
            pairs = [(tensors[f"k{i}"], tensors[f"v{i}"]) for i in range(layers)]
        except Exception as err:  # a torn or foreign file: encode again, and write it anew
            log.warning("the planner's cached head %s is unreadable (%s); encoding it again", path, err)
            return None
        if pairs[0][0].shape[-2] != head_ids.shape[1]:
            return None
        return DynamicCache(ddp_cache_data=pairs, config=self.model.config)

    def _write(self, head_ids: torch.Tensor, cache: Any) -> None:
        from safetensors.torch import save_file

        path = self._file(head_ids)
        if path is None:
            return
        tensors = {}
        for i, layer in enumerate(cache.layers):
            tensors[f"k{i}"], tensors[f"v{i}"] = layer.keys.contiguous(), layer.values.contiguous()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob("head-*.safetensors"):  # one head per store: the newest
                old.unlink(missing_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.partial")
            save_file(tensors, partial)
            os.replace(partial, path)
        except OSError as err:  # a full or read-only disk costs the next start its encoding only
            log.warning("could not keep the planner's head at %s (%s)", path, err)


GQA_SDPA = "pixelsmith_gqa_sdpa"  # the planner's attention: transformers' sdpa, grouped on a CPU


def gqa_sdpa(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: Any,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers' sdpa attention, except that a pass of several tokens against a masked cache
    on a CPU lets PyTorch group the query heads over the key-value heads (`enable_gqa`) in
    place of copying the keys and values once per query head first: after the planner's
    9,600-token head that copy made a pass of 8 tokens take 3.6-5.5 s against 0.7-0.9 s
    (Qwen3-1.7B's shapes, int8, 2 cores). The same numbers either way."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    groups = getattr(module, "num_key_value_groups", 1)
    if groups == 1 or query.shape[2] == 1 or attention_mask is None or query.device.type != "cpu":
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    out = torch.nn.functional.scaled_dot_product_attention(
        query, key, value, attn_mask=attention_mask, dropout_p=kwargs.get("dropout", 0.0),
        scale=kwargs.get("scaling"), enable_gqa=True,
    )  # fmt: skip
    return out.transpose(1, 2).contiguous(), None


def use_gqa_sdpa(model: Any) -> None:
    """`model` attends with `gqa_sdpa` where it used transformers' sdpa."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface

    AttentionInterface.register(GQA_SDPA, gqa_sdpa)
    AttentionMaskInterface.register(GQA_SDPA, ALL_MASK_ATTENTION_FUNCTIONS["sdpa"])  # sdpa's masks
    if getattr(model.config, "_attn_implementation", None) == "sdpa":
        model.set_attn_implementation(GQA_SDPA)


def planner_dtype(name: str, device: torch.device, *, quantize: str = "none") -> torch.dtype:
    """`auto` is bf16 (an LM decodes at the speed it reads its weights, so half the bytes is
    nearly twice the tokens a second), fp16 on a GPU without bf16, and fp32 on a CPU that
    does not compute in bf16 (no AVX-512 BF16 or AMX: most laptops'): there a bf16 matmul
    goes a row at a time, and reading 256 prompt tokens through one layer took 6.6x fp32's
    time (AVX2, measured). fp32 for int8 linear layers (`quantize`), whose kernels take fp32."""
    if quantize == "int8":  # the kernels' input; `load_planner` reads the weights as stored
        return torch.float32
    if name != "auto":
        return DTYPES[name]
    if device.type == "mps" or (device.type == "cuda" and not torch.cuda.is_bf16_supported()):
        return torch.float16
    if device.type == "cpu" and not cpu_computes_bf16():
        return torch.float32
    return torch.bfloat16


def cpu_computes_bf16() -> bool:
    """Whether this CPU has bf16 arithmetic (oneDNN's test: AVX-512 BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a build without oneDNN: take bf16's bytes
        return True


def is_int8(model: Any) -> bool:
    """Whether `int8_linears` quantised `model` (its head is one of the layers it swaps)."""
    return "quantized" in type(model.get_output_embeddings()).__module__


def int8_linears(model: Any) -> Any:
    """`model` with every linear layer in int8, per output channel, and its input quantised
    on the fly (PyTorch's dynamic quantisation, fbgemm's kernels): a CPU decodes at the speed
    it reads weights, and these are a quarter of fp32's bytes and half of bf16's. (torchao's
    int8 configs, PyTorch's successor to this API, run 10-100x slower in eager mode on a CPU.)
    `model` may be in bf16: each decoder layer goes to fp32 and int8 in turn, so the peak is
    the bf16 model plus one layer, not the whole model in fp32 (Qwen3-1.7B from a bf16
    checkpoint: a peak of 6.7 GB and 3.9 GB after, against 10.4 GB read in fp32 first)."""
    import gc
    import warnings

    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    spec = {torch.nn.Linear: per_channel_dynamic_qconfig}
    blocks = list(getattr(getattr(model, "model", None), "layers", None) or [])
    with warnings.catch_warnings():  # its deprecation notice, in favour of torchao (see above)
        warnings.simplefilter("ignore")
        for block in blocks:  # a layer at a time: only one layer is ever in fp32 beside the rest
            quantize_dynamic(block.float(), spec, dtype=torch.qint8, inplace=True)
            gc.collect()  # the replaced layers are in reference cycles: 180 MB a layer stayed till the end
        return quantize_dynamic(model.float(), spec, dtype=torch.qint8, inplace=True)  # the rest, the head


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
    quantize = getattr(spec, "quantize", "none")
    if quantize != "none" and registry.device.type != "cpu":
        raise UserError(
            f"planner_model.quantize = {quantize!r} runs on the CPU only (PyTorch's dynamic int8 kernels), "
            f"not on {registry.device.type}; set it to none there (dtype bf16 or fp16 halves the memory)"
        )
    dtype = planner_dtype(getattr(spec, "dtype", "auto"), registry.device, quantize=quantize)
    # int8 reads the weights as stored (bf16 for Qwen3) and `int8_linears` takes them to fp32 a
    # layer at a time: read in fp32 first, Qwen3-1.7B's size peaked at 10.4 GB, against 6.7 GB
    stored = "auto" if quantize == "int8" else dtype
    model = from_pretrained("planner", spec, AutoModelForCausalLM.from_pretrained, dtype=stored)
    model.to(registry.device).eval()
    use_gqa_sdpa(model)
    if quantize == "int8":
        model = int8_linears(model)
    info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=model.config.vocab_size)
    store = registry.settings.data_dir / "planner-cache" if getattr(spec, "cache_head", False) else None
    compiler = xgr.GrammarCompiler(info, max_threads=2)
    return PlannerLLM(model, tokenizer, compiler, registry.device, store=store)
