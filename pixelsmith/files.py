"""Writing files so that a crash leaves the old file or the new one, never half of one.

Every file pixelsmith writes goes through here: a temporary file in the same folder, flushed
to disk, then renamed over the target (a rename within one file system is atomic). A folder
that must appear complete (a new concept) is built under a hidden name and renamed into place.
A temporary name carries its writer's process mark (`processes.mark`), so what a killed writer left is removed
the next time its folder is opened (`sweep`), and never what a live one is writing. Files
get the usual permissions (0666 less the umask), as `open` would give them.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from pixelsmith import processes

TEMP = re.compile(r"^\..+\.(?P<writer>\d+(?:-\d+)?)\.[^.]+\.tmp$")  # .<name>.<process mark>.<random>.tmp


def _umask() -> int:
    """This process's umask, read without changing it (os.umask would, for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


MODE = 0o666 & ~_umask()


def _prefix(path: Path) -> str:
    return f".{path.name}.{processes.mark()}."


def atomic_write(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call `write(tmp)` to write a temporary file beside `path`, then rename it to `path`."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=_prefix(path), suffix=".tmp")
    os.fchmod(fd, MODE)  # mkstemp makes it 0600: the result would be unreadable to anyone else
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
    """`image.save(path, **options)`, atomically; the format comes from `path`'s extension.
    The ICC profile and EXIF data in `image.info` go with it where the format takes them; an
    alpha channel is dropped where it cannot (JPEG)."""
    fmt = Image.registered_extensions().get(Path(path).suffix.lower())
    image, carried = _carried(image, fmt)
    return atomic_write(path, lambda tmp: image.save(tmp, format=fmt, **carried, **options))


def encoded(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    """`image` as the bytes of a file of format `fmt`, its ICC profile and EXIF data with it."""
    image, carried = _carried(image, fmt)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **carried, **options)
    return buffer.getvalue()


def _carried(image: Image.Image, fmt: str | None) -> tuple[Image.Image, dict[str, Any]]:
    """What to save of `image` in format `fmt`: no alpha where the format has none (JPEG);
    its ICC profile and EXIF data where the format takes them (PNG, JPEG, WebP, TIFF)."""
    keys = ("icc_profile", "exif")  # Pillow's info keys, which its savers read
    if fmt in ("JPEG", "BMP") and image.mode in ("RGBA", "LA", "P"):
        kept = {k: image.info[k] for k in keys if image.info.get(k)}
        image = image.convert("RGB")
        image.info.update(kept)
    if fmt not in ("PNG", "JPEG", "WEBP", "TIFF"):
        return image, {}
    return image, {k: image.info[k] for k in keys if image.info.get(k)}


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
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=_prefix(final), suffix=".tmp"))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def sweep(folder: str | Path) -> list[Path]:
    """Remove what killed writers left in `folder` (temporary files and folders whose
    process is gone); returns what was removed."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        found = TEMP.match(entry.name)
        if found and not processes.alive(found["writer"]):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
