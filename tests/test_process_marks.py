"""Which process holds a turn or a temporary file: a pid and its start time, so that a
server restarted with the pid of the one that was killed (a container's server gets the same
pid each time) and a killed process not yet reaped (a zombie) do not pass for live ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psutil

from pixelsmith import processes
from pixelsmith.agent.agent import note_cut_off
from pixelsmith.files import atomic_write, sweep
from pixelsmith.workspace import Workspace

CUT_OFF = "This request was cut off"


def _same_pid_earlier_start() -> str:
    """This process's pid with another start time: the mark a killed server of the same pid left."""
    return f"{os.getpid()}-{round(psutil.Process().create_time()) - 3600}"


def test_this_process_is_alive_and_its_mark_is_stable() -> None:
    assert processes.mark() == processes.mark(os.getpid())
    assert processes.alive(processes.mark()) and processes.alive(os.getpid())


def test_a_killed_process_its_parent_has_not_reaped_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    mark = processes.mark(child.pid)
    deadline = time.monotonic() + 30
    while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert psutil.pid_exists(child.pid)  # the pid still answers: only its status says it is gone
        assert not processes.alive(mark) and not processes.alive(child.pid)
    finally:
        child.wait()
    assert not processes.alive(mark)


def test_a_pid_taken_by_a_newer_process_is_not_the_old_holder() -> None:
    assert not processes.alive(_same_pid_earlier_start())
    assert not processes.alive(f"{2**22 + 12345}-1")  # no such pid at all


def test_a_turn_left_by_a_killed_server_of_the_same_pid_is_noted(tmp_path) -> None:
    ws = Workspace.create(tmp_path, "restarted")
    with ws.transaction() as record:
        record.turn = 3
        record.running = {2: processes.mark(), 3: _same_pid_earlier_start()}  # 2: this one, still at it
    note_cut_off(ws)
    reopened = Workspace.open(tmp_path, "restarted")
    assert reopened.record.running == {2: processes.mark()}
    assert [(m.turn, m.text.startswith(CUT_OFF)) for m in reopened.record.messages] == [(3, True)]


def test_a_session_written_with_bare_pids_still_opens_and_is_checked(tmp_path) -> None:
    ws = Workspace.create(tmp_path, "older")
    record = json.loads((ws.folder / "session.json").read_text())
    record.update(turn=1, running={"1": 2**22 + 12345})  # as sessions were written before marks
    (ws.folder / "session.json").write_text(json.dumps(record))
    older = Workspace.open(tmp_path, "older")
    assert older.record.running == {1: 2**22 + 12345}
    note_cut_off(older)
    assert older.record.running == {} and older.record.messages[0].text.startswith(CUT_OFF)


def test_sweep_removes_what_a_killed_writer_of_the_same_pid_left(tmp_path) -> None:
    left = tmp_path / f".a.png.{_same_pid_earlier_start()}.x1y2z3.tmp"
    left.write_bytes(b"half")
    atomic_write(tmp_path / "b.txt", lambda tmp: tmp.write_text("whole"))
    live = tmp_path / f".c.png.{processes.mark()}.q9w8e7.tmp"  # one this process is writing
    live.write_bytes(b"half")
    assert sweep(tmp_path) == [left]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "b.txt"])
