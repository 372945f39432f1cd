"""The LLM planner: LangChain tool calling through `ChatOpenAI`.

Works with OpenAI and any OpenAI-compatible server (Ollama, vLLM, llama.cpp) through
`llm_base_url`. The model sees the workspace summary and each tool's schema, calls tools,
reads their results and decides the next step. Only registered tools can be called; the
agent validates every call before it runs. Timeouts, rate limits and server errors are
retried with backoff by the client; after that `PlannerUnavailable` makes the agent fall
back to the offline planner with a notice.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from pixelsmith.agent.actions import ACTIONS
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.planner import Observation, PlannerUnavailable
from pixelsmith.config import Settings
from pixelsmith.tools import default_tools
from pixelsmith.tools.registry import ToolRegistry
from pixelsmith.views import WorkspaceView

log = logging.getLogger(__name__)


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


def system_prompt() -> str:
    return resources.files("pixelsmith.prompts").joinpath("planner_system.md").read_text()


def _unavailable(err: Exception, where: str) -> PlannerUnavailable:
    detail = str(err).splitlines()[0][:160] if str(err) else ""
    return PlannerUnavailable(f"the LLM at {where} did not answer ({type(err).__name__}: {detail})")


class LLMTurn:
    """One user message's conversation with the model."""

    def __init__(self, planner: LLMPlanner, message: str, view: WorkspaceView) -> None:
        from langchain_core.messages import HumanMessage, SystemMessage

        self.planner = planner
        self.messages: list[Any] = [
            SystemMessage(system_prompt()),
            HumanMessage(f"Workspace:\n{view.text()}\n\nUser request: {message}"),
        ]
        self.malformed = 0

    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan:
        from langchain_core.messages import ToolMessage

        answered = set()
        for obs in observations:
            answered.add(obs.call_id)
            self.messages.append(ToolMessage(obs.text, tool_call_id=obs.call_id))
        self._answer_unanswered(answered)
        if observations:
            self.messages[-1].content += f"\n\nWorkspace now:\n{view.text()}"
        return self._ask()

    def _answer_unanswered(self, answered: set[str]) -> None:
        """Every tool call needs a reply; calls after a failed one were not run."""
        from langchain_core.messages import AIMessage, ToolMessage

        last_ai = next((m for m in reversed(self.messages) if isinstance(m, AIMessage)), None)
        for call in last_ai.tool_calls if last_ai else []:
            if call["id"] not in answered and not any(
                isinstance(m, ToolMessage) and m.tool_call_id == call["id"] for m in self.messages
            ):
                self.messages.append(ToolMessage("not run: an earlier call failed", tool_call_id=call["id"]))

    def _ask(self) -> Plan:
        from langchain_core.messages import ToolMessage

        reply = self.planner.invoke(self.messages)
        self.messages.append(reply)
        bad = getattr(reply, "invalid_tool_calls", None) or []
        if bad:
            self.malformed += 1
            if self.malformed > self.planner.max_malformed:
                raise PlannerUnavailable("the LLM kept sending malformed tool calls")
            for call in bad:
                problem = call.get("error") or "arguments are not JSON"
                self.messages.append(
                    ToolMessage(
                        f"malformed call to {call.get('name')}: {problem}; send valid JSON arguments",
                        tool_call_id=call.get("id") or "invalid",
                    )
                )
            self._answer_unanswered(set())
            return self._ask()
        if not reply.tool_calls:
            return Plan(reply=str(reply.content or "").strip(), planner="llm")
        steps = [
            Step(tool=c["name"], args=dict(c["args"] or {}), call_id=c["id"] or f"call-{i}")
            for i, c in enumerate(reply.tool_calls)
        ]
        return Plan(steps=steps, planner="llm")


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
    ) -> None:
        self.model = chat_model.bind_tools(tool_specs(tools or default_tools()))
        self.where = where
        self.max_malformed = max_malformed

    @classmethod
    def from_settings(
        cls, settings: Settings, *, chat_model: Any = None, tools: ToolRegistry | None = None
    ) -> LLMPlanner:
        if chat_model is None:
            from langchain_openai import ChatOpenAI

            key = settings.llm_api_key or None
            if key is None and settings.llm_base_url:
                import os

                key = os.environ.get("OPENAI_API_KEY") or "not-needed"  # local servers take any key
            chat_model = ChatOpenAI(
                model=settings.llm_model,
                base_url=settings.llm_base_url,
                api_key=key,
                timeout=settings.llm_timeout,
                max_retries=settings.llm_max_retries,
                temperature=0,
            )
        return cls(chat_model, tools=tools, where=settings.llm_base_url or settings.llm_model or "the LLM")

    def begin(self, message: str, view: WorkspaceView) -> LLMTurn:
        return LLMTurn(self, message, view)

    def invoke(self, messages: list[Any]) -> Any:
        """The model's reply. Any failure of the client, the transport or the reply (no
        answer, an error status, a body that is not a chat completion) is `PlannerUnavailable`,
        so the agent falls back to the offline planner with a note; the client has already
        retried what is worth retrying."""
        try:
            return self.model.invoke(messages)
        except Exception as err:
            log.warning("the LLM at %s failed", self.where, exc_info=True)
            raise _unavailable(err, self.where) from err
