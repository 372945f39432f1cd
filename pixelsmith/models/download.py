"""A role's first load, as the user sees it: fetching its files from the hub (bytes done of
total, speed, time left), then building the model. `LoadStatus` is the record every face
shows; `fetch` downloads with huggingface_hub's progress hooks feeding it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pixelsmith.config import ModelSpec, Settings, looks_like_path
from pixelsmith.errors import ModelMissingError
from pixelsmith.models.hub import allowed_files, go_offline_unless_reachable, missing_many, missing_message

log = logging.getLogger(__name__)
REPORT_EVERY_S = 0.25  # at most this often a watcher hears of new bytes


@dataclass
class LoadStatus:
    """`role`'s model being made ready: `phase` "downloading" (bytes `done` of `total`, as
    huggingface_hub counts them) or "loading" (building it from the files on disk)."""

    role: str
    model: str
    phase: Literal["downloading", "loading"] = "loading"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def speed(self) -> float:
        """Bytes per second since the download began."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        if self.phase != "downloading" or not self.total or self.speed <= 0:
            return None
        return max(self.total - self.done, 0) / self.speed

    def line(self) -> str:
        """One sentence, e.g. 'downloading the detector (google/owlv2-…): 12.0 of 620.0 MB,
        4.1 MB/s, about 2 min 28 s left'."""
        what = f"the {self.role} ({self.model})"
        if self.phase == "loading":
            return f"loading {what} into memory"
        if not self.total:
            return f"downloading {what}: starting"
        parts = [f"{size(self.done)} of {size(self.total)}"]
        if self.done:
            parts.append(f"{size(self.speed)}/s")
        if (eta := self.eta_seconds) is not None:
            parts.append(f"about {duration(eta)} left")
        return f"downloading {what}: {', '.join(parts)}"


def size(count: float) -> str:
    """Bytes as people read them: '850 kB', '12.3 MB', '4.27 GB'."""
    if count < 1e6:
        return f"{count / 1e3:.0f} kB"
    return f"{count / 1e6:.1f} MB" if count < 1e9 else f"{count / 1e9:.2f} GB"


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def is_cached(spec: ModelSpec) -> bool:
    """Whether every file the loaders read for `spec` is in the hub cache (no network)."""
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(
            spec.model, revision=spec.revision, local_files_only=True, allow_patterns=allowed_files(spec)
        )
        return True
    except Exception:  # not cached, half cached, or not a repo id: the hub download decides
        return False


def fetchable(spec: ModelSpec) -> bool:
    """Whether `spec` names hub files this process may download (not a local folder, not an
    ultralytics file, not offline). With no HF_HUB_OFFLINE set, the first call checks once
    (a second at most) that the hub answers, and goes offline when it does not."""
    if spec.is_local or looks_like_path(spec.model) or spec.backend == "ultralytics":
        return False
    return go_offline_unless_reachable()


def refuse_missing(settings: Settings, roles: list[str]) -> None:
    """Say at once (no torch imported, no retries) when `roles` cannot load: a folder is
    missing, or models are not in the hub cache and cannot be downloaded (offline, or the
    hub does not answer), all of them in one sentence. One that can still be downloaded passes."""
    missing = {}
    for role in roles:
        spec = settings.spec(role)  # type: ignore[arg-type]
        if spec.backend == "ultralytics" or spec.is_local:
            continue  # a file its own backend checks; a folder that is there
        if looks_like_path(spec.model):
            raise ModelMissingError(missing_message(role, spec))  # a wrong folder: the config's to fix
        if not (fetchable(spec) or is_cached(spec)):
            missing[role] = spec
    if missing:
        raise ModelMissingError(missing_many(missing))


def fetch(spec: ModelSpec, status: LoadStatus, on_progress: Callable[[LoadStatus], None]) -> Path | None:
    """Download `spec`'s files into the hub cache unless they are there (or it is not
    `fetchable`), reporting bytes to `on_progress`. Returns the snapshot folder, or None when
    nothing was fetched. A failed download is left for the loader to report in its own
    words (it names the model and `models pull`)."""
    if not fetchable(spec) or is_cached(spec):
        return None
    from huggingface_hub import snapshot_download

    status.phase, status.started = "downloading", time.monotonic()
    on_progress(status)
    try:
        folder = snapshot_download(
            spec.model,
            revision=spec.revision,
            allow_patterns=allowed_files(spec),
            tqdm_class=_counting_bar(status, on_progress),
        )
    except Exception as err:  # the loader tries again and says what is missing
        log.info("download of %s failed: %s", spec.model, err)
        return None
    finally:
        status.phase = "loading"
    return Path(folder)


def _counting_bar(status: LoadStatus, on_progress: Callable[[LoadStatus], None]) -> Any:
    """A tqdm class for huggingface_hub whose byte bars feed `status` instead of a terminal.
    Of its byte bars, the one of bytes written counts (total: the files' sizes); the network
    bar ("Downloading bytes", whose total it guesses) only when there is no other."""
    import io

    from tqdm.auto import tqdm

    lock, last, bars = threading.Lock(), [0.0], []

    class CountingBar(tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs.update(file=io.StringIO(), mininterval=3600)  # drawn by pixelsmith, not here
            super().__init__(*args, **kwargs)
            if kwargs.get("unit") == "B":
                with lock:
                    bars.append(self)

        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            if self in bars:
                self._report()
            return shown

        def _report(self) -> None:
            with lock:
                written = [b for b in bars if not str(b.desc).startswith("Downloading bytes")] or bars
                best = max(written, key=lambda b: b.total or 0)
                status.total, status.done = int(best.total or 0), int(best.n)
                now = time.monotonic()
                if now - last[0] < REPORT_EVERY_S:
                    return
                last[0] = now
            on_progress(status)

    return CountingBar
