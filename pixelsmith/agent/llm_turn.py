"""One user message's conversation with the LLM planner: the messages, the pictures a model
that sees is shown (drawn when a request is sent, within the budget), the one check of each
edit and its retry, and the size limits on what the model says. `LLMTurn.state()` is what a
review's pause keeps; `LLMTurn.restore` takes it up again.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

from pixelsmith.agent.pictures import Picture, of_image, of_result
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.planner_protocol import Observation, PlannerUnavailable
from pixelsmith.errors import shorten
from pixelsmith.views import WorkspaceView

log = logging.getLogger(__name__)

CHECK = (
    "Look at the result. Does it do what the user asked (“{request}”)? Start your answer with YES "
    "or NO. If yes, go on with what is left of the request, or answer the user. If no, say in one "
    "sentence what is wrong and call a tool to try once more (another seed, a grown mask, other words)."
)
LAST_TRY = "That was the one more try: go on with what is left of the request, or answer the user."
MAX_REPLY_CHARS = 4000  # of a text reply kept (and shown): more is cut, and said
MAX_ARGS_CHARS = 20_000  # of one call's arguments as JSON: a longer call is refused and told


class LLMTurn:
    """One user message's conversation with the model (its `state()` survives a review);
    `planner` is the `agent.llm.LLMPlanner` that asks the model."""

    def __init__(self, planner: Any, message: str, view: WorkspaceView) -> None:
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
            SystemMessage(planner.system_prompt()),
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
    def restore(cls, planner: Any, state: dict[str, Any]) -> LLMTurn:
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
        if len(said) > MAX_REPLY_CHARS:  # kept short in the conversation and the session
            said = shorten(said, MAX_REPLY_CHARS)
            reply.content = said
        if oversized := [c for c in reply.tool_calls if len(json.dumps(c["args"] or {})) > MAX_ARGS_CHARS]:
            return self._refuse_oversized(reply, oversized)
        if not reply.tool_calls:
            self.check = None
            return Plan(reply=said, planner="llm")
        steps = [
            Step(tool=c["name"], args=dict(c["args"] or {}), call_id=c["id"] or f"call-{i}")
            for i, c in enumerate(reply.tool_calls)
        ]
        return Plan(steps=steps, planner="llm", note=self._retry_note(said, steps))

    def _refuse_oversized(self, reply: Any, oversized: list[dict]) -> Plan:
        """Calls whose arguments are too long are not kept: each is answered with the limit,
        the others with "not run", and the model asked again (as for malformed calls)."""
        from langchain_core.messages import ToolMessage

        self.malformed += 1
        if self.malformed > self.planner.max_malformed:
            raise PlannerUnavailable("the LLM kept sending calls with arguments over the size limit")
        for call in reply.tool_calls:
            call["args"] = {} if call in oversized else call["args"]
        for call in oversized:
            self.messages.append(
                ToolMessage(
                    f"not run: the arguments of {call['name']} are over {MAX_ARGS_CHARS} characters; "
                    "send shorter ones",
                    tool_call_id=call["id"],
                )
            )
        self._answer_unanswered({c["id"] for c in oversized})
        return self._ask()

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
