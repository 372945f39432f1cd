"""The local planner's own decoding loop (`agent.local_decode`): without jump-forward it picks
exactly the tokens `generate` with xgrammar's logits processor picks; with it, the tokens the
grammar forces are read without a pass of their own, and the reply is still the grammar's."""

from __future__ import annotations

import pytest
import torch

from pixelsmith.agent.local_decode import decode
from pixelsmith.agent.local_llm import LocalPlanner
from pixelsmith.agent.local_prompt import compact
from pixelsmith.config import load_settings
from pixelsmith.models import ModelRegistry
from pixelsmith.testing.tiny import PLANNER_DIR
from pixelsmith.views import ArtifactView, WorkspaceView

REQUESTS = ["remove the cat", "make it brighter", "crop the photo to a square", "add a red hat to the dog"]
KNOWN = {"image": ["image-1"], "detection": ["detection-1"], "mask": ["mask-1", "mask-2"]}


@pytest.fixture(scope="module")
def planner(tiny_config, tiny_dir, tmp_path_factory):
    settings = load_settings(
        tiny_config,
        data_dir=tmp_path_factory.mktemp("decode"),
        planner_model={"model": str(tiny_dir / PLANNER_DIR), "max_new_tokens": 256, "max_string_chars": 24},
    )
    return LocalPlanner.from_registry(ModelRegistry(settings))


def _prompt(planner: LocalPlanner, request: str) -> tuple[list[dict], torch.Tensor]:
    photo = ArtifactView("image-1", "image", [], "upload", size=(96, 64))
    view = WorkspaceView("image-1", [photo])
    messages = planner.begin(request, view).messages
    said = [{"role": r, "content": m.content} for r, m in zip(("system", "user"), messages, strict=False)]
    llm = planner.chat_model.load()
    options = dict(add_generation_prompt=True, enable_thinking=False, return_tensors="pt", return_dict=True)
    return said, llm.tokenizer.apply_chat_template(said, tools=compact(planner.specs), **options)["input_ids"]


def _stops(llm) -> set[int]:
    stops = llm.model.generation_config.eos_token_id
    return set(stops if isinstance(stops, list) else [stops])


@pytest.mark.parametrize("choice", ["required", "auto"])
def test_without_jump_forward_the_loop_picks_what_generate_picks(planner, choice):
    import xgrammar as xgr

    chat, llm = planner.chat_model, planner.chat_model.load()
    grammar = chat._grammar(llm, planner.specs, KNOWN, choice)
    budget = 256 if choice == "required" else 48  # "auto" lets random weights write text to the end
    for request in REQUESTS[:2]:
        said, ids = _prompt(planner, request)
        cache = chat._cached_head(llm, said[:1], planner.specs, ids, room=budget)
        expected = llm.model.generate(
            input_ids=ids, attention_mask=torch.ones_like(ids), cache=cache, max_new_tokens=budget,
            logits_processor=[xgr.contrib.hf.LogitsProcessor(grammar)], do_sample=False,
        )[0, ids.shape[1] :].tolist()  # fmt: skip
        cache = chat._cached_head(llm, said[:1], planner.specs, ids, room=budget)
        mine = decode(llm.model, ids, cache, grammar, max_new_tokens=budget, stops=_stops(llm), jump=False)
        assert mine.tokens == expected, request
        assert mine.forced == 0 and mine.passes == len(expected) - 1
        assert mine.finished == (len(expected) < budget)


def test_jump_forward_reads_forced_tokens_in_one_pass_and_keeps_to_the_grammar(planner):
    import xgrammar as xgr

    chat, llm = planner.chat_model, planner.chat_model.load()
    grammar = chat._grammar(llm, planner.specs, KNOWN, "required")
    for request in REQUESTS[2:]:
        said, ids = _prompt(planner, request)
        cache = chat._cached_head(llm, said[:1], planner.specs, ids, room=256)
        reply = decode(llm.model, ids, cache, grammar, max_new_tokens=256, stops=_stops(llm))
        assert reply.finished and reply.forced > 0
        assert (
            reply.passes == len(reply.tokens) - reply.forced - 1
        )  # a pass per chosen token, after the first
        matcher = xgr.GrammarMatcher(grammar)  # every token, forced or chosen, is the grammar's
        assert all(matcher.accept_token(t) for t in reply.tokens[:-1])
        assert matcher.accept_token(reply.tokens[-1]) and matcher.is_terminated()
        text = llm.tokenizer.decode(reply.tokens)
        assert text.startswith("<tool_call>") and '"arguments"' in text


def test_the_token_budget_ends_a_reply_unfinished(planner):
    chat, llm = planner.chat_model, planner.chat_model.load()
    grammar = chat._grammar(llm, planner.specs, KNOWN, "required")
    said, ids = _prompt(planner, REQUESTS[0])
    for jump in (False, True):
        cache = chat._cached_head(llm, said[:1], planner.specs, ids, room=5)
        reply = decode(llm.model, ids, cache, grammar, max_new_tokens=5, stops=_stops(llm), jump=jump)
        assert not reply.finished and len(reply.tokens) == 5


def test_sampling_follows_the_seed(planner):
    chat, llm = planner.chat_model, planner.chat_model.load()
    grammar = chat._grammar(llm, planner.specs, KNOWN, "auto")
    said, ids = _prompt(planner, REQUESTS[1])

    def sampled(seed: int) -> list[int]:
        cache = chat._cached_head(llm, said[:1], planner.specs, ids, room=48)
        generator = torch.Generator().manual_seed(seed)
        return decode(
            llm.model, ids, cache, grammar, max_new_tokens=48, stops=_stops(llm), temperature=1.0,
            generator=generator,
        ).tokens  # fmt: skip

    assert sampled(3) == sampled(3) != sampled(4)
