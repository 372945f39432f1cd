"""`pixelsmith ui`: the chat UI in a browser (a Streamlit server for `app.py`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from pixelsmith.cli.common import STATE
from pixelsmith.ui import upload_limit_mb

app = typer.Typer()
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

APP = Path(__file__).parent.parent / "ui" / "app.py"


def streamlit_command(host: str, port: int, *, max_upload_mb: int) -> list[str]:
    """The `streamlit run` command line for the app: headless, no usage statistics, no
    tracebacks in the page (they go to the server log), uploads up to `max_upload_mb` MiB.

    Fast reruns are off: with them, a click during a run starts a second script thread at
    once while the first is still on its way out, and the two touch one session state under
    two locks (seen in CI as "dictionary changed size during iteration" from a widget of the
    old run). Without them, the click reruns the same thread at its next Streamlit call."""
    return [
        sys.executable,
        "-m",
        "pixelsmith.ui.serve",  # streamlit's command line; kill -USR1 prints its threads' stacks
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.maxUploadSize",
        str(max_upload_mb),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--client.showErrorDetails",
        "none",
        "--runner.fastReruns",
        "false",
    ]


@app.command()
def ui(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8501,
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file.")] = None,
    planner: Annotated[
        Literal["auto", "llm", "local", "offline"] | None,
        typer.Option(help="The sidebar's default planner (default: the `planner` setting)."),
    ] = None,
) -> None:
    """Open the chat UI: upload a photo and describe the edit (Ctrl-C stops the server)."""
    from pixelsmith.config import load_settings

    config = config or STATE.config
    env = dict(os.environ)
    if config is not None:
        env["PIXELSMITH_CONFIG"] = str(config.expanduser().resolve())
    if STATE.device:
        env["PIXELSMITH_DEVICE"] = STATE.device
    if planner:
        env["PIXELSMITH_PLANNER"] = planner  # the sidebar starts from settings.planner
    settings = load_settings(config)  # a bad file is one line now, not an error page later
    if host not in LOCAL_HOSTS:
        env["PIXELSMITH_UI__SHARED"] = "true"
        models = "on (ui.allow_model_changes)" if settings.ui.allow_model_changes else "off"
        typer.echo(
            f"warning: listening on {host}, beyond this machine: whoever reaches it runs models here. "
            f"Each browser sees only its own sessions; the Models box is {models}. Put it behind "
            "an authenticating proxy for anything but a trusted network.",
            err=True,
        )
    typer.echo(f"pixelsmith UI on http://{host}:{port} (Ctrl-C stops it)")
    command = streamlit_command(host, port, max_upload_mb=upload_limit_mb(settings.limits))
    process = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())  # stopping us stops the server
    if hasattr(signal, "SIGUSR1"):  # "what is it doing?": every thread's stack, in the server's log
        signal.signal(signal.SIGUSR1, lambda *_: process.send_signal(signal.SIGUSR1))
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        code = process.wait()
    raise typer.Exit(code)
