"""A session as files a person can keep: its images and masks, and a readable transcript."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pixelsmith.errors import UserError
from pixelsmith.files import write_text
from pixelsmith.workspace import Workspace


def transcript(ws: Workspace) -> str:
    """The conversation as Markdown: each message, and under each request the steps it ran."""
    record = ws.record
    lines = [
        f"# {record.title or record.id}",
        "",
        f"session `{record.id}`, current image `{record.current_image}`",
        "",
    ]
    for message in record.messages:
        who = {"notice": "note", "error": "error"}.get(message.kind, message.role)
        lines.append(f"**{who}** ({message.turn}): {message.text}")
        if message.role == "user":
            for step in (s for s in record.steps if s.turn == message.turn):
                made = f"error: {step.error}" if step.error else ", ".join(step.outputs) or step.summary
                took = f" ({', '.join(step.used())})" if step.used() else ""  # the mask an inpaint used
                lines.append(f"- {step.tool}{took}: {made}")
        lines.append("")
    return "\n".join(lines)


def export(ws: Workspace, dest: str | Path) -> Path:
    """Write the session to folder `dest` (or a zip, when it ends in .zip): `images/` and
    `masks/` as PNG, `transcript.md` and `session.json`. Returns what was written."""
    dest = Path(dest).expanduser()
    if dest.is_file() or (dest.suffix.lower() == ".zip" and dest.exists()):
        raise UserError(f"{dest} exists and is a file; export into a new folder or a new .zip")
    if dest.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory() as tmp:
            folder = export(ws, Path(tmp) / dest.stem)
            dest.parent.mkdir(parents=True, exist_ok=True)
            return Path(shutil.make_archive(str(dest.with_suffix("")), "zip", folder.parent, folder.name))
    if dest.exists() and any(dest.iterdir()):
        raise UserError(f"{dest} is not empty; export into a new folder")
    for kind in ("image", "mask"):
        folder = dest / f"{kind}s"
        folder.mkdir(parents=True, exist_ok=True)
        for artifact in (a for a in ws.record.artifacts if a.kind == kind):
            shutil.copyfile(ws.path(artifact.id), folder / f"{artifact.id}.png")
    write_text(dest / "transcript.md", transcript(ws))
    write_text(dest / "session.json", ws.record.model_dump_json(indent=1))
    return dest
