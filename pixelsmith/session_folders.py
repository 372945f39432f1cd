"""The folder of sessions: where each lives, which there are, and what a kill left behind."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from filelock import FileLock, Timeout

from pixelsmith.records import SessionRecord


def sessions_root(data_dir: Path) -> Path:
    return Path(data_dir) / "sessions"


ORPHAN_AGE_S = 120  # a session folder this old without its session.json was left by a kill


def sweep_orphans(data_dir: Path) -> list[Path]:
    """Remove session folders a kill left before their first save (artifacts, no session.json,
    no writer holding their lock); returns what was removed."""
    removed = []
    for folder in sessions_root(data_dir).glob("*/"):
        if (folder / "session.json").exists() or time.time() - folder.stat().st_mtime < ORPHAN_AGE_S:
            continue
        try:
            with FileLock(folder / ".lock", timeout=0):
                shutil.rmtree(folder / "artifacts", ignore_errors=True)
        except Timeout:
            continue  # someone is writing it now
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def list_sessions(data_dir: Path) -> list[SessionRecord]:
    """Every session under `data_dir`, newest first (unreadable ones are skipped)."""
    records = []
    for path in sessions_root(data_dir).glob("*/session.json"):
        try:
            records.append(SessionRecord.model_validate_json(path.read_text()))
        except (OSError, ValueError):
            continue
    return sorted(records, key=lambda r: -r.created)
