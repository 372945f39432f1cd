"""One browser tab's session: the workspace named in the URL and its agent.

The session id lives in the URL (`?session=...`), so a reload or a server restart
reopens the same workspace from disk, and a second tab (no id yet) starts its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
from PIL import Image

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.config import Settings
from pixelsmith.errors import UserError
from pixelsmith.models import ModelRegistry
from pixelsmith.records import MessageRecord
from pixelsmith.workspace import Workspace

log = logging.getLogger("pixelsmith.ui")


@dataclass
class Options:
    """What the sidebar sets for the next request."""

    planner: str = "auto"
    seed: int | None = None  # None: a fresh random seed per step (recorded)
    defaults: dict[str, Any] = field(default_factory=dict)  # tool arguments where a step gives none
    models: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (model id, backend)


@dataclass
class Staged:
    """An image waiting to go with the next message."""

    image: Image.Image
    name: str


_open: dict[tuple[str, str], Workspace] = {}
_open_lock = threading.Lock()


def shared(data_dir: Path, session_id: str) -> Workspace:
    """One `Workspace` per session per server process, whichever tabs show it."""
    key = (str(Path(data_dir).resolve()), session_id)
    with _open_lock:
        if key not in _open or not _open[key].folder.is_dir():
            _open[key] = Workspace.open(data_dir, session_id)
        return _open[key]


def _new(data_dir: Path, owner: str) -> Workspace:
    """A draft session: on disk, in the URL and in the session list from its first message."""
    return Workspace.create(data_dir, owner=owner, draft=True)


def _register(ws: Workspace) -> None:
    with _open_lock:
        _open[(str(ws.data_dir.resolve()), ws.id)] = ws


def workspace(data_dir: Path, *, owner: str, private: bool = False) -> Workspace:
    """The workspace of this tab: the URL's session, reopened from disk, or a new one; its
    record brought up to what other tabs and processes saved. `private` (a shared server):
    another browser's session is not opened, whatever the URL says."""
    wanted = st.query_params.get("session")
    current: Workspace | None = st.session_state.get("workspace")
    if current is not None and wanted in (None, current.id):
        if wanted is None and current.exists:  # its first message wrote it: now it can be reopened
            _register(current)
            st.query_params["session"] = current.id
        current.refresh()
        return current
    if wanted:
        try:
            current = shared(data_dir, wanted)
            if private and current.record.owner != owner:
                raise UserError(f"session {wanted} belongs to another browser")
        except UserError as err:
            st.toast(f"{err}; started a new session")
            current = _new(data_dir, owner)
    else:
        current = _new(data_dir, owner)
    st.session_state["workspace"] = current
    st.session_state.pop("agent", None)
    if current.exists:
        st.query_params["session"] = current.id
    else:
        st.query_params.pop("session", None)
    return current


def switch(session_id: str | None) -> None:
    """Open another session (None: a new one) on the next run."""
    if session_id:
        st.query_params["session"] = session_id
    else:
        st.query_params.pop("session", None)
    st.session_state.pop("workspace", None)
    st.session_state.pop("staged", None)


def agent(ws: Workspace, models: ModelRegistry, settings: Settings, options: Options) -> Agent:
    """This tab's agent, rebuilt only when the workspace or the model registry changes."""
    current: Agent | None = st.session_state.get("agent")
    if current is None or current.workspace is not ws or current.models is not models:
        try:
            current = Agent(ws, models, planner=make_planner(settings, "offline"), interactive=True)
        except UserError as err:  # e.g. a bad tracking setting
            st.error(str(err))
            st.stop()
        st.session_state["agent"] = current
        st.session_state.pop("planner", None)
    current.seed, current.defaults = options.seed, dict(options.defaults)
    current.planner = _planner(settings, options.planner, models)
    return current


def _planner(settings: Settings, choice: str, models: ModelRegistry):
    """The chosen planner, kept across reruns; an unusable choice falls back to offline. The
    local model is the shared registry's (`models`), loaded once for every tab."""
    cached = st.session_state.get("planner")
    if cached and cached[0] == (choice, id(models)):
        return cached[1]
    try:
        planner = make_planner(settings, choice, models=models)
    except UserError as err:
        st.session_state["planner_error"] = str(err)
        planner = make_planner(settings, "offline")
    else:
        st.session_state.pop("planner_error", None)
    st.session_state["planner"] = ((choice, id(models)), planner)
    return planner


def run(
    steps: Callable[[], Iterable[ev.Event]],
    on_event: Callable[[ev.Event], None],
    *,
    ws: Workspace,
    cancel: Any = None,
    finish: bool = False,
) -> None:
    """Feed the agent's events to `on_event`; errors become a readable chat message.

    A user-fixable error is shown as is; anything else is logged with its traceback and
    shown as one short line (and kept in the session record, so a reload shows it).
    If Streamlit stops the script mid-run (the user clicked elsewhere), the job is cancelled;
    with `finish` (a short review step already taken as done: a click on the picture) it
    is carried to its end undrawn instead, so the next run shows it rather than losing it.
    """
    events: Iterable[ev.Event] = ()
    try:
        events = iter(steps())
        for event in events:
            on_event(event)
    except UserError as err:
        _record_error(ws, str(err))
        on_event(ev.ErrorEvent(str(err)))
    except Exception as err:
        log.exception("agent call failed")
        text = f"Something went wrong ({err.__class__.__name__}); the details are in the server log."
        if _is_oom(err):
            text = "The device ran out of memory; try fewer candidates, fewer steps or a smaller image."
        _record_error(ws, text)
        on_event(ev.ErrorEvent(text))
    except BaseException:
        if finish:
            run(lambda: events, lambda _: None, ws=ws)  # its errors are still recorded
        elif cancel is not None:
            cancel.set()
        raise


def _is_oom(err: BaseException) -> bool:
    return "out of memory" in str(err).lower()


def _record_error(ws: Workspace, text: str) -> None:
    with ws.transaction() as record:
        record.messages.append(
            MessageRecord(
                role="assistant", text=text, turn=record.turn, image=record.current_image, kind="error"
            )
        )


def make_current(ws: Workspace, image_id: str) -> None:
    """Button callback: an earlier version becomes the current image (undo goes back)."""
    try:
        with ws.transaction():
            ws.set_current(image_id)
    except UserError as err:
        st.toast(str(err))
