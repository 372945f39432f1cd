"""Writing files so that a crash leaves the old file or the new one, never half of one.

Every file pixelsmith writes goes through here: a temporary file in the same folder, flushed
to disk, then renamed over the target (a rename within one file system is atomic). A folder
that must appear complete (a new concept) is built under a hidden name and renamed into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image


def atomic_write(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call `write(tmp)` to write a temporary file beside `path`, then rename it to `path`."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def save_image(image: Image.Image, path: str | Path, **options: Any) -> Path:
    """`image.save(path, **options)`, atomically; the format comes from `path`'s extension."""
    fmt = Image.registered_extensions().get(Path(path).suffix.lower())
    return atomic_write(path, lambda tmp: image.save(tmp, format=fmt, **options))


def replace_file(source: str | Path, target: str | Path) -> Path:
    """Move a finished file over `target` (atomic on one file system)."""
    with open(source, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(source, target)
    return Path(target)


@contextmanager
def new_folder(final: str | Path) -> Iterator[Path]:
    """Yield a hidden folder beside `final` to fill; it is renamed to `final` when the block
    ends, or removed if the block raises. `final` must not exist yet."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
    try:
        yield tmp
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
