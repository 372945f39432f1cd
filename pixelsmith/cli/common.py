"""What every command shares: the global options, settings, the tool runner, one progress
printer, writing files and printing results. Imports no torch (light commands stay light)."""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from pixelsmith.errors import UserError, shorten


@dataclass
class CliState:
    config: Path | None = None
    device: str | None = None


STATE = CliState()


def log_to_file() -> Path | None:
    """pixelsmith's log (warnings and tracebacks) goes to `<data_dir>/logs/pixelsmith.log`
    instead of the terminal, where a failure is the one line the command prints. Replaces
    the file an earlier command of this process chose; returns the file (None: no log)."""
    import logging

    logger = logging.getLogger("pixelsmith")
    for old in [h for h in logger.handlers if getattr(h, "pixelsmith_cli", False)]:
        logger.removeHandler(old)
        old.close()
    try:
        folder = settings().data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(folder / "pixelsmith.log", delay=True)
    except (UserError, OSError):  # a bad config is reported by the command itself
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.pixelsmith_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)  # with a handler here, Python no longer prints records to stderr
    logger.setLevel(logging.INFO)
    return Path(handler.baseFilename) if isinstance(handler, logging.FileHandler) else None


def settings():
    from pixelsmith.config import load_settings

    overrides = {"device": STATE.device} if STATE.device else {}
    return load_settings(STATE.config, **overrides)


def editor(planner: str | None = None):
    """The Python API's `Editor` on the command line's settings: every command that edits
    or runs a tool goes through it (one path for the CLI, the API, batch and MCP)."""
    from pixelsmith.api import Editor

    return Editor(settings=settings(), planner=planner)


class ProgressPrinter:
    """The one progress bar of every command: a tqdm bar on stderr per tool or phase (a new
    phase counts from 1 again), with the loss as postfix where there is one; `close()`
    when the work ends (the bar does not stay on screen). Takes any
    record with `tool`, `step`, `total`, `phase` and `loss` (`Progress`, `StepProgress`)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.desc: str | None = None

    def __call__(self, progress: Any) -> None:
        from tqdm import tqdm

        if progress.phase == "loading":  # a first load: said once, no bar
            if self.desc != progress.label:
                self.close()
                self.desc = progress.label
                tqdm.write(progress.label, file=sys.stderr)
            return
        desc = progress.phase or progress.tool
        if self.bar is None or desc != self.desc:
            self.close()
            self.desc = desc
            if progress.phase == "downloading":  # bytes, with speed and time left
                self.bar = tqdm(
                    total=progress.total or None,
                    desc=progress.label.split(":")[0],
                    unit="B",
                    unit_scale=True,
                    file=sys.stderr,
                    leave=False,
                )
            else:
                unit = "image" if progress.phase == "class images" else "step"
                start = max(progress.step - 1, 0)
                self.bar = tqdm(
                    total=progress.total, initial=start, desc=desc, unit=unit, file=sys.stderr, leave=False
                )
        self.bar.total = progress.total or self.bar.total
        if progress.loss is not None:
            self.bar.set_postfix(loss=f"{progress.loss:.4f}", refresh=False)
        self.bar.update(progress.step - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class ToolRunner:
    """CLI tool calls on files, through the Python API's `Editor.run`: the configured
    executor (local or Ray) with its out-of-memory retry and model holds, an in-memory
    store for the files, and a tqdm bar."""

    def __init__(self) -> None:
        from pixelsmith.tools import MemoryStore, default_tools

        self.settings = settings()
        self.tools = default_tools()
        self.store = MemoryStore()

    @functools.cached_property
    def editor(self) -> Any:
        """Built on the first call (it imports torch): a missing model is said before that."""
        from pixelsmith.api import Editor

        return Editor(settings=self.settings, planner="offline")

    def image(self, path: Path) -> str:
        from pixelsmith.images import load_image

        READ.add(Path(path).expanduser().resolve())
        limits = self.settings.limits
        return self.store.add("image", load_image(path, max_pixels=limits.max_pixels))

    def mask(self, path: Path, image_id: str) -> str:
        from pixelsmith.images import load_mask

        READ.add(Path(path).expanduser().resolve())
        image = self.store.image(image_id)
        return self.store.add("mask", load_mask(path, size=image.size))

    def run(self, tool: str, **args: Any) -> Any:
        """Run `tool` with `args` (validated by the executor), showing its progress; Ctrl-C
        stops it at its next step."""
        from pixelsmith.models.download import refuse_missing

        given = {name: value for name, value in args.items() if value is not None}  # else the tool's default
        if tool in self.tools:
            ranking = self.settings.ranker.enabled
            refuse_missing(self.settings, list(self.tools.get(tool).roles_used(given, ranking=ranking)))
        bar = ProgressPrinter()
        try:
            return self.editor.run(tool, store=self.store, on_progress=bar, **given)
        finally:
            bar.close()


def check_output(path: Path) -> Path:
    """Refuse an output path that cannot be written as an image, before any work is done:
    a folder, or a file name whose extension no image format saves."""
    from PIL import Image

    path = Path(path).expanduser()
    if path.is_dir():
        raise UserError(f"-o {shorten(str(path))} is a folder; give a file name such as {path / 'out.png'}")
    existing = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"-o {shorten(str(path))}: cannot write in {existing}; choose another folder")
    formats = Image.registered_extensions()
    if formats.get(path.suffix.lower()) not in Image.SAVE:
        raise UserError(
            f"-o {shorten(str(path))}: cannot tell the image format from {path.suffix or 'no extension'!r}; "
            "end the name in .png, .jpg or .webp"
        )
    return path


def checked_output(path: Path | None) -> Path | None:
    """Typer callback of every `-o`: `check_output` while the command line is parsed."""
    return None if path is None else check_output(path)


READ: set[Path] = set()  # the files this command read: a result never replaces one of them


def not_an_input(path: Path, inputs: set[Path] = READ) -> None:
    """Refuse to write a result over a file the command reads (the user's photo or mask)."""
    if Path(path).expanduser().resolve() in inputs:
        raise UserError(f"-o {shorten(str(path))} is one of the files read; write the result to another file")


def keeps_transparency(path: Path) -> None:
    """Refuse an output format that cannot hold a cut-out's transparency (JPEG, BMP)."""
    if Path(path).suffix.lower() not in (".png", ".webp", ".tif", ".tiff"):
        raise UserError(f"-o {shorten(str(path))} cannot keep transparency; write a .png or .webp")


def write_image(image, path: Path) -> Path:
    from pixelsmith.files import save_image

    not_an_input(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_image(image, path)
    except (ValueError, OSError) as err:
        raise UserError(f"cannot write {path}: {err}") from None
    return path


def numbered(path: Path, index: int) -> Path:
    """OUT.png for the first result, OUT-2.png, OUT-3.png ... for the others."""
    return path if index == 0 else path.with_name(f"{path.stem}-{index + 1}{path.suffix}")


def emit(data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        for line in lines:
            typer.echo(line)


def parse_floats(text: str, count: tuple[int, ...], what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in count:
        raise UserError(
            f"{what} must be {' or '.join(str(c) for c in count)} comma-separated numbers, got {text!r}"
        )
    return values
