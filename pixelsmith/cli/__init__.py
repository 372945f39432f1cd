"""`pixelsmith` on the command line: the root app composes the sub-apps, each in its own
module (tools on files, the agent, concepts, models, the UI, serving, the benchmark).

User errors end with one line on stderr and exit code 2, never a traceback. Importing
this package imports no torch: `--help`, `sessions`, `concept list` and `models list`
stay light; the commands that run models import them when they run.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import typer

from pixelsmith.cli import agent, bench, common, concept, eval, mcp, models, photo, serve, tools, ui, whole
from pixelsmith.errors import MAX_ERROR_CHARS, InterruptedError_, UserError, shorten
from pixelsmith.escape import for_terminal

app = typer.Typer(
    help="Edit images by describing what you want.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for sub_app in (
    tools.app,
    whole.app,
    photo.app,
    agent.app,
    concept.app,
    models.app,
    ui.app,
    mcp.app,
    serve.app,
    bench.app,
    eval.app,
):
    app.add_typer(sub_app)


def _version(value: bool) -> None:
    if value:
        from pixelsmith import __version__

        typer.echo(f"pixelsmith {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    config: Annotated[Path | None, typer.Option("--config", help="TOML settings file.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda, mps.")] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    common.STATE.config, common.STATE.device = config, device
    common.log_to_file()


@functools.cache
def command() -> Any:
    """`app` as a click command, built once, its help plain: a flag shows no `<bool>` (nor
    does --help) and arguments read in capitals, as in `detect {IMAGE} {LABELS}` (typer's
    braces mark them required)."""
    built = typer.main.get_command(app)
    plain = SimpleNamespace(help_option_names=["--help"])  # all get_help_option reads of a context

    def walk(cmd: Any) -> None:
        for param in [*cmd.params, cmd.get_help_option(plain)]:
            if param is None:
                continue
            if getattr(param, "is_flag", False):
                param.metavar = ""
            elif param.param_type_name == "argument" and param.metavar is None:
                param.metavar = param.name.upper()
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(built)
    return built


def main(argv: list[str] | None = None) -> int:
    """Entry point. Exit codes: 0 done; 1 the request ran and failed (nothing found, a step's
    error); 2 bad usage or input, one line on stderr; 130 interrupted."""
    import click

    common.READ.clear()  # the files this command reads (a test may run several in one process)
    try:
        code = command().main(args=argv, standalone_mode=False, prog_name="pixelsmith")
    except UserError as err:  # a stop the user asked for is said as such, not as an error
        said = "stopped" if isinstance(err, InterruptedError_) else "error"
        typer.echo(for_terminal(f"{said}: {shorten(str(err), MAX_ERROR_CHARS)}"), err=True)
        return 2
    except (click.exceptions.Abort, typer.Abort):
        typer.echo("aborted", err=True)
        return 130
    except (click.ClickException, typer.TyperException) as err:  # typer >= 0.29 has its own click
        err.show()
        return getattr(err, "exit_code", 2)
    return code if isinstance(code, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
