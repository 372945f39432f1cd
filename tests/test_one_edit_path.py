"""Issue 22: one edit path. The CLI's `edit` and `chat` go through the Python API's
`Session.edit`, tool commands through `Editor.run` (the configured executor), and a
request's result names the image its own turn made, whatever other processes do meanwhile."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pixelsmith import Editor

# A process that goes on in a shared session. The window between its edit being stored and
# its answer is held open until all four processes have stored theirs: then each one's
# session record says another's image is current, and only the turn knows its own.
PROBE = """
import json, sys, time
from pathlib import Path
from pixelsmith import Editor
from pixelsmith.agent import events as ev

config, session, gate, me = sys.argv[1:5]
gate = Path(gate)

def hold(event):
    if isinstance(event, ev.StepFinished) and event.tool == "inpaint":
        (gate / me).touch()
        deadline = time.time() + 240
        while len(list(gate.iterdir())) < 4 and time.time() < deadline:
            time.sleep(0.05)

result = Editor(config).session(session).edit("try another seed", on_event=hold)
made = [s.outputs[0] for s in result.steps if s.tool == "inpaint"]
print(json.dumps({"image": result.image_id, "made": made, "ok": result.ok}))
"""


def test_four_processes_going_on_in_one_session_each_get_their_own_image(tiny_config, tmp_path, cat_photo):
    editor = Editor(tiny_config, data_dir=tmp_path / "data")
    first = editor.edit(cat_photo, "replace the cat with a dog, 2 steps", seed=1)
    assert first.ok and first.image_id == "image-2"
    gate = tmp_path / "gate"
    gate.mkdir()
    command = [sys.executable, "-c", PROBE, str(tiny_config), first.session.id, str(gate)]
    env = {**os.environ, "PIXELSMITH_DATA_DIR": str(tmp_path / "data")}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "env": env}
    runs = [subprocess.Popen([*command, str(n)], **pipes) for n in range(4)]
    seen = []
    for run in runs:
        out, err = run.communicate(timeout=400)
        assert run.returncode == 0, err[-2000:]
        seen.append(json.loads(out.splitlines()[-1]))
    assert all(s["ok"] and len(s["made"]) == 1 for s in seen)
    assert [s["image"] for s in seen] == [s["made"][0] for s in seen]  # each its own turn's image
    assert sorted(s["image"] for s in seen) == ["image-3", "image-4", "image-5", "image-6"]


def test_tool_commands_run_on_the_configured_executor(tiny_settings, tmp_path, cat_photo, monkeypatch):
    """`pixelsmith detect` goes through `Editor.run` and so through `make_executor`, the one
    the settings name (it used to build a LocalExecutor of its own whatever they said)."""
    from pixelsmith.cli import main
    from pixelsmith.execution import choose

    photo = tmp_path / "cat.png"
    cat_photo.save(photo)
    asked = []
    real = choose.make_executor

    def spy(settings, models, tools=None):
        asked.append(settings.executor)
        return real(settings, models, tools)

    monkeypatch.setattr(choose, "make_executor", spy)
    assert main(["detect", str(photo), "cat", "--json"]) == 0
    assert asked == ["local"]
