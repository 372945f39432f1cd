"""`pixelsmith mcp`: pixelsmith as a Model Context Protocol server (the official `mcp` SDK).

Tools: `edit` (the agent: an instruction, a photo path or a session id -> the result image,
the steps, the session id for follow-ups such as "now make it red" or "undo"), and every
registered tool with its own input schema, run in a session (artifact ids such as
`image-1`, or photo and mask paths, which are added to the session first). Resources: the
sessions (`pixelsmith://sessions`), each session's transcript and its images and masks.
Files are read only inside the allowed folders; anything else is refused in one sentence.
Long steps report MCP progress notifications.

A result is what hosts accept: a preview image (JPEG, or WebP with transparency; long side
at most 1568 px and at most 1 MB as base64, the limits of Claude's hosts), a link to the
full-size image as a resource, the full-size file's path (copied into `--output-dir` when
one is given), and `structuredContent` with the session id and the artifact ids.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import functools
import hmac
import inspect
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ImageContent, ResourceLink, TextContent
from PIL import Image as PILImage
from pydantic import ValidationError
from pydantic_core import PydanticUndefined

from pixelsmith.agent import events as ev
from pixelsmith.api import Editor, EditResult, Session
from pixelsmith.errors import MAX_ERROR_CHARS, UserError, shorten
from pixelsmith.files import encoded, save_image
from pixelsmith.images import load_mask
from pixelsmith.records import ARTIFACT_ID
from pixelsmith.tools.base import progress_text
from pixelsmith.tools.tool_registry import format_validation_error

EDIT_DESCRIPTION = (
    "Edit an image by describing what you want, as in a chat: 'replace the cat with a realistic "
    "green dragon', 'remove the person', 'a watercolour lighthouse' (no image). Give image (a "
    "photo's path) for a new photo, or session_id to go on with a session ('now make it red', 'undo', 'use "
    "mask 2'). Returns the result image, the steps and the session_id."
)


class Files:
    """The folders the server may read photos from; everything else is refused."""

    def __init__(self, allowed: list[Path]) -> None:
        self.allowed = [Path(p).expanduser().resolve() for p in allowed]

    def check(self, path: str) -> Path:
        if "\0" in path:
            raise UserError(f"{shorten(repr(path))} has a NUL character; give a file path")
        resolved = Path(path).expanduser().resolve()
        if not any(resolved == a or a in resolved.parents for a in self.allowed):
            folders = ", ".join(str(a) for a in self.allowed)
            raise UserError(f"{shorten(path)} is outside the allowed folders ({folders}); see --allow-dir")
        return resolved


PREVIEW_SIDE = 1568  # px: the long side hosts take without scaling (Claude's multi-image limit is 2000)
PREVIEW_BYTES = 1_000_000  # base64 characters of the preview, at most (Claude Desktop refuses ~1 MB results)


def build(editor: Editor, files: Files, output: Path | None = None) -> MCPServer:
    """The server: `edit`, one tool per registered tool, the session resources; full-size
    results are copied into `output` when given."""
    server = MCPServer("pixelsmith", instructions=EDIT_DESCRIPTION)
    reply = functools.partial(_reply, output=output)

    async def edit(
        instruction: Annotated[str, "What to do, in words."],
        ctx: Context,
        image: Annotated[str | None, "A photo's path, as every tool takes it."] = None,
        session_id: str | None = None,
        image_path: Annotated[str | None, "The old name of image."] = None,
        reference: Annotated[
            list[str] | None, "Paths of photos the instruction points at ('the dog from this photo')."
        ] = None,
    ) -> list[Any]:
        with _said():
            if image and image_path and image != image_path:
                raise UserError("give the photo once, as image (image_path is its old name)")
            path = image or image_path
            photo = editor.load(files.check(path)) if path else None  # before a session is made
            given = [editor.load(files.check(p)) for p in reference or []]
            session = editor.session(session_id)
            result = await _in_thread(
                ctx, lambda report: session.edit(instruction, photo, reference=given, on_event=report)
            )
        return reply(result)

    server.add_tool(edit, name="edit", description=EDIT_DESCRIPTION, structured_output=False)
    _forbid_unknown(server, "edit")
    for tool in editor.tools:
        function = _tool_function(editor, files, tool, reply)
        server.add_tool(function, name=tool.name, description=tool.description, structured_output=False)
        _forbid_unknown(server, tool.name)
    _resources(server, editor)
    return server


def _tool_function(editor: Editor, files: Files, tool: Any, reply: Callable[..., Any]) -> Callable[..., Any]:
    """An MCP tool with `tool`'s own input schema (fields, defaults, limits) plus `session_id`;
    it runs as a one-step plan of the agent, so it is validated, executed and recorded as a
    chat step would be."""

    async def call(ctx: Context, **args: Any) -> list[Any]:
        from pixelsmith.agent.plan import Plan, Step

        with _said():
            session = editor.session(args.pop("session_id", None))
            args = _artifacts(session, files, {k: v for k, v in args.items() if v is not None})
            plan = Plan(steps=[Step(tool=tool.name, args=args, why="called over MCP")])
            said = f"{tool.name} (called over MCP)"  # the arguments are in the step, not the message
            result = await _in_thread(ctx, lambda report: session.edit(said, plan=plan, on_event=report))
        return reply(result)

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)]
    for name, field in tool.input_model.model_fields.items():
        info, default = copy.copy(field), inspect.Parameter.empty
        if not field.is_required():  # the default as the parameter's (a factory's value made once)
            default = field.get_default(call_default_factory=True)
            info.default, info.default_factory = PydanticUndefined, None
        params.append(
            inspect.Parameter(name, keyword, default=default, annotation=Annotated[field.annotation, info])
        )
    params.append(inspect.Parameter("session_id", keyword, default=None, annotation=str | None))
    call.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    call.__annotations__ = {p.name: p.annotation for p in params}
    call.__name__ = tool.name
    return call


@contextmanager
def _said() -> Iterator[None]:
    """A `UserError` reaches the client as its one sentence (an MCP tool error), cut to the
    length of an error line."""
    try:
        yield
    except UserError as err:
        raise ToolError(shorten(str(err), MAX_ERROR_CHARS)) from None


def _forbid_unknown(server: MCPServer, name: str) -> None:
    """Refuse arguments the tool does not have (the SDK would drop them without a word), and
    say a bad argument in one sentence as the CLI does (the SDK would send pydantic's dump)."""
    tool = server._tool_manager.get_tool(name)  # the SDK keeps no public handle on it
    model = tool.fn_metadata.arg_model
    model.model_config["extra"] = "forbid"
    model.model_rebuild(force=True)
    run = tool.run

    async def one_line(*args: Any, **kwargs: Any) -> Any:
        try:
            return await run(*args, **kwargs)
        except ToolError as err:
            if not isinstance(err.__cause__, ValidationError):
                raise
            raise ToolError(f"{name}: {format_validation_error(err.__cause__)}") from None

    object.__setattr__(tool, "run", one_line)  # on this tool only: its class stays the SDK's


def _artifacts(session: Session, files: Files, args: dict[str, Any]) -> dict[str, Any]:
    """`args` with the photo and mask paths of image/mask arguments added to the session as
    artifacts (their ids in their place). Every file is read first and all are added in one
    transaction: a file that cannot be read leaves the session as it was (or not made)."""
    ws, known = session.workspace, {a.id for a in session.workspace.record.artifacts}
    paths = {k: v for k, v in args.items() if k in ("image", "mask", "other") and isinstance(v, str)}
    given = [v for v in args.get("references") or [] if isinstance(v, str)]
    for value in [*paths.values(), *given]:
        if ARTIFACT_ID.fullmatch(value) and value not in known:
            ws.artifact(value)  # "there is no image-99; known: ...", not a path outside the folders
    references = {v: session.editor.load(files.check(v)) for v in given if v not in known}
    paths = {k: files.check(v) for k, v in paths.items() if v not in known}
    photo = session.editor.load(paths["image"]) if "image" in paths else None
    size = photo.size if photo is not None else session.image(args.get("image")).size if paths else None
    masks = {k: load_mask(path, size=size) for k, path in paths.items() if k != "image"}
    if not paths and not references:
        return dict(args)
    made = dict(args)
    with ws.transaction():
        if references:
            made["references"] = [
                ws.add_image(references[v], tool="reference", note=Path(v).name) if v in references else v
                for v in given
            ]
        if photo is not None:
            made["image"] = ws.add_image(photo, tool="upload", note=paths["image"].name)
            ws.set_current(made["image"])
        for name, mask in masks.items():
            made[name] = ws.add_mask(mask, tool="upload", note=paths[name].name)
    return made


async def _in_thread(ctx: Context, work: Callable[[Callable[[ev.Event], None]], EditResult]) -> EditResult:
    """Run `work` in a worker thread, sending its step progress as MCP progress notifications."""
    loop, queue = asyncio.get_running_loop(), asyncio.Queue()

    def report(event: ev.Event) -> None:
        if isinstance(event, ev.StepProgress):
            loop.call_soon_threadsafe(queue.put_nowait, event)

    job = asyncio.ensure_future(asyncio.to_thread(work, report))
    while not job.done():
        getter = asyncio.ensure_future(queue.get())
        await asyncio.wait({job, getter}, return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            p = getter.result()
            await ctx.report_progress(p.step, p.total, f"{p.tool}: {progress_text(p)}")
        else:
            getter.cancel()
    return job.result()


def _reply(result: EditResult, *, output: Path | None = None) -> CallToolResult:
    """The summary as text and as `structuredContent`, a preview that fits the hosts, and a
    link to the full-size image (a session resource; its file, copied into `output`)."""
    workspace = result.session.workspace
    full = None
    if result.image_id:
        full = workspace.path(result.image_id)
        if output is not None:  # the image as it leaves pixelsmith: its photo's alpha, profile, EXIF
            output.mkdir(parents=True, exist_ok=True)
            full = save_image(result.image, output / f"{result.session.id}-{result.image_id}.png")
    summary = {
        "ok": result.ok,
        "session_id": result.session.id,
        "image_id": result.image_id,
        "file": str(full) if full else None,
        "steps": [
            {"tool": s.tool, "outputs": s.outputs, "summary": s.summary, "error": s.error}
            for s in result.steps
        ],
        "messages": result.messages,
    }
    content: list[Any] = [TextContent(type="text", text=json.dumps(summary, indent=1))]
    if result.image_id and result.image is not None:
        data, mime = preview(result.image)
        content.append(ImageContent(type="image", data=data, mime_type=mime))
        uri = f"pixelsmith://sessions/{result.session.id}/artifacts/{result.image_id}"
        size = full.stat().st_size if full else None
        content.append(ResourceLink(name=result.image_id, uri=uri, mime_type="image/png", size=size))
    return CallToolResult(content=content, structured_content=summary)


def preview(image: PILImage.Image) -> tuple[str, str]:
    """`image` as base64 that hosts take: JPEG (WebP where it has transparency), its long side
    at most `PREVIEW_SIDE`, made smaller until it is at most `PREVIEW_BYTES` characters."""
    shown = image.copy()
    shown.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), PILImage.LANCZOS)
    clear = shown.mode in ("RGBA", "LA") or "transparency" in shown.info
    kind = "WEBP" if clear else "JPEG"
    quality = 85
    while True:
        buffer = io.BytesIO()
        (shown if clear else shown.convert("RGB")).save(buffer, format=kind, quality=quality)
        data = base64.b64encode(buffer.getvalue()).decode()
        if len(data) <= PREVIEW_BYTES or max(shown.size) <= 64:
            return data, f"image/{kind.lower()}"
        if quality > 50:
            quality -= 15
        else:
            shown.thumbnail((round(shown.width * 0.75), round(shown.height * 0.75)), PILImage.LANCZOS)


def _resources(server: MCPServer, editor: Editor) -> None:
    @server.resource("pixelsmith://sessions", name="sessions", mime_type="application/json")
    def sessions() -> str:
        """Saved sessions, newest first: id, title, current image."""
        from pixelsmith.session_folders import list_sessions

        rows = [
            {"id": r.id, "title": r.title, "current_image": r.current_image}
            for r in list_sessions(editor.settings.data_dir)
        ]
        return json.dumps(rows, indent=1)

    @server.resource("pixelsmith://sessions/{session_id}", name="session", mime_type="application/json")
    def session(session_id: str) -> str:
        """A session's conversation, steps and artifacts."""
        with _not_found():
            return editor.session(session_id).workspace.record.model_dump_json(indent=1)

    @server.resource(
        "pixelsmith://sessions/{session_id}/artifacts/{artifact_id}", name="artifact", mime_type="image/png"
    )
    def artifact(session_id: str, artifact_id: str) -> bytes:
        """An image or mask of a session, as PNG."""
        with _not_found():
            found = editor.session(session_id)
            record = found.workspace.artifact(artifact_id)
            if record.kind == "detection":
                raise UserError(f"{artifact_id} is a detection; read the session for its boxes")
        if record.kind == "mask":
            return found.workspace.path(artifact_id).read_bytes()
        out = found.image(artifact_id)  # with its photo's alpha, ICC profile and EXIF
        return encoded(out)


@contextmanager
def _not_found() -> Iterator[None]:
    """A resource that is not there, said in the sentence that names it (the SDK would
    send only "Error creating resource from template <uri>")."""
    from mcp.server.mcpserver.exceptions import ResourceNotFoundError

    try:
        yield
    except UserError as err:  # ToolInputError too: "there is no artifact image-99"
        raise ResourceNotFoundError(shorten(str(err), MAX_ERROR_CHARS)) from None


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve_http(server: MCPServer, host: str, port: int, *, token: str | None, hosts: list[str]) -> None:
    """Streamable HTTP on `host`:`port`. Requests must name one of this machine's `hosts`
    (and a browser's Origin one of them: no DNS rebinding), and carry `Authorization:
    Bearer <token>` when a token is set; on anything but loopback a token is required."""
    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

    if host not in LOOPBACK and not token:
        raise UserError(
            f"MCP on {host} lets anyone who reaches this machine read and edit every session; "
            "set a token (--token, or PIXELSMITH_MCP_TOKEN) that clients send as 'Authorization: Bearer ...'"
        )
    names = list(dict.fromkeys([*LOOPBACK, *(h for h in [host] if h not in ("0.0.0.0", "::")), *hosts]))
    names = [f"[{n}]" if ":" in n else n for n in names]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{n}:*" for n in names],
        allowed_origins=[f"{scheme}://{n}:*" for n in names for scheme in ("http", "https")],
    )
    app: Any = server.streamable_http_app(transport_security=security, host=host)
    if token:
        app = BearerToken(app, token)
    uvicorn.run(app, host=host, port=port, log_level="warning")


class BearerToken:
    """ASGI middleware: an HTTP request without `Authorization: Bearer <token>` gets a 401."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self.expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                headers = [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]
                await send({"type": "http.response.start", "status": 401, "headers": headers})
                await send({"type": "http.response.body", "body": b"a bearer token is needed"})
                return
        await self.app(scope, receive, send)
