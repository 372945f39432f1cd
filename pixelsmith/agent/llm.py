"""The LLM planner: LangChain tool calling through `ChatOpenAI`.

Works with OpenAI and any OpenAI-compatible server (Ollama, vLLM, llama.cpp) through
`llm_base_url`. The model sees the workspace summary and each tool's schema, calls tools,
reads their results and decides the next step. Only registered tools can be called; the
agent validates every call before it runs. Timeouts, rate limits and server errors are
retried with backoff by the client; after that `PlannerUnavailable` makes the agent fall
back to the offline planner with a notice.

A model that sees (`agent.pictures.sees`) is also shown pictures as OpenAI image parts:
the current image when the turn begins, then the numbered boxes, the numbered candidate
masks and each edit's result, within a budget per request (older pictures are left out
first). After an edit it is asked once whether the result does what the user asked; if
not, it may try once more, and the chat says why. A text-only model gets none of this.
"""

from __future__ import annotations

import base64
import logging
from importlib import resources
from typing import Any

from pixelsmith.agent.actions import ACTIONS
from pixelsmith.agent.pictures import Picture, of_image, of_result, sees
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.planner_protocol import Observation, PlannerUnavailable
from pixelsmith.config import Settings
from pixelsmith.tools import default_tools
from pixelsmith.tools.tool_registry import ToolRegistry
from pixelsmith.views import WorkspaceView

log = logging.getLogger(__name__)

CHECK = (
    "Look at the result. Does it do what the user asked (“{request}”)? Start your answer with YES "
    "or NO. If yes, go on with what is left of the request, or answer the user. If no, say in one "
    "sentence what is wrong and call a tool to try once more (another seed, a grown mask, other words)."
)
LAST_TRY = "That was the one more try: go on with what is left of the request, or answer the user."


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


class LLMTurn:
    """One user message's conversation with the model (its `state()` survives a review)."""

    def __init__(self, planner: LLMPlanner, message: str, view: WorkspaceView) -> None:
        from langchain_core.messages import HumanMessage, SystemMessage

        self.planner = planner
        self.request = message
        self.draw = view.draw
        self.malformed = 0
        self.check: dict[str, str] | None = None  # the edit the model was asked to look at
        self.retries: list[str] = []  # call ids of a try once more: their results are not checked
        self.drawn: dict[Picture, str] = {}  # data URLs, this process only
        first = f"Workspace:\n{view.text()}\n\nUser request: {message}"
        pictures = [of_image(view.current_image, f"the current image, {view.current_image}")]
        seen = planner.sees and view.current_image
        self.messages: list[Any] = [
            SystemMessage(system_prompt(seeing=planner.sees)),
            HumanMessage(_parts(first, pictures) if seen else first),
        ]

    # -- a paused turn ----------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        from langchain_core.messages import messages_to_dict

        return {
            "messages": messages_to_dict(self.messages),
            "request": self.request,
            "malformed": self.malformed,
            "retries": list(self.retries),
        }

    @classmethod
    def restore(cls, planner: LLMPlanner, state: dict[str, Any]) -> LLMTurn:
        from langchain_core.messages import messages_from_dict

        turn = cls.__new__(cls)
        turn.planner, turn.request, turn.draw = planner, state.get("request", ""), None
        turn.malformed, turn.check, turn.drawn = int(state.get("malformed", 0)), None, {}
        turn.retries = list(state.get("retries", []))
        turn.messages = messages_from_dict(state.get("messages", []))
        return turn

    # -- the conversation -------------------------------------------------------------
    def next(self, observations: list[Observation], view: WorkspaceView) -> Plan:
        from langchain_core.messages import ToolMessage

        self.draw = view.draw
        answered = set()
        for obs in observations:
            answered.add(obs.call_id)
            self.messages.append(ToolMessage(obs.text, tool_call_id=obs.call_id))
        self._answer_unanswered(answered)
        if observations:
            self.messages[-1].content += f"\n\nWorkspace now:\n{view.text()}"
            if self.planner.sees:
                self._show(observations, view)
        return self._ask()

    def _show(self, observations: list[Observation], view: WorkspaceView) -> None:
        """The pictures of what the steps made; after an edit, the question whether it is right."""
        from langchain_core.messages import HumanMessage

        pictures, edit = [], None
        for obs in (o for o in observations if o.ok and (o.edit or o.kind != "images")):
            if (picture := of_result(_Artifacts(view), obs.kind, obs.ids)) is not None:
                pictures.append(picture)
            edit = obs if obs.edit else edit
        if not pictures:
            return
        text = "Pictures of what the steps made:"
        if edit is not None and edit.call_id in self.retries:
            text += "\n" + LAST_TRY
        elif edit is not None and self.planner.check:
            text += "\n" + CHECK.format(request=self.request)
            self.check = {"tool": edit.tool, "image": edit.ids[0]}
        self.messages.append(HumanMessage(_parts(text, pictures)))

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

        reply = self.planner.invoke(self._outgoing())
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
        said = _text(reply.content)
        if not reply.tool_calls:
            self.check = None
            return Plan(reply=said, planner="llm")
        steps = [
            Step(tool=c["name"], args=dict(c["args"] or {}), call_id=c["id"] or f"call-{i}")
            for i, c in enumerate(reply.tool_calls)
        ]
        return Plan(steps=steps, planner="llm", note=self._retry_note(said, steps))

    def _retry_note(self, said: str, steps: list[Step]) -> str:
        """After a check: calls that try the edit again are a retry, said in the chat."""
        check, self.check = self.check, None
        if check is None:
            return ""
        again = any(s.tool == check["tool"] or s.tool == "refine_mask" for s in steps)
        if said.lower().startswith("yes") or not (again or said.lower().startswith("no")):
            return ""
        self.retries += [s.call_id for s in steps]
        why = said[2:].lstrip(" .,:;-—") if said.lower().startswith("no") else said
        why = why or "the result does not do what was asked"
        return f"Checked {check['image']}: {why} Trying once more."

    def _outgoing(self) -> list[Any]:
        """The messages with pictures drawn, newest first within the budget (count and bytes)."""
        count, size, out = 0, 0, []
        for message in reversed(self.messages):
            if isinstance(message.content, list) and any(_is_picture(p) for p in message.content):
                parts = []
                for part in reversed(message.content):
                    if _is_picture(part):
                        url = self._url(Picture.from_dict(part))
                        if (
                            url
                            and count < self.planner.max_pictures
                            and size + len(url) <= self.planner.max_bytes
                        ):
                            count, size = count + 1, size + len(url)
                            part = {"type": "image_url", "image_url": {"url": url}}
                        else:
                            part = {"type": "text", "text": f"(the picture {part['caption']} is left out)"}
                    parts.append(part)
                message = message.model_copy(update={"content": parts[::-1]})
            out.append(message)
        return out[::-1]

    def _url(self, picture: Picture) -> str | None:
        if picture not in self.drawn:
            if self.draw is None:
                return None
            try:
                jpeg = self.draw(picture)
            except Exception:  # a picture that cannot be drawn is left out, never the request
                log.warning("could not draw %s for the planner", picture, exc_info=True)
                return None
            self.drawn[picture] = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
        return self.drawn[picture]


class _Artifacts:
    """What `of_result` needs of a workspace, read from the planner's view."""

    def __init__(self, view: WorkspaceView) -> None:
        self.view = view

    def artifact(self, artifact_id: str):
        found = self.view.get(artifact_id)
        if found is None:
            raise KeyError(artifact_id)
        return found


def _parts(text: str, pictures: list[Picture]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    for picture in pictures:
        parts += [{"type": "text", "text": picture.caption + ":"}, picture.to_dict()]
    return parts


def _is_picture(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") == "picture"


def _text(content: Any) -> str:
    if isinstance(content, list):
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "").strip()


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
    ) -> None:
        self.model = chat_model.bind_tools(tool_specs(tools or default_tools()))
        self.where = where
        self.max_malformed = max_malformed
        self.sees, self.check = sees, check
        self.max_pictures, self.max_bytes = max_pictures, max_bytes

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
        return cls(
            chat_model,
            tools=tools,
            where=settings.llm_base_url or settings.llm_model or "the LLM",
            sees=sees(settings.llm_vision, settings.llm_model)[0],
            check=settings.llm_check,
            max_pictures=settings.llm_max_pictures,
            max_bytes=settings.llm_max_picture_bytes,
        )

    def begin(self, message: str, view: WorkspaceView) -> LLMTurn:
        return LLMTurn(self, message, view)

    def resume(self, state: dict[str, Any], *, steps_done: int) -> LLMTurn:
        return LLMTurn.restore(self, state)

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
