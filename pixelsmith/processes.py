"""Which process holds something (a turn it is running, a temporary file it is writing), and
whether that process still runs.

A process is marked by its pid *and* its start time ("1234-1765090123"): a pid alone says too
much. A container's server gets the same pid at every restart (tini is 1, the server a few
above it), so the pid of the killed server is the new server's own; and a killed process that
its parent has not reaped yet (a zombie) still answers to its pid.
"""

from __future__ import annotations

import functools
import os

import psutil


def mark(pid: int | None = None) -> str:
    """The mark of process `pid` (this one by default): its pid and start time in whole seconds."""
    pid = os.getpid() if pid is None else pid
    return _own(pid) if pid == os.getpid() else f"{pid}-{_started(pid)}"


@functools.cache
def _own(pid: int) -> str:  # by pid: a forked child is a process of its own
    return f"{pid}-{_started(pid)}"


def _started(pid: int) -> int:
    return round(psutil.Process(pid).create_time())


def alive(mark: str | int) -> bool:
    """Whether the process `mark` names still runs. A bare pid (written before marks had start
    times) is checked by its pid alone."""
    pid, _, started = str(mark).partition("-")
    try:
        process = psutil.Process(int(pid))
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return not started or abs(round(process.create_time()) - int(started)) <= 1
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's process: alive
        return True
