"""The README is the front door: every link in it leads to a file in this repository, and
every command of its command-line block runs, as written, on the tiny models."""

from __future__ import annotations

import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from pixelsmith.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")
# The server and the bench's whole tiny run are run by their own tests.
RUN_ELSEWHERE = {
    "mcp": "tests/test_mcp.py (stdio and streamable HTTP)",
    "bench": "tests/test_bench.py::test_tiny_bench_reports_every_figure_beside_the_plain_way",
}


def test_every_link_leads_inside_the_repository():
    local = [t for t in LINK.findall(README.read_text()) if not t.startswith(("http://", "https://", "#"))]
    assert local, "the README links its picture at least"
    for target in local:
        path = (ROOT / target.split("#")[0]).resolve()
        assert ROOT in path.parents and path.exists(), (
            f"README links {target}, which is not in the repository"
        )


def _commands() -> list[list[str]]:
    """The lines of the block that follows "On the command line", comments cut off."""
    text = README.read_text()
    block = text[text.index("On the command line") :]
    block = block[block.index("```bash") + len("```bash") : block.index("```", block.index("```bash") + 7)]
    lines = [re.split(r"\s{2,}#", line)[0].strip() for line in block.strip().splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("pixelsmith ")]


def test_the_command_block_runs_as_written(tiny_settings, tmp_path, monkeypatch, capsys):
    commands = _commands()
    assert len(commands) >= 20 and all(c[0] in RUN_ELSEWHERE or c for c in commands)
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "pixelsmith" / "data" / "cat.png", "cat.png")  # as the README says
    for folder, count in (("shots", 1), ("photos", 3)):
        Path(folder).mkdir()
        for n in range(count):
            shutil.copy("cat.png", Path(folder) / f"{n}.png")
    session = None
    for argv in commands:
        if argv[0] in RUN_ELSEWHERE:
            continue
        argv = [session if a == "ID" else a for a in argv]
        if argv[0] == "chat":
            monkeypatch.setattr("sys.stdin", io.StringIO("make it brighter\nquit\n"))
        code = main(argv)
        said = capsys.readouterr()
        assert code == 0, f"pixelsmith {shlex.join(argv)}: exit {code}\n{said.err[-1500:]}"
        found = re.search(r"session (\d{8}-\d{6}-[0-9a-f]{6})", said.out + said.err)
        session = session or (found.group(1) if found else None)
    for made in ("dragon.png", "boxes.png", "mask.png", "clicked.png", "empty.png", "lighthouse.png",
                 "winter.png", "sketch.png", "wide.png", "bright.jpg", "square.png", "turned.png",
                 "big.png", "cutout.png", "edited/0.png", "red.png", "rex.png"):  # fmt: skip
        assert Path(made).is_file(), f"the README's commands did not write {made}"


@pytest.mark.parametrize("command", sorted(RUN_ELSEWHERE))
def test_what_runs_elsewhere_is_a_readme_command_and_its_test_exists(command):
    assert any(c[0] == command for c in _commands())
    test_file = RUN_ELSEWHERE[command].split(" ")[0].split("::")[0]
    assert (ROOT / test_file).exists()
