"""The LLM planner: LangChain tool calling through `ChatOpenAI`.

Works with OpenAI and any OpenAI-compatible server (Ollama, vLLM, llama.cpp) through
`llm_base_url`. The model sees the workspace summary and each tool's schema, calls tools,
reads their results and decides the next step. Only registered tools can be called; the
agent validates every call before it runs. Timeouts, rate limits and server errors are
retried with backoff by the client; after that `PlannerUnavailable` makes the agent fall
back to the offline planner with a notice. A request has a deadline (`llm_timeout` for each
try the client makes), streaming included: a server that answers one byte a second is cut
off there. A reply is kept to `MAX_REPLY_CHARS` and a call's arguments to `MAX_ARGS_CHARS`
(the model is told), so no session grows by what a model says.

A model that sees (`agent.pictures.sees`) is also shown pictures as OpenAI image parts:
the current image when the turn begins, then the numbered boxes, the numbered candidate
masks and each edit's result, within a budget per request (older pictures are left out
first). After an edit it is asked once whether the result does what the user asked; if
not, it may try once more, and the chat says why. A text-only model gets none of this.
The conversation of one message is an `agent.llm_turn.LLMTurn`.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources
from typing import Any

from pixelsmith.agent.actions import ACTIONS
from pixelsmith.agent.llm_turn import CHECK, LAST_TRY, MAX_ARGS_CHARS, MAX_REPLY_CHARS, LLMTurn
from pixelsmith.agent.pictures import sees
from pixelsmith.agent.planner_protocol import PlannerUnavailable
from pixelsmith.config import Settings
from pixelsmith.tools import default_tools
from pixelsmith.tools.tool_registry import ToolRegistry
from pixelsmith.views import WorkspaceView

log = logging.getLogger(__name__)
__all__ = ["CHECK", "LAST_TRY", "MAX_ARGS_CHARS", "MAX_REPLY_CHARS", "LLMPlanner", "LLMTurn"]


def tool_specs(tools: ToolRegistry) -> list[dict[str, Any]]:
    """OpenAI function specs for every registered tool and workspace action."""
    entries = [(t.name, t.description, t.input_model) for t in tools]
    entries += [(a.name, a.description, a.input_model) for a in ACTIONS.values()]
    return [
        {
            "type": "function",
            "function": {"name": name, "description": text, "parameters": model.model_json_schema()},
        }
        for name, text, model in entries
    ]


def system_prompt(*, seeing: bool = False) -> str:
    folder = resources.files("pixelsmith.prompts")
    text = folder.joinpath("planner_system.md").read_text()
    return text + "\n" + folder.joinpath("planner_pictures.md").read_text() if seeing else text


def _unavailable(err: Exception, where: str) -> PlannerUnavailable:
    detail = str(err).splitlines()[0][:160] if str(err) else ""
    return PlannerUnavailable(f"the LLM at {where} did not answer ({type(err).__name__}: {detail})")


class LLMPlanner:
    """Plans with a LangChain chat model that supports `bind_tools`."""

    name = "llm"
    accepts_feedback = True  # tool results and validation errors go back to the model

    def __init__(
        self,
        chat_model: Any,
        *,
        tools: ToolRegistry | None = None,
        where: str = "the LLM",
        max_malformed: int = 2,
        sees: bool = False,
        check: bool = True,
        max_pictures: int = 6,
        max_bytes: int = 4_000_000,
        deadline: float | None = None,
        remake: Any = None,
    ) -> None:
        self.specs = tool_specs(tools or default_tools())
        self.chat_model = chat_model
        self.model = chat_model.bind_tools(self.specs)
        self.where = where
        self.max_malformed = max_malformed
        self.sees, self.check = sees, check
        self.max_pictures, self.max_bytes = max_pictures, max_bytes
        self.deadline = deadline  # seconds a whole invoke may take (None: the client's own timeouts)
        self.remake = remake  # a fresh chat model, after one whose client was closed at a deadline

    @classmethod
    def from_settings(
        cls, settings: Settings, *, chat_model: Any = None, tools: ToolRegistry | None = None
    ) -> LLMPlanner:
        remake = None
        if chat_model is None:
            from langchain_openai import ChatOpenAI

            key = settings.llm_api_key or None
            if key is None and settings.llm_base_url:
                import os

                key = os.environ.get("OPENAI_API_KEY") or "not-needed"  # local servers take any key

            def remake() -> Any:
                import httpx

                return ChatOpenAI(
                    model=settings.llm_model,
                    base_url=settings.llm_base_url,
                    api_key=key,
                    timeout=settings.llm_timeout,
                    max_retries=settings.llm_max_retries,
                    temperature=0,
                    # its own connection pool (langchain shares one by default): closing it at a
                    # deadline ends this request's read and no other's
                    http_client=httpx.Client(timeout=settings.llm_timeout),
                )

            chat_model = remake()
        tries = settings.llm_max_retries + 1
        return cls(
            chat_model,
            remake=remake,
            deadline=settings.llm_timeout * tries + 2.0 * settings.llm_max_retries,  # with the backoff
            tools=tools,
            where=settings.llm_base_url or settings.llm_model or "the LLM",
            sees=sees(settings.llm_vision, settings.llm_model)[0],
            check=settings.llm_check,
            max_pictures=settings.llm_max_pictures,
            max_bytes=settings.llm_max_picture_bytes,
        )

    def system_prompt(self) -> str:
        return system_prompt(seeing=self.sees)

    def begin(self, message: str, view: WorkspaceView) -> LLMTurn:
        return LLMTurn(self, message, view)

    def resume(self, state: dict[str, Any], *, steps_done: int) -> LLMTurn:
        return LLMTurn.restore(self, state)

    def invoke(self, messages: list[Any]) -> Any:
        """The model's reply, within the deadline. Any failure of the client, the transport
        or the reply (no answer, an error status, a body that is not a chat completion, no
        end by the deadline) is `PlannerUnavailable`, so the agent falls back to the offline
        planner with a note; the client has already retried what is worth retrying."""
        done, box = threading.Event(), {}

        def call() -> None:
            try:
                box["reply"] = self.model.invoke(messages)
            except BaseException as err:  # handed to the waiting thread
                box["error"] = err
            finally:
                done.set()

        threading.Thread(target=call, name="pixelsmith-llm", daemon=True).start()
        if not done.wait(self.deadline):
            self._cut_off()
            raise PlannerUnavailable(
                f"the LLM at {self.where} did not finish its answer within {self.deadline:.0f} s "
                "(llm_timeout, for each try)"
            )
        if "error" in box:
            log.warning("the LLM at %s failed", self.where, exc_info=box["error"])
            raise _unavailable(box["error"], self.where) from box["error"]
        return box["reply"]

    def _cut_off(self) -> None:
        """Close the client of a request past its deadline (its read ends), and start afresh."""
        client = getattr(self.chat_model, "http_client", None)
        if client is not None and hasattr(client, "close"):
            client.close()
        if self.remake is not None:
            self.chat_model = self.remake()
            self.model = self.chat_model.bind_tools(self.specs)
