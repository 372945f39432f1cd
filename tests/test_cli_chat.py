"""`pixelsmith chat` and `pixelsmith sessions list|show` on tiny checkpoints, offline planner.

Chat reads its messages from stdin as a user types them; the session it saves is listed,
shown, and continued by a second `chat --session ID` in the same data folder.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from pixelsmith.cli import main
from pixelsmith.workspace import Workspace

DRAGON = "replace the cat with a dragon, 2 steps"


def _chat(monkeypatch, capsys, argv: list[str], lines: list[str]) -> str:
    """Run `pixelsmith chat` with `lines` typed at the prompt, then Ctrl-D; its stdout."""
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    assert main(["chat", *argv]) == 0
    return capsys.readouterr().out


def _session_id(out: str) -> str:
    first, last = out.splitlines()[0], out.splitlines()[-1]
    session = re.match(r"session (\S+) \(", first)
    assert session, first
    assert last == f"you> resume with: pixelsmith chat --session {session[1]}"
    return session[1]


@pytest.fixture
def chatted(tiny_settings, cat_photo, tmp_path, monkeypatch, capsys) -> tuple[str, str]:
    """A chat on the cat photo: the dragon in 2 steps, made red, then undone; (id, stdout)."""
    photo = tmp_path / "cat.png"
    cat_photo.save(photo)
    out = _chat(monkeypatch, capsys, [str(photo)], [DRAGON, "", "make it red", "undo"])
    return _session_id(out), out


def test_chat_runs_each_message_and_saves_the_session(chatted, tiny_settings, cat_photo):
    session, out = chatted
    # 1. What was printed: each plan, its numbered steps, the files made, the replies.
    plans = re.findall(r"plan \(offline\): (.+)", out)
    assert plans == ["detect → segment → inpaint", "inpaint", "undo"]
    assert re.findall(r"^\[(\d)\] (\w+) ", out, re.M) == [
        ("1", "detect"), ("2", "segment"), ("3", "inpaint"), ("1", "inpaint"), ("1", "undo"),
    ]  # fmt: skip
    assert '"prompt": "a dragon", "num_inference_steps": 2' in out
    assert '"prompt": "a red dragon", "num_inference_steps": 2' in out
    folder = tiny_settings.data_dir / "sessions" / session
    files = [Path(f) for f in re.findall(r"-> (\S+)", out)]
    assert {f.name for f in files} == {"mask-1.png", "mask-2.png", "mask-3.png", "image-2.png", "image-3.png"}
    assert all(f.parent == folder / "artifacts" and f.is_file() for f in files)
    assert out.count("pixelsmith: Done: ") == 3 and "pixelsmith: Done: image-2 is the current" in out
    assert out.count("you> ") == 5  # four lines (one blank, skipped) and Ctrl-D
    # 2. What was saved: the turns, the steps with their arguments, the undone branch.
    record = Workspace.open(tiny_settings.data_dir, session).record
    assert [m.text for m in record.messages if m.role == "user"] == [DRAGON, "make it red", "undo"]
    assert [s.tool for s in record.steps] == ["detect", "segment", "inpaint", "inpaint", "undo"]
    dragon, red = record.steps[2], record.steps[3]
    assert dragon.args["num_inference_steps"] == 2 and red.args["prompt"] == "a red dragon"
    assert red.args["seed"] == dragon.args["seed"] and dragon.outputs == ["image-2"]
    assert record.current_image == "image-2" and record.history[-1] == "image-2"
    assert Image.open(folder / "artifacts" / "image-3.png").size == cat_photo.size


def test_sessions_list_show_and_chat_continues(chatted, tiny_settings, monkeypatch, capsys):
    session, _ = chatted
    # 1. `sessions list`: one line for it, with its current image.
    assert main(["sessions", "list"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert re.match(rf"{session}\s+\d+ messages\s+image-2\s", line), line
    # 2. `sessions show ID`: the conversation and, under each request, its steps.
    assert main(["sessions", "show", session]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"session {session} in ") and "current image image-2" in shown.splitlines()[0]
    assert f"[1] user: {DRAGON}" in shown and "[3] user: undo" in shown
    steps = re.findall(r"^ {6}(\w+)(?: \(([^)]*)\))?: (.*)$", shown, re.M)  # tool (what it took): made
    assert [tool for tool, _, _ in steps] == ["detect", "segment", "inpaint", "inpaint", "undo"]
    assert steps[1][2] == "mask-1, mask-2, mask-3" and steps[2][2] == "image-2"
    assert steps[2][1] == "image-1, mask-1"  # which mask the inpaint used
    # 3. `chat --session ID`: a follow-up on the reopened session repeats the dragon, not
    #    the undone red one, with the next seed; 'quit' ends it before the last line.
    out = _chat(monkeypatch, capsys, ["--session", session], ["try another seed", "quit", "undo"])
    assert _session_id(out) == session
    assert re.findall(r"plan \(offline\): (.+)", out) == ["inpaint"]
    record = Workspace.open(tiny_settings.data_dir, session).record
    again, dragon = record.steps[-1], record.steps[2]
    assert again.tool == "inpaint" and again.args["prompt"] == "a dragon"
    assert again.args["seed"] == dragon.args["seed"] + 1 and again.args["num_inference_steps"] == 2
    assert record.current_image == "image-4" == again.outputs[0]
    assert [m.text for m in record.messages if m.role == "user"][-1] == "try another seed"


@pytest.mark.parametrize("argv", [["chat", "--session", "no-such-session"], ["sessions", "show", "nope"]])
def test_an_unknown_session_is_one_line_error(tiny_settings, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no session ") and "recent sessions: none" in err


def test_chat_with_the_review_waits_for_a_choice_and_a_click(
    tiny_settings, cat_photo, tmp_path, monkeypatch, capsys
):
    """`chat --review`: the edit stops at its masks; 'use mask 2' would go on at once, so the
    user clicks first (a new mask), then continues; the inpaint uses the clicked mask."""
    photo = tmp_path / "cat.png"
    cat_photo.save(photo)
    lines = [DRAGON, "click 200 150", "grow 3", "continue"]
    out = _chat(monkeypatch, capsys, [str(photo), "--review"], lines)
    session = _session_id(out)
    assert "review: 3 candidate mask(s), best first; mask-1 is chosen" in out
    assert "say 'use mask N', 'click X Y'" in out
    record = Workspace.open(tiny_settings.data_dir, session).record
    assert [s.tool for s in record.steps] == ["detect", "segment", "segment", "refine_mask", "inpaint"]
    assert record.steps[2].args["points"] == [{"x": 200.0, "y": 150.0, "positive": True}]
    assert record.steps[3].args["grow"] == 3 and record.steps[-1].args["mask"] == "mask-5"
    assert (
        "note: Going on with mask-5: you refined it with 1 click (mask-4), then changed it: grow 3 (mask-5)."
        in out
    )
    assert record.pending is None and record.current_image == "image-2"
