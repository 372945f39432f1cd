"""A click on the review picture is never lost to a rerun (ci19's lost first click): Streamlit
stops a running script when a rerun comes (the brush canvas asks for one once it is mounted),
and a click taken as handled had its refine cut off before the choice was saved. The click
is now marked handled only as its refine starts, and that refine is carried to its end."""

from __future__ import annotations

import threading

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

from pixelsmith.agent import events as ev
from pixelsmith.ui.session import run


def _steps(done: list[str]):
    def steps():
        for name in ("segment", "choose"):
            yield ev.Notice(name)
            done.append(name)  # the choice is saved after the step's last event is drawn

    return steps


def _interrupted(event: ev.Event) -> None:
    raise RerunException(None)  # Streamlit, at the first draw after a rerun was asked for


@pytest.mark.parametrize(("finish", "carried"), [(True, ["segment", "choose"]), (False, [])])
def test_a_rerun_mid_refine_finishes_a_click_and_cancels_the_rest(tmp_path, finish, carried):
    from pixelsmith.workspace import Workspace

    ws, done, cancel = Workspace.create(tmp_path), [], threading.Event()
    with pytest.raises(RerunException):
        run(_steps(done), _interrupted, ws=ws, cancel=cancel, finish=finish)
    assert done == carried  # a click's refine ran to its end, undrawn; anything else stopped
    assert cancel.is_set() is not finish
