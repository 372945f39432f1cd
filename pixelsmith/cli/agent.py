"""`pixelsmith edit`, `chat` and `sessions`: the agent on the command line.

Both commands print the agent's events as they come (a tqdm bar for diffusion steps)
and the files of what each step made; `edit --json` prints one JSON record at the end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pixelsmith.agent import events as ev
from pixelsmith.cli import batch
from pixelsmith.cli.common import ProgressPrinter, check_output, editor, not_an_input, settings, write_image
from pixelsmith.errors import UserError
from pixelsmith.escape import for_terminal

app = typer.Typer()
sessions_app = typer.Typer(help="Saved conversations.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")

PlannerOption = Annotated[str | None, typer.Option(help="auto, llm, local (the built-in model) or offline.")]
REVIEW_HELP = (
    "        say 'use mask N', 'click X Y' (add the part there; '-click X Y' removes), "
    "'grow N' / 'shrink N' / 'feather N' (pixels), or 'continue'; anything else starts a new request"
)


class EventPrinter:
    """Prints events as lines (to stderr when stdout is JSON) with a tqdm bar for progress."""

    def __init__(self, workspace, *, quiet: bool = False, one_shot: bool = False) -> None:
        self.workspace = workspace
        self.out = sys.stderr if quiet else sys.stdout
        self.one_shot = one_shot  # a process per request: "later requests reuse it" is not so
        self.bar = ProgressPrinter()

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.StepProgress):
            self.bar(event)
            return
        self.bar.close()
        line = self._line(event)
        if line:
            print(for_terminal(line), file=self.out, flush=True)

    def _line(self, event: ev.Event) -> str | None:
        if isinstance(event, ev.PlanReady):
            return f"plan ({event.plan.planner}): {event.plan.describe()}"
        if isinstance(event, ev.StepStarted):
            return f"[{event.number}] {event.tool} {json.dumps(event.args, default=str)}"
        if isinstance(event, ev.StepFinished):
            files = [str(self.workspace.path(i)) for i in event.outputs if not i.startswith("detection")]
            return f"    {event.summary}" + "".join(f"\n    -> {f}" for f in files)
        if isinstance(event, ev.AssistantMessage):
            return f"pixelsmith: {event.text}"
        if isinstance(event, ev.Notice):
            return None if self.one_shot and not event.lasting else f"note: {event.text}"
        if isinstance(event, ev.ErrorEvent):
            return f"error: {event.text}"
        if isinstance(event, ev.ReviewNeeded):
            return f"review: {event.message} ({', '.join(event.masks)})\n{REVIEW_HELP}"
        return None


def _load(image: Path | None):
    if image is None:
        return None
    from pixelsmith.images import load_image

    return load_image(image, max_pixels=settings().limits.max_pixels)


@app.command()
def edit(
    args: Annotated[
        list[str],
        typer.Argument(
            metavar="[PHOTO...] INSTRUCTION",
            help="The photo, or several (files, folders, quoted globs), then what to do, e.g. "
            "'remove the cat'. With --session, just the instruction.",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the result here; for several photos, a folder."),
    ] = None,
    planner: PlannerOption = None,
    seed: Annotated[int | None, typer.Option(help="Seed for every diffusion step.")] = None,
    session: Annotated[str | None, typer.Option(help="Continue this session.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON record on stdout.")] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Let -o be the photo itself, or the photos' own folder, replacing them."
        ),
    ] = False,
    skip_existing: Annotated[
        bool, typer.Option("--skip-existing", help="Several photos: leave those whose result is in -o.")
    ] = False,
    select: Annotated[
        str | None,
        typer.Option(
            "--select",
            metavar="MASK|X0,Y0,X1,Y1",
            help="What 'it' is: a mask file (white = selected) or a box in pixels; then say "
            "'remove it', 'a vase of tulips', 'make it brighter'.",
        ),
    ] = None,
    reference: Annotated[
        list[Path] | None,
        typer.Option(
            "--reference",
            metavar="PHOTO",
            help="A photo the instruction points at ('put the dog from this photo on the sofa'); "
            "again for more. Needs an editor that takes references (editor.backend).",
        ),
    ] = None,
) -> None:
    """One request, non-interactive: plan, run, write the result and the session folder.
    With --session it goes on from that session's current image ("now make it red"); with
    several photos (or a folder, or a glob) it runs on each, a session apiece."""
    *sources, instruction = args
    if not sources and session is None:
        raise UserError("give the photo and the instruction, or --session ID and the instruction")
    if batch.is_batch(sources):
        if session is not None:
            raise UserError("--session goes with one photo or none, not several")
        if select is not None:
            raise UserError("--select goes with one photo, not several: each has its own")
        if reference:
            raise UserError("--reference goes with one photo, not several")
        failed = batch.run(
            sources,
            instruction,
            output,
            planner=planner,
            seed=seed,
            as_json=as_json,
            overwrite=overwrite,
            skip_existing=skip_existing,
        )
        if failed:
            raise typer.Exit(1)
        return
    if len(sources) > 1 or (sources and session is not None):
        raise UserError("with --session, give just the instruction (the session has its image)")
    if output is not None:
        check_output(output)  # before any model runs
        if sources and not overwrite:
            not_an_input(output, {Path(sources[0]).expanduser().resolve()})
    photo = _load(Path(sources[0]) if sources else None)  # before a session is made for it
    references = [_load(r) for r in reference or []]
    chosen = editor(planner).session(session)
    printer = EventPrinter(chosen.workspace, quiet=as_json, one_shot=True)
    if select is not None:  # the photo becomes the session's image with its selection
        chosen.select(_selection(select), photo)
        photo = None
    result = chosen.edit(instruction, photo, reference=references, seed=seed, on_event=printer)
    if output and result.image_id:  # this turn's image (another process may have made a later one current)
        write_image(result.image, output)
        printer.out.write(f"wrote {output}\n")
    if chosen.workspace.exists:  # the chat's "say 'undo'" is said here with --session
        printer.out.write(f"session {chosen.id}; to go on: pixelsmith edit --session {chosen.id} '...'\n")
    if as_json:
        typer.echo(json.dumps(_edit_record(result, output), indent=2))
    if not result.ok or result.image_id is None and output:
        raise typer.Exit(1)


def _selection(said: str) -> Any:
    """`--select`: four numbers are a box, anything else a mask file."""
    parts = said.split(",")
    if len(parts) == 4:
        try:
            return tuple(float(p) for p in parts)
        except ValueError:
            pass
    if not Path(said).expanduser().is_file():
        raise UserError(f"--select {said!r} is neither a mask file nor a box X0,Y0,X1,Y1 in pixels")
    return Path(said).expanduser()


def _edit_record(result, output: Path | None) -> dict[str, Any]:
    workspace = result.session.workspace
    return {
        "session": result.session.id,
        "folder": str(workspace.folder),
        "plan": [s.tool for s in result.steps],
        "steps": [
            {
                "tool": s.tool,
                "args": s.args,
                "outputs": s.outputs,
                "error": s.error,
                "seconds": s.seconds,
                "files": [str(workspace.path(i)) for i in s.outputs if not i.startswith("detection")],
            }
            for s in result.steps
        ],
        "result": result.image_id,
        "output": str(output) if output and result.image_id else None,
        "messages": result.messages,
        "notices": result.notices,
    }


@app.command()
def chat(
    image: Annotated[Path | None, typer.Argument(help="A photo to start from.")] = None,
    session: Annotated[str | None, typer.Option(help="Resume this session.")] = None,
    planner: PlannerOption = None,
    review: Annotated[
        bool | None,
        typer.Option(
            "--review/--no-review",
            help="Pause before a mask is used, to choose or fix it (default: when typing at a terminal).",
        ),
    ] = None,
) -> None:
    """A conversation in the terminal; 'quit' or Ctrl-D ends it (the session is kept). With
    the review, an edit waits after its masks are made: pick one, click, grow, or continue."""
    talk = editor(planner).session(session)
    review = sys.stdin.isatty() if review is None else review
    printer = EventPrinter(talk.workspace)
    print(f"session {talk.id} ({talk.workspace.folder}); 'quit' to leave")
    pending = _load(image)
    while True:
        try:
            message = input("you> ").strip()
        except EOFError:
            break
        if message.lower() in ("quit", "exit", ":q"):
            break
        if not message:
            continue
        try:
            talk.edit(message, pending, on_event=printer, review=review)
        except UserError as err:
            print(f"error: {err}")
        pending = None
    print(f"resume with: pixelsmith chat --session {talk.id}")


@sessions_app.command("list")
def sessions_list() -> None:
    """Saved sessions, newest first."""
    from pixelsmith.session_folders import list_sessions

    for record in list_sessions(settings().data_dir):
        current = record.current_image or "-"
        said = sum(m.kind != "notice" for m in record.messages)
        print(f"{record.id}  {said:3d} messages  {current:10}  {for_terminal(record.title)}")


@sessions_app.command("show")
def sessions_show(session_id: str) -> None:
    """A session's conversation and steps."""
    from pixelsmith.workspace import Workspace

    workspace = Workspace.open(settings().data_dir, session_id)
    record = workspace.record
    print(f"session {record.id} in {workspace.folder}; current image {record.current_image}")
    for message in record.messages:
        who = {"notice": "note", "error": "error"}.get(message.kind, message.role)
        print(for_terminal(f"[{message.turn}] {who}: {message.text}"))
        for step in (s for s in record.steps if s.turn == message.turn and message.role == "user"):
            status = f"error: {step.error}" if step.error else ", ".join(step.outputs)
            took = f" ({', '.join(step.used())})" if step.used() else ""
            print(for_terminal(f"      {step.tool}{took}: {status}"))


@sessions_app.command("delete")
def sessions_delete(
    session_id: str,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
) -> None:
    """Delete a session and its images and masks (asks first, unless --yes)."""
    from pixelsmith.workspace import Workspace

    workspace = Workspace.open(settings().data_dir, session_id)
    if not yes:
        if not sys.stdin.isatty():
            raise UserError(
                f"deleting session {session_id} asks first; add --yes to delete it without asking"
            )
        images = sum(a.kind == "image" for a in workspace.record.artifacts)
        if not typer.confirm(f"Delete session {session_id} and its {images} image(s)?"):
            print("kept it")
            return
    workspace.delete()
    print(f"deleted session {session_id}")


@sessions_app.command("rename")
def sessions_rename(session_id: str, title: str) -> None:
    """Give a session a title (the list shows it)."""
    from pixelsmith.workspace import Workspace

    if not title.strip() or len(title) > 200:
        raise UserError(f"a title is 1-200 characters, got {len(title.strip())}")
    with Workspace.open(settings().data_dir, session_id).transaction() as record:
        record.title = title.strip()
    print(f"session {session_id}: {title.strip()}")


@sessions_app.command("export")
def sessions_export(
    session_id: str,
    dest: Annotated[Path | None, typer.Argument(help="A new folder, or a file ending in .zip.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The same as DEST.")] = None,
) -> None:
    """Write a session's images, masks and a readable transcript to a folder or a zip."""
    from pixelsmith.transcript import export
    from pixelsmith.workspace import Workspace

    if (dest is None) == (output is None):
        raise UserError("give where to export once: DEST or -o DEST (a new folder, or a file ending in .zip)")
    print(f"wrote {export(Workspace.open(settings().data_dir, session_id), dest or output)}")
