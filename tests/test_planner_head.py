"""Issue 26's speed: the local planner reads the tools in a compact form (the same tools,
arguments, choices and bounds in fewer tokens), and the fixed head of its prompt is encoded
once and kept on disk, so a restart reads it back in place of encoding it again."""

from __future__ import annotations

import logging

import pytest
import torch

from pixelsmith.agent.llm import system_prompt, tool_specs
from pixelsmith.agent.local_llm import LocalPlanner
from pixelsmith.agent.local_prompt import compact
from pixelsmith.config import load_settings
from pixelsmith.models import ModelRegistry
from pixelsmith.models.planner_llm import planner_dtype
from pixelsmith.testing.tiny import PLANNER_DIR
from pixelsmith.tools import default_tools
from pixelsmith.views import ArtifactView, WorkspaceView


def _plain(node: dict, defs: dict) -> dict:
    """A schema node as a reader means it: its reference followed, `anyOf [X, null]` as X."""
    if "$ref" in node:
        node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **node}
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    return {**node, **options[0]} if len(options) == 1 else node


def _walk(full: dict, short: dict, defs: dict, where: str) -> None:
    full = _plain(full, defs)
    for key in ("type", "enum", "minimum", "maximum", "required"):
        if key in full and not (key == "required" and not full[key]):
            assert short.get(key) == full[key], f"{where}: {key} {short.get(key)!r} != {full[key]!r}"
    for name, child in full.get("properties", {}).items():
        assert name in short["properties"], f"{where}.{name} is missing"
        _walk(child, short["properties"][name], defs, f"{where}.{name}")
    if "items" in full:
        _walk(full["items"], short["items"], defs, f"{where}[]")


def test_compact_tools_keep_every_argument_choice_and_bound_in_fewer_tokens(tiny_dir):
    from transformers import AutoTokenizer

    specs = tool_specs(default_tools())
    short = compact(specs)
    assert [s["function"]["name"] for s in short] == [s["function"]["name"] for s in specs]
    for full, small in zip(specs, short, strict=True):
        schema = full["function"]["parameters"]
        _walk(schema, small["function"]["parameters"], schema.get("$defs", {}), full["function"]["name"])
        assert "title" not in str(small) and "anyOf" not in str(small["function"]["parameters"]["properties"])
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir / PLANNER_DIR)
    system = [{"role": "system", "content": system_prompt()}]
    length = lambda tools: len(tokenizer.apply_chat_template(system, tools=tools, tokenize=False))  # noqa: E731
    assert length(short) < 0.85 * length(specs)


@pytest.fixture
def planner_settings(tiny_config, tiny_dir, tmp_path):
    return load_settings(
        tiny_config,
        data_dir=tmp_path / "data",
        planner_model={"model": str(tiny_dir / PLANNER_DIR), "max_new_tokens": 512, "max_string_chars": 24},
    )


def _plan(settings) -> tuple[LocalPlanner, list[tuple[str, dict]]]:
    """A fresh process's planner (its own registry) and its plan for one request."""
    photo = ArtifactView("image-1", "image", [], "upload", size=(96, 64))
    view = WorkspaceView("image-1", [photo])
    planner = LocalPlanner.from_registry(ModelRegistry(settings))
    plan = planner.begin("remove the cat", view).next([], view)
    return planner, [(s.tool, s.args) for s in plan.steps]


def test_the_head_is_kept_on_disk_and_a_restart_reads_it_back(planner_settings, monkeypatch):
    first, plan = _plan(planner_settings)
    store = planner_settings.data_dir / "planner-cache"
    kept = list(store.glob("head-*.safetensors"))
    assert len(kept) == 1 and not list(store.glob("*.partial"))
    encoded = first.chat_model.load().head["cache"]

    def no_encoding(self, head_ids):
        raise AssertionError("the head was encoded again after a restart")

    monkeypatch.setattr("pixelsmith.models.planner_llm.PlannerLLM._encode", no_encoding)
    again, replan = _plan(planner_settings)
    assert replan == plan  # temperature 0: the same plan from the cache read back
    read = again.chat_model.load().head["cache"]
    for a, b in zip(encoded.layers, read.layers, strict=True):
        assert torch.equal(a.keys, b.keys) and torch.equal(a.values, b.values)


def test_a_torn_head_file_is_encoded_again_with_a_warning(planner_settings, caplog):
    _, plan = _plan(planner_settings)
    (kept,) = (planner_settings.data_dir / "planner-cache").glob("head-*.safetensors")
    kept.write_bytes(kept.read_bytes()[:100])  # killed while writing, by another tool: torn
    with caplog.at_level(logging.WARNING, logger="pixelsmith.models.planner_llm"):
        _, replan = _plan(planner_settings)
    assert replan == plan
    assert "unreadable" in caplog.text
    assert kept.stat().st_size > 100  # written anew


def test_no_head_on_disk_when_cache_head_is_off(tiny_config, tiny_dir, tmp_path):
    settings = load_settings(
        tiny_config,
        data_dir=tmp_path / "data",
        planner_model={"model": str(tiny_dir / PLANNER_DIR), "max_new_tokens": 512, "cache_head": False},
    )
    _plan(settings)
    assert not (settings.data_dir / "planner-cache").exists()


def test_the_planner_runs_in_bf16_by_default_where_the_cpu_computes_in_it(monkeypatch):
    from pixelsmith.models import planner_llm

    monkeypatch.setattr(planner_llm, "cpu_computes_bf16", lambda: True)
    assert planner_dtype("auto", torch.device("cpu")) == torch.bfloat16
    monkeypatch.setattr(planner_llm, "cpu_computes_bf16", lambda: False)  # AVX2: bf16 a row at a time
    assert planner_dtype("auto", torch.device("cpu")) == torch.float32
    assert planner_dtype("bf16", torch.device("cpu")) == torch.bfloat16  # asked for: given
    assert planner_dtype("fp32", torch.device("cpu")) == torch.float32
    assert planner_dtype("auto", torch.device("cpu"), quantize="int8") == torch.float32


def test_the_static_cache_plans_as_a_copied_dynamic_one_would(planner_settings, monkeypatch):
    """Each reply writes its tokens into a static cache holding the head (no copy of the whole
    cache per token); the plans are the ones a deep copy of the dynamic head cache gives."""
    import copy

    from pixelsmith.models.planner_llm import PlannerLLM

    requests = ["remove the cat", "make it brighter", "crop to square", "add a hat to the cat"]
    photo = ArtifactView("image-1", "image", [], "upload", size=(96, 64))
    view = WorkspaceView("image-1", [photo])
    planner = LocalPlanner.from_registry(ModelRegistry(planner_settings))

    def plans() -> list:
        return [[(s.tool, s.args) for s in planner.begin(r, view).next([], view).steps] for r in requests]

    static = plans()
    assert type(planner.chat_model.load().head_cache(*_head(planner, view))).__name__ == "StaticCache"
    original = PlannerLLM.head_cache

    def dynamic(self, head_text, ids, room):
        return None if original(self, head_text, ids, room) is None else copy.deepcopy(self.head["cache"])

    monkeypatch.setattr(PlannerLLM, "head_cache", dynamic)
    assert plans() == static


def _head(planner: LocalPlanner, view: WorkspaceView) -> tuple[str, torch.Tensor, int]:
    """The head text and prompt ids of a first reply, as `LocalChatModel` makes them."""
    llm, chat = planner.chat_model.load(), planner.chat_model
    messages = planner.begin("remove the cat", view).messages
    said = [{"role": r, "content": m.content} for r, m in zip(("system", "user"), messages, strict=False)]
    tools = compact(planner.specs)
    options = dict(add_generation_prompt=True, enable_thinking=False, return_tensors="pt", return_dict=True)
    asked = llm.tokenizer.apply_chat_template(said, tools=tools, **options)
    ids = asked["input_ids"]
    head = llm.tokenizer.apply_chat_template(said[:1], tools=compact(planner.specs), tokenize=False)
    return head, ids, chat.max_new_tokens


def test_int8_linears_plan_valid_calls_and_keep_their_own_head(planner_settings, tiny_dir):
    """`planner_model.quantize = "int8"`: every linear layer quantised (PyTorch's dynamic int8),
    valid plans, and a head on disk of its own (not the fp32 model's keys and values)."""
    from types import SimpleNamespace

    from pixelsmith.agent.plan import Plan, Step
    from pixelsmith.agent.validate import validate_plan
    from pixelsmith.errors import UserError
    from pixelsmith.models.planner_llm import load_planner

    def choose(**update):
        spec = planner_settings.planner_model.model_copy(update=update)
        return planner_settings.model_copy(update={"planner_model": spec})

    int8, store = choose(quantize="int8"), planner_settings.data_dir / "planner-cache"
    planner, plan = _plan(int8)
    model = planner.chat_model.load().model
    ends = ("q_proj", "down_proj", "lm_head")
    kinds = {type(m).__module__ for n, m in model.named_modules() if n.endswith(ends)}
    assert kinds == {"torch.ao.nn.quantized.dynamic.modules.linear"}
    view = WorkspaceView("image-1", [ArtifactView("image-1", "image", [], "upload", size=(96, 64))])
    steps = [Step(tool=t, args=a) for t, a in plan]
    validate_plan(Plan(steps=steps), default_tools(), lambda i, kind=None: view.get(i))
    (head,) = store.glob("head-*.safetensors")
    _plan(choose(dtype="fp32"))  # the same weights, not quantised: another head
    assert [p.name for p in store.glob("head-*.safetensors")] != [head.name]
    with pytest.raises(UserError, match="runs on the CPU only"):
        load_planner(int8.planner_model, SimpleNamespace(device=torch.device("cuda"), settings=int8))


def test_int8_reads_bf16_weights_as_stored_and_quantises_them_as_fp32_would(tiny_dir, tmp_path):
    """int8 loads the checkpoint in its own dtype (Qwen3's is bf16) and takes a layer at a time
    to fp32 and int8, so the whole model is never in fp32 (the peak was twice bf16's); the
    layers are exactly those of quantising the model read in fp32."""
    import shutil
    import warnings

    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    from transformers import AutoModelForCausalLM

    from pixelsmith.models.planner_llm import int8_linears

    stored = tmp_path / "bf16"
    AutoModelForCausalLM.from_pretrained(tiny_dir / PLANNER_DIR).to(torch.bfloat16).save_pretrained(stored)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tiny_dir / PLANNER_DIR / name, stored)
    read = AutoModelForCausalLM.from_pretrained(stored, dtype="auto")
    assert read.dtype == torch.bfloat16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = {torch.nn.Linear: per_channel_dynamic_qconfig}
        expected = quantize_dynamic(AutoModelForCausalLM.from_pretrained(stored, dtype=torch.float32), spec,
                                    dtype=torch.qint8, inplace=True)  # fmt: skip
    ours = int8_linears(read)
    ids = torch.randint(0, 2000, (1, 40))
    with torch.no_grad():
        assert torch.equal(ours(ids).logits, expected(ids).logits)


def test_the_planner_attends_grouped_and_gets_stock_sdpas_numbers(planner_settings):
    """Several tokens read against the cached head (jump-forward, the request, a tool's result)
    group the query heads in PyTorch's sdpa instead of copying the keys once per head; the
    logits are exactly transformers' own sdpa's."""
    from transformers import AutoModelForCausalLM, StaticCache

    from pixelsmith.models.planner_llm import GQA_SDPA

    ours = ModelRegistry(planner_settings).get("planner").model
    stock = AutoModelForCausalLM.from_pretrained(
        planner_settings.planner_model.model, dtype=ours.dtype
    ).eval()
    assert ours.config._attn_implementation == GQA_SDPA and stock.config._attn_implementation == "sdpa"
    assert ours.config.num_key_value_heads < ours.config.num_attention_heads  # grouped, as Qwen3's
    ids = torch.randint(0, 2000, (1, 301))
    logits = []
    for model in (ours, stock):
        cache = StaticCache(config=model.config, max_cache_len=400)
        with torch.no_grad():
            for begin, end in ((0, 290), (290, 300), (300, 301)):  # the head, a pass of 10, of 1
                out = model(input_ids=ids[:, begin:end], cache=cache, cache_position=torch.arange(begin, end))
        logits.append(out.logits)
    assert torch.equal(*logits)
