"""`pixelsmith edit DIR_OR_GLOB... "instruction" -o OUTDIR`: one request over many photos.

Each file gets its own session (kept, as for one photo); a file that fails is said in one
line and the rest go on; the end is a summary, and exit code 1 if any file failed.
"""

from __future__ import annotations

import glob
import json
import logging
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import typer

from pixelsmith.cli.common import write_image
from pixelsmith.errors import UserError, shorten

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


@dataclass
class FileResult:
    """How one file went: its output and session, or why it failed."""

    file: str
    ok: bool
    output: str | None = None
    session: str | None = None
    steps: list[str] = field(default_factory=list)
    reason: str | None = None


def is_batch(sources: list[str]) -> bool:
    """Several sources, a folder or a glob pattern: a batch (one photo file is not)."""
    return len(sources) > 1 or any(Path(s).expanduser().is_dir() or glob.has_magic(s) for s in sources)


def expand(sources: list[str]) -> list[Path]:
    """The image files named by files, folders (their images, not recursing) and globs, in order."""
    files: list[Path] = []
    for source in sources:
        path = Path(source).expanduser()
        if glob.has_magic(source):
            found = [Path(p) for p in sorted(glob.glob(str(path)))]
            files += [p for p in found if p.is_file()]
        elif path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            files.append(path)  # a missing file fails in its own line
    if not files:
        raise UserError(
            f"no image files in {', '.join(sources)}; give photos, folders or a glob like 'shots/*.jpg'"
        )
    return list(dict.fromkeys(files))


def out_folder(output: Path | None) -> Path:
    if output is None:
        raise UserError("several photos need -o OUTDIR, the folder for the results")
    output = output.expanduser()
    if output.exists() and not output.is_dir():
        raise UserError(f"-o {output} is a file; several photos need a folder")
    return output


def run(
    sources: list[str],
    instruction: str,
    output: Path | None,
    *,
    planner: str | None,
    seed: int | None,
    as_json: bool,
) -> int:
    """Edit every file; returns the number that failed."""
    from tqdm import tqdm

    from pixelsmith.cli import common

    folder, files = out_folder(output), expand(sources)
    editor = common.editor(planner)
    out = sys.stderr if as_json else sys.stdout
    names: set[str] = set()
    results = []
    for file in tqdm(files, desc="files", unit="file", file=sys.stderr):
        result = _one(editor, file, instruction, folder, names, seed)
        results.append(result)
        if as_json:
            typer.echo(json.dumps(asdict(result)))
        tqdm.write(_line(result), file=out)
    failed = [r for r in results if not r.ok]
    summary = f"{len(results)} file(s): {len(results) - len(failed)} done, {len(failed)} failed"
    reasons = "; ".join(f"{Path(r.file).name}: {shorten(r.reason or '', 120)}" for r in failed[:5])
    print(summary + (f" ({reasons})" if failed else ""), file=out)
    return len(failed)


def _one(editor, file: Path, instruction: str, folder: Path, names: set[str], seed: int | None) -> FileResult:
    try:
        result = editor.edit(file, instruction, seed=seed)
    except UserError as err:
        return FileResult(str(file), False, reason=str(err))
    except Exception as err:  # a fault: logged with its traceback, one line here, the batch goes on
        log.exception("batch: %s failed", file)
        first = (str(err).splitlines() or [""])[0][:200]
        return FileResult(str(file), False, reason=f"{type(err).__name__}: {first}; details in the log")
    steps = [s.tool for s in result.steps]
    if not result.ok:
        said = result.messages[-1] if result.messages else "the request was not carried out"
        return FileResult(
            str(file), False, session=result.session.id, steps=steps, reason=said.splitlines()[0]
        )
    written = None
    if result.image is not None:
        written = write_image(result.image, folder / _name(file, names))
    return FileResult(str(file), True, str(written) if written else None, result.session.id, steps)


def _name(file: Path, taken: set[str]) -> str:
    """The output name: the input's, made unique within the batch (cat.jpg, cat-2.jpg)."""
    suffix = file.suffix.lower() if file.suffix.lower() in IMAGE_SUFFIXES - {".gif"} else ".png"
    name, n = f"{file.stem}{suffix}", 1
    while name in taken:
        n += 1
        name = f"{file.stem}-{n}{suffix}"
    taken.add(name)
    return name


def _line(result: FileResult) -> str:
    if result.ok:
        made = f" -> {result.output}" if result.output else ""
        return f"done    {result.file}{made} (session {result.session})"
    return f"failed  {result.file}: {shorten(result.reason or '', 200)}"
