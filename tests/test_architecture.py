"""The layers import one way, no module cycle exists, and the light commands import no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_in_pyproject_hold() -> None:
    """import-linter's contracts (layers, acyclic siblings, no torch below the models), run in
    a process of its own: its command configures logging for the whole process."""
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while (top := stack.pop()) != module:
                group.append(top)
            if group:
                found.append(sorted([module, *group]))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back_through_others() -> None:
    assert _cycles(grimp.build_graph("pixelsmith")) == []


def test_a_cycle_would_be_found() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [["a.x", "a.y", "a.z"]]


@pytest.mark.parametrize(
    "code",
    [
        "import pixelsmith.cli",
        "from pixelsmith.cli import main; main(['--help'])",
        "from pixelsmith.cli import main; main(['sessions', 'list'])",
        "from pixelsmith.cli import main; main(['concept', 'list'])",
        "from pixelsmith.cli import main; main(['models', 'list'])",
    ],
)
def test_light_commands_import_no_torch(code: str, tmp_path) -> None:
    check = f"{code}\nimport sys\nprint('torch' in sys.modules, 'diffusers' in sys.modules)"
    env = {"PIXELSMITH_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_modules_stay_small() -> None:
    sizes = {p: len(p.read_text().splitlines()) for p in (ROOT / "pixelsmith").rglob("*.py")}
    large = {str(p.relative_to(ROOT)): n for p, n in sizes.items() if n > 400}
    assert large == {}


def test_no_file_over_a_megabyte_is_committed_outside_the_package_data() -> None:
    """Wheels, checkpoints and screenshots stay out of the repository (a 2.9 MB wheel was in
    it); the package's own data (the sample photo) may be bigger, up to what it needs."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    files = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    big = [
        f"{path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)"
        for path in files
        if path.is_file()
        and path.stat().st_size > 1_000_000
        and not path.is_relative_to(ROOT / "pixelsmith" / "data")
    ]
    assert big == [], "files over 1 MB: " + ", ".join(big)
