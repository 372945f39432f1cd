"""`pixelsmith edit DIR_OR_GLOB... "instruction" -o OUTDIR`: one request over many photos.

Each photo gets its own session (kept, as for one photo); a file that cannot be read or
fails is said in one line (no session is made for a file that was not read) and the rest go
on; the end is a summary, and exit code 1 if any file failed. The output folder may not be,
or be inside, a folder of the photos (nor be one of them) unless `--overwrite`: a result
never lands on a photo that is still to be read. An output is named by the photo's whole
name (`a.PNG` and `a.png` stay apart); `--skip-existing` leaves the photos already done.
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
from pixelsmith.escape import for_terminal
from pixelsmith.files import sweep

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


@dataclass
class FileResult:
    """How one file went: its output and session, or why it failed (or that it was skipped)."""

    file: str
    ok: bool
    output: str | None = None
    session: str | None = None
    steps: list[str] = field(default_factory=list)
    reason: str | None = None
    skipped: bool = False


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


def out_folder(output: Path | None, sources: list[str], files: list[Path], *, overwrite: bool) -> Path:
    """The folder for the results, checked before any work: not a file (nor below one), and
    not a folder the photos are read from (or inside one) unless `overwrite`."""
    if output is None:
        raise UserError("several photos need -o OUTDIR, the folder for the results")
    output = output.expanduser()
    blocker = next((p for p in (output, *output.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise UserError(f"-o {output}: {blocker} is a file; several photos need a folder")
    if not overwrite:
        target = output.resolve()
        read = {p.resolve() for p in _folders(sources)} | {f.resolve().parent for f in files}
        if inputs := [f for f in sorted(read) if target == f or f in target.parents]:
            raise UserError(
                f"-o {output} would write beside the photos it reads ({inputs[0]}); choose another "
                "folder, or add --overwrite to replace them"
            )
    return output


def _folders(sources: list[str]) -> list[Path]:
    return [Path(s).expanduser() for s in sources if Path(s).expanduser().is_dir()]


def run(
    sources: list[str],
    instruction: str,
    output: Path | None,
    *,
    planner: str | None,
    seed: int | None,
    as_json: bool,
    overwrite: bool = False,
    skip_existing: bool = False,
) -> int:
    """Edit every file; returns the number that failed."""
    from tqdm import tqdm

    from pixelsmith.cli import common

    files = expand(sources)
    folder = out_folder(output, sources, files, overwrite=overwrite)
    sweep(folder)  # the half-written results of a run that was killed
    editor = common.editor(planner)
    out = sys.stderr if as_json else sys.stdout
    names: set[str] = set()
    results = []
    for file in tqdm(files, desc="files", unit="file", file=sys.stderr):
        name = _name(file, names)
        if skip_existing and (folder / name).exists():
            result = FileResult(str(file), True, str(folder / name), skipped=True)
        else:
            result = _one(editor, file, instruction, folder / name, seed)
        results.append(result)
        if as_json:
            typer.echo(json.dumps(asdict(result)))
        tqdm.write(for_terminal(_line(result)), file=out)
    failed = [r for r in results if not r.ok]
    summary = f"{len(results)} file(s): {len(results) - len(failed)} done, {len(failed)} failed"
    reasons = "; ".join(f"{Path(r.file).name}: {shorten(r.reason or '', 120)}" for r in failed[:5])
    print(summary + (f" ({reasons})" if failed else ""), file=out)
    return len(failed)


def _one(editor, file: Path, instruction: str, target: Path, seed: int | None) -> FileResult:
    try:
        photo = editor.load(file)  # before its session is made: an unreadable file gets none
        result = editor.edit(photo, instruction, seed=seed)
    except UserError as err:  # the line names the file already
        return FileResult(str(file), False, reason=str(err).removeprefix(f"{file}: "))
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
        written = write_image(result.image, target)
    return FileResult(str(file), True, str(written) if written else None, result.session.id, steps)


def _name(file: Path, taken: set[str]) -> str:
    """The output name: the input's whole name (`a.PNG` stays `a.PNG`; a format that cannot be
    written gets `.png` added), made unique within the batch whatever the case (a-2.png)."""
    writable = file.suffix.lower() in IMAGE_SUFFIXES - {".gif"}
    stem, suffix = (file.stem, file.suffix) if writable else (file.name, ".png")
    name, n = f"{stem}{suffix}", 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}{suffix}"
    taken.add(name.lower())
    return name


def _line(result: FileResult) -> str:
    if result.skipped:
        return f"skipped {result.file}: {result.output} is there already"
    if result.ok:
        made = f" -> {result.output}" if result.output else ""
        return f"done    {result.file}{made} (session {result.session})"
    return f"failed  {result.file}: {shorten(result.reason or '', 200)}"
