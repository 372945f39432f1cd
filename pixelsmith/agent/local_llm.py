"""The local planner: a small model in-process, whose tool calls are valid by construction.

`LocalChatModel` is a LangChain chat model over the `planner` role (`models.planner_llm`),
so `LocalPlanner` is the LLM planner's own turn loop (tool results fed back, `max_steps`,
the mask review, the fallback to the rules) with another model behind it. Each reply is
decoded (`local_decode`, which reads the tokens the grammar forces without a pass of their
own) under an xgrammar grammar built from the registered tools' JSON schemas in the
model's tool-call syntax: free text, or `<tool_call>` blocks whose name is a registered
tool and whose arguments match its schema, with every id argument one of the session's
ids of the right kind (an enum of the workspace), numbers inside their bounds, and free
text and lists kept short. The first reply of a request must call a tool (like
`tool_choice="required"`). The model reads the tools as `local_prompt.compact` writes
them (the same arguments in fewer tokens); the fixed head of the prompt (system prompt and
tools) is encoded once, kept on disk, and its KV cache reused by every reply.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from pixelsmith.agent.llm import LLMPlanner, LLMTurn, tool_specs
from pixelsmith.agent.local_decode import decode
from pixelsmith.agent.local_forms import forms
from pixelsmith.agent.local_prompt import compact
from pixelsmith.agent.planner_protocol import Observation, PlannerUnavailable
from pixelsmith.agent.validate import ARG_KINDS
from pixelsmith.errors import UserError
from pixelsmith.tools import default_tools
from pixelsmith.tools.tool_registry import ToolRegistry
from pixelsmith.views import WorkspaceView

log = logging.getLogger(__name__)
# the arguments that take ids, and of which kinds (the validator's, and crop's object to crop around)
# arguments that name something that exists: an artifact's id, or a taught concept's name
ID_KINDS = {
    **{name: (kind,) for name, kind in ARG_KINDS.items()},
    "around": ("detection", "mask"),
    "concept": ("concept",),
}
NAMES = ("concept", "stopped concept", "edited")  # of `known_ids`' kinds, the ones that are no artifact's
_BACK = ("undo", "revert")  # offered only when the current image is an edit, not the photo as given
CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.S)


class LocalChatModel(BaseChatModel):
    """A chat model over a loaded `PlannerLLM`, decoding under the tools' grammar."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    load: Callable[[], Any]  # the registry's planner model, loaded on first use
    tool_format: str = "qwen_3"
    max_new_tokens: int = 384
    max_string_chars: int = 300
    max_list_items: int = 8
    temperature: float = 0.0
    grammars: dict[str, Any] = {}  # compiled grammars by their tools and choice
    last: dict[str, float] = {}  # the last reply's figures: prompt and new tokens, seconds

    @property
    def _llm_type(self) -> str:
        return "pixelsmith-local"

    def bind_tools(self, tools: list[dict[str, Any]], **kwargs: Any):
        return self.bind(tools=tools, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        *,
        tools: list[dict[str, Any]] | None = None,
        known: dict[str, list[str]] | None = None,
        choice: str | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llm, tools = self.load(), list(tools or [])
        first = isinstance(messages[-1], HumanMessage)  # a new request: it must call a tool
        grammar = self._grammar(llm, tools, known or {}, choice or ("required" if first else "auto"))
        chat = [_as_dict(m) for m in messages]
        inputs = llm.tokenizer.apply_chat_template(
            chat, tools=compact(tools), add_generation_prompt=True, enable_thinking=False,
            return_dict=True, return_tensors="pt",
        )  # fmt: skip
        ids = inputs["input_ids"].to(llm.device)
        start = time.perf_counter()
        with llm.lock:
            cache = self._cached_head(llm, chat, tools, ids, room=self.max_new_tokens)
            reply = decode(
                llm.model, ids, cache, grammar, max_new_tokens=self.max_new_tokens, stops=llm.stops,
                temperature=self.temperature,
            )  # fmt: skip
        new = reply.tokens
        self.last.update(
            prompt=ids.shape[1], new=len(new), forced=reply.forced, passes=reply.passes,
            seconds=time.perf_counter() - start,
        )  # fmt: skip
        if not reply.finished:  # the grammar lets a stop through only at its end
            raise PlannerUnavailable(
                f"the local planner's reply did not finish within {self.max_new_tokens} tokens "
                "(planner_model.max_new_tokens)"
            )
        text = llm.tokenizer.decode(new, skip_special_tokens=False)
        return ChatResult(generations=[ChatGeneration(message=_reply(text, llm.tokenizer))])

    def _grammar(self, llm: Any, tools: list[dict[str, Any]], known: dict[str, list[str]], choice: str):
        import xgrammar as xgr

        usable = [f for t in tools for f in constrain(t, known, self.max_string_chars, self.max_list_items)]
        if not usable:
            choice = "none"
        key = json.dumps([usable, choice], sort_keys=True)
        if key not in self.grammars:
            tag = xgr.get_builtin_structural_tag(
                self.tool_format,
                tools=usable,
                tool_choice=choice,
                reasoning="disabled",
                parallel_tool_calls=False,
            ).model_dump()
            for block in tag["format"].get("tags", []):  # JSON's spaces one at a time, not a runaway of them
                block["content"]["max_whitespace_cnt"] = 1
            if choice == "required":  # a call straight away, no text first: one of the tools' blocks
                tag["format"] = {"type": "or", "elements": tag["format"]["tags"]}
            if len(self.grammars) > 64:
                self.grammars.clear()
            self.grammars[key] = llm.compiler.compile_structural_tag(xgr.StructuralTag.model_validate(tag))
        return self.grammars[key]

    def _cached_head(
        self, llm: Any, chat: list[dict[str, Any]], tools: list[dict[str, Any]], ids: Any, room: int
    ):
        """A cache holding the KV of the prompt's fixed head (the system prompt and the tools as
        `compact` writes them; encoded once, shared by every session's planner and kept on disk
        by the model's store), with room for the rest of `ids` and `room` new tokens; None when
        this prompt does not start with it. Call under `llm.lock`."""
        system = [m for m in chat[:1] if m["role"] == "system"]
        head_text = llm.tokenizer.apply_chat_template(system, tools=compact(tools), tokenize=False)
        return llm.head_cache(head_text, ids, room)


def constrain(
    tool: dict[str, Any], known: dict[str, list[str]], chars: int, items: int
) -> list[dict[str, Any]]:
    """`tool`'s function spec with its arguments narrowed for the grammar, once per valid form
    of a call (`local_forms`): each id argument one of `known[kind]`; free text at most
    `chars` characters and lists at most `items` long. Empty when no call can be valid now
    (a required id has no candidate: no mask yet to inpaint; nothing edited yet to undo)."""
    spec = copy.deepcopy(tool)
    function = spec["function"]
    if function["name"] in _BACK and not known.get("edited"):
        return []
    schema = function.get("parameters") or {"type": "object", "properties": {}}
    properties, required = schema.setdefault("properties", {}), set(schema.get("required", []))
    for name in list(properties):
        kinds = ID_KINDS.get(name) or (("any",) if function["name"] == "select" and name == "id" else ())
        if not kinds:
            continue
        ids = sorted(
            {i for k, v in known.items() if k in kinds or ("any" in kinds and k not in NAMES) for i in v}
        )
        if not ids:
            if name in required:
                return []
            del properties[name]
            continue
        properties[name] = _ids_only(properties[name], ids)
    _cap(schema, chars, items)
    shaped = []
    for form in forms(function["name"], schema, known):
        one = copy.deepcopy(spec)
        one["function"]["parameters"] = form
        shaped.append(one)
    return shaped


def _ids_only(prop: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """A property that takes an id (or a list of ids), now only one of `ids`."""
    text = {"type": "string", "enum": ids}
    if _takes_list(prop):
        return {"type": "array", "items": text, "minItems": 1, "maxItems": len(ids)}
    return text


def _takes_list(prop: dict[str, Any]) -> bool:
    kinds = [prop, *prop.get("anyOf", [])]
    return any(k.get("type") == "array" for k in kinds)


def _cap(node: Any, chars: int, items: int) -> None:
    """Free strings at most `chars` long and lists at most `items`, everywhere in a schema."""
    if isinstance(node, list):
        for child in node:
            _cap(child, chars, items)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and "enum" not in node and "const" not in node:
        node["maxLength"] = min(node.get("maxLength", chars), chars)
    if node.get("type") == "array":
        node["maxItems"] = min(node.get("maxItems", items), items)
    for value in node.values():
        _cap(value, chars, items)


def _as_dict(message: BaseMessage) -> dict[str, Any]:
    """A LangChain message as the chat template reads it."""
    text = message.content if isinstance(message.content, str) else " ".join(
        p.get("text", "") for p in message.content if isinstance(p, dict)
    )  # fmt: skip
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": text}
    if isinstance(message, ToolMessage):
        return {"role": "tool", "content": text}
    if isinstance(message, AIMessage):
        calls = [{"type": "function", "function": {"name": c["name"], "arguments": c["args"]}}
                 for c in message.tool_calls]  # fmt: skip
        return {"role": "assistant", "content": text, "tool_calls": calls}
    return {"role": "user", "content": text}


def _reply(text: str, tokenizer: Any) -> AIMessage:
    """The decoded reply as a message: its `<tool_call>` blocks as tool calls, the rest as text."""
    for token in (tokenizer.eos_token, tokenizer.pad_token, "<|im_end|>", "<|endoftext|>"):
        if token:
            text = text.replace(token, "")
    calls = []
    for number, found in enumerate(CALL.finditer(text)):
        # the grammar made it JSON (xgrammar lets a raw control character into a string, which
        # strict JSON escapes: read leniently); a failure here is a bug, not the model's
        call = json.loads(found[1], strict=False)
        calls.append({"name": call["name"], "args": call.get("arguments") or {}, "id": f"local-{number}"})
    said = CALL.sub("", text).replace("<think>", "").replace("</think>", "").strip()
    return AIMessage(content=said, tool_calls=calls)


def known_ids(view: WorkspaceView) -> dict[str, list[str]]:
    """The session's ids by kind, and the concepts' names (taught, and stopped part-way), as
    the grammar offers them."""
    known: dict[str, list[str]] = {}
    for artifact in view.artifacts:
        known.setdefault(artifact.kind, []).append(artifact.id)
    for kind, concepts in zip(
        ("concept", "stopped concept"), (view.concepts, view.stopped_concepts), strict=True
    ):
        if concepts:
            known[kind] = [c.name for c in concepts]
    current = view.get(view.current_image or "")
    if current is not None and current.parents:  # an edit: there is a version before it
        known["edited"] = [current.id]
    return known


class LocalTurn(LLMTurn):
    """The LLM planner's turn, telling the local model which ids exist at each reply."""

    def __init__(self, planner: Any, message: str, view: WorkspaceView) -> None:
        planner.known = known_ids(view)
        super().__init__(planner, message, view)

    def next(self, observations: list[Observation], view: WorkspaceView):
        self.planner.known = known_ids(view)
        return super().next(observations, view)


class LocalPlanner(LLMPlanner):
    """The LLM planner with the built-in local model (`--planner local`)."""

    name = "local"

    def __init__(self, chat_model: LocalChatModel, *, tools: ToolRegistry | None = None, where: str) -> None:
        super().__init__(chat_model, tools=tools, where=where, sees=False, check=False)
        self.known: dict[str, list[str]] = {}

    @classmethod
    def from_registry(cls, models: Any, *, tools: ToolRegistry | None = None) -> LocalPlanner:
        spec = models.settings.planner_model
        chat = LocalChatModel(
            load=lambda: models.get("planner"),
            tool_format=spec.tool_format,
            max_new_tokens=spec.max_new_tokens,
            max_string_chars=spec.max_string_chars,
            max_list_items=spec.max_list_items,
            temperature=spec.temperature,
        )
        return cls(chat, tools=tools or default_tools(), where=f"the local planner ({spec.model})")

    def begin(self, message: str, view: WorkspaceView) -> LocalTurn:
        return LocalTurn(self, message, view)

    def resume(self, state: dict[str, Any], *, steps_done: int) -> LocalTurn:
        turn = LocalTurn.restore(self, state)
        return turn

    def invoke(self, messages: list[Any]) -> Any:
        """The model's reply; a missing or broken model, or no memory for it, is
        `PlannerUnavailable` in one sentence, so the rules take over with a note."""
        try:
            return self.model.invoke(messages, known=self.known)
        except PlannerUnavailable:
            raise
        except UserError as err:  # the missing-model sentence, a broken folder
            raise PlannerUnavailable(str(err)) from err
        except Exception as err:
            if "out of memory" in str(err).lower() or isinstance(err, MemoryError):
                raise PlannerUnavailable(
                    "the local planner ran out of memory; use a smaller planner_model.model, or "
                    "--planner offline"
                ) from err
            log.exception("the local planner failed")
            first = (str(err).strip().splitlines() or [""])[0][:160]
            raise PlannerUnavailable(f"the local planner failed ({type(err).__name__}: {first})") from err


__all__ = ["LocalChatModel", "LocalPlanner", "constrain", "known_ids", "tool_specs"]
