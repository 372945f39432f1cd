"""`pixelsmith mcp`: the Model Context Protocol server (stdio, or streamable HTTP with --port)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pixelsmith.cli import common
from pixelsmith.errors import UserError

app = typer.Typer()


@app.command("mcp")
def mcp_command(
    port: Annotated[
        int | None, typer.Option(help="Serve streamable HTTP on this port (default: stdio).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address for --port.")] = "127.0.0.1",
    allow_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--allow-dir", help="A folder photos may be read from; repeat. Default: here and the data dir."
        ),
    ] = None,
    planner: Annotated[str | None, typer.Option(help="auto, llm, local or offline.")] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output-dir", help="Copy each full-size result here (its path is in the reply)."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="PIXELSMITH_MCP_TOKEN",
            help="With --port: clients must send 'Authorization: Bearer TOKEN' (needed beyond localhost).",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", help="With --port: a name clients reach this machine by; repeat."),
    ] = None,
) -> None:
    """Serve pixelsmith's edit agent and tools to MCP clients (Claude Desktop, IDEs, ...).
    A result comes back as a preview that hosts accept (at most 1568 px, 1 MB) and a link
    to the full-size image."""
    try:
        from pixelsmith.mcp_server import Files, build
    except ImportError:
        raise UserError("pixelsmith mcp needs the MCP SDK: pip install 'pixelsmith[mcp]'") from None
    editor = common.editor(planner)
    allowed = list(allow_dir or [Path.cwd(), editor.settings.data_dir])
    server = build(editor, Files(allowed), output_dir.expanduser() if output_dir else None)
    if port is None:
        server.run()  # stdio: stdout carries the protocol alone (logs go to the log file)
        return
    from pixelsmith.mcp_server import LOOPBACK, serve_http

    hosts = list(allow_host or [])
    if host not in LOOPBACK:
        import socket

        hosts += [socket.gethostname(), socket.getfqdn()]
        typer.echo(
            f"warning: MCP on {host} is reachable beyond this machine: every client with the token can "
            f"read and edit every session (names accepted: {', '.join(dict.fromkeys(hosts))})",
            err=True,
        )
    typer.echo(f"pixelsmith MCP on http://{host}:{port}/mcp", err=True)
    serve_http(server, host, port, token=token, hosts=hosts)
