"""The agent with the offline planner on tiny models: turns, follow-ups, undo, review, reopen."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image
from pydantic import BaseModel

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.plan import Plan, Step
from pixelsmith.agent.planner_protocol import OneShotTurn
from pixelsmith.artifacts import Stored
from pixelsmith.cli import main
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace

DRAGON = "replace the cat with a realistic green dragon"


@pytest.fixture
def agent(make_agent) -> Agent:
    return make_agent(seed=11)


def _send(agent: Agent, message: str, image=None) -> list:
    events = list(agent.send(message, image=image))
    assert isinstance(events[-1], ev.Done)
    return events


def _tools(events) -> list[str]:
    return [e.tool for e in events if isinstance(e, ev.StepFinished)]


def test_edit_command_writes_result_and_session(tiny_settings, cat_photo, tmp_path, capsys):
    photo = tmp_path / "cat.png"
    cat_photo.save(photo)
    out_path = tmp_path / "dragon.png"
    assert main(["edit", str(photo), DRAGON, "-o", str(out_path), "--seed", "3", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["plan"] == ["detect", "segment", "inpaint"]
    assert Image.open(out_path).size == cat_photo.size
    files = sorted(
        p.name for p in (tmp_path / "data" / "sessions" / record["session"] / "artifacts").iterdir()
    )
    assert files == ["image-1.png", "image-2.png", "mask-1.png", "mask-2.png", "mask-3.png"]
    session = json.loads((tmp_path / "data" / "sessions" / record["session"] / "session.json").read_text())
    kinds = {a["kind"] for a in session["artifacts"]}
    assert kinds == {"image", "detection", "mask"}
    assert session["steps"][2]["args"]["seed"] == 3 and session["steps"][2]["models"]["inpainter"]


def test_edit_goes_on_in_a_session_without_a_photo(tiny_settings, cat_photo, tmp_path, capsys):
    """`edit --session S "now make it red"`: the one argument is the instruction; notices
    (the first load of a model) come apart from the answer in the JSON record."""
    photo = tmp_path / "cat.png"
    cat_photo.save(photo)
    assert main(["edit", str(photo), DRAGON, "--seed", "3", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert any("loading inpainter" in n for n in first["notices"])
    assert not any("loading" in m for m in first["messages"])
    assert main(["edit", "--session", first["session"], "now make it red", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["session"] == first["session"] and second["plan"] == ["inpaint"]
    assert second["result"] == "image-3"
    assert main(["edit", "now make it red"]) == 2
    assert "--session ID and the instruction" in capsys.readouterr().err


def test_follow_ups_undo_branch_and_reopen(agent, cat_photo):
    assert _tools(_send(agent, DRAGON, cat_photo)) == ["detect", "segment", "inpaint"]
    ws = agent.workspace
    assert ws.record.current_image == "image-2"
    red = _send(agent, "now make it red")
    assert _tools(red)[-1] == "inpaint"
    last = ws.record.steps[-1]
    assert "red" in last.args["prompt"] and last.args["image"] == "image-1"
    assert ws.record.current_image == "image-3"
    _send(agent, "undo")
    assert ws.record.current_image == "image-2"
    _send(agent, "try again with another seed")
    assert ws.record.current_image == "image-4"
    again, first = ws.record.steps[-1], ws.record.steps[2]
    assert again.args["prompt"] == first.args["prompt"] and "red" not in again.args["prompt"]
    assert again.args["seed"] != first.args["seed"]  # the dragon again, not the undone red one
    assert ws.artifact("image-3").parents[0] == "image-1"  # the undone branch is kept
    # a new process sees the same session
    code = (
        "import json; from pixelsmith.workspace import Workspace\n"
        f"ws = Workspace.open({str(ws.folder.parent.parent)!r}, {ws.id!r})\n"
        "print(json.dumps([ws.record.current_image, len(ws.record.messages), ws.image('image-4').size]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["image-4", len(ws.record.messages), list(cat_photo.size)]
    # back to the upload: there is no edit to repeat any more
    _send(agent, "undo")
    _send(agent, "undo")
    assert ws.record.current_image == "image-1"
    replies = [e.text for e in _send(agent, "try again") if isinstance(e, ev.AssistantMessage)]
    assert "no earlier edit" in replies[0] and [s.tool for s in ws.record.steps].count("inpaint") == 3


def test_a_recorded_step_re_runs_to_the_same_pixels(agent, cat_photo):
    _send(agent, DRAGON, cat_photo)
    index = next(s.index for s in agent.workspace.record.steps if s.tool == "inpaint")
    again = agent.rerun(index).images[0]
    stored = agent.workspace.image(agent.workspace.record.steps[index].outputs[0])
    assert np.array_equal(np.asarray(again), np.asarray(stored))


def test_review_pauses_then_uses_the_chosen_mask(make_agent, cat_photo):
    agent = make_agent(interactive=True)
    events = _send(agent, DRAGON, cat_photo)
    review = [e for e in events if isinstance(e, ev.ReviewNeeded)]
    assert review and review[0].masks == ["mask-1", "mask-2", "mask-3"]
    assert _tools(events) == ["detect", "segment"]
    agent.choose("mask-2")
    refined = list(agent.refine(points=[{"x": 200, "y": 120, "positive": True}]))
    assert isinstance(refined[-1], ev.ReviewNeeded) and refined[-1].masks[0] == "mask-4"
    clicked = agent.workspace.record.steps[-1]
    (box,) = clicked.args["boxes"]  # the chosen mask's box, widened to take in the click
    ys, xs = agent.workspace.mask("mask-2").nonzero()
    assert box[0] == min(xs.min(), 200) and box[1] == min(ys.min(), 120)
    assert box[2] == max(xs.max() + 1, 201) and box[3] == max(ys.max() + 1, 121)
    resumed = list(agent.resume())
    assert _tools(resumed) == ["inpaint"]
    assert agent.workspace.record.steps[-1].args["mask"] == "mask-4"
    assert agent.workspace.record.pending is None


def test_nothing_found_is_a_message_not_a_crash(make_agent):
    agent = make_agent()
    events = _send(agent, "remove the cat, threshold 1", noise_image(96, 64))
    messages = [e.text for e in events if isinstance(e, ev.AssistantMessage)]
    assert not [e for e in events if isinstance(e, ev.ErrorEvent)]  # said, not an error
    assert messages == ["Nothing found for 'cat' in image-1. Try other words, a lower threshold "
                        "(e.g. 'find the cat, threshold 0.05') or click on the object."]  # fmt: skip
    assert _tools(events) == ["detect"]  # the removal did not run
    assert agent.workspace.record.current_image == "image-1"


class _Scripted:
    name = "scripted"

    def __init__(self, steps):
        self.steps = steps

    def begin(self, message, view):
        return OneShotTurn(Plan(steps=[Step(**s) for s in self.steps]))


def test_failed_step_leaves_workspace_as_it_was(tiny_registry, tmp_path):
    workspace = Workspace.create(tmp_path / "data")
    agent = Agent(
        workspace,
        tiny_registry,
        planner=_Scripted([{"tool": "segment", "args": {"points": [{"x": 500, "y": 10}]}}]),
    )
    events = _send(agent, "cut", noise_image(64, 48))
    errors = [e.text for e in events if isinstance(e, ev.ErrorEvent)]
    assert errors == ["point (500, 10) is outside the 64x48 image"]
    assert [a.id for a in workspace.record.artifacts] == ["image-1"]
    assert workspace.record.steps[-1].error == errors[0]


def test_plan_with_unknown_id_is_refused_before_running(tiny_registry, tmp_path):
    workspace = Workspace.create(tmp_path / "data")
    agent = Agent(
        workspace,
        tiny_registry,
        planner=_Scripted(
            [
                {"tool": "detect", "args": {"labels": ["cat"]}},
                {"tool": "inpaint", "args": {"mask": "mask-7", "prompt": "x"}},
            ]
        ),
    )
    events = _send(agent, "do it", noise_image(64, 48))
    assert "there is no mask 'mask-7'" in [e for e in events if isinstance(e, ev.ErrorEvent)][0].text
    assert workspace.record.steps == []  # not even the valid first step ran


def test_not_understood_gets_suggestions(agent):
    events = _send(agent, "what is the meaning of life?", noise_image(32, 32))
    replies = [e.text for e in events if isinstance(e, (ev.AssistantMessage, ev.ErrorEvent))]
    assert replies and not _tools(events)
    assert "replace" in replies[0].lower()


def test_comet_tracking_offline(agent, cat_photo, monkeypatch, tiny_registry):
    pytest.importorskip("comet_ml")
    monkeypatch.setenv("PIXELSMITH_TRACKING", "comet")
    tracked = Agent(agent.workspace, tiny_registry, planner=agent.planner, seed=1)
    _send(tracked, DRAGON, cat_photo)
    tracked.tracker.close()
    assert list((agent.workspace.folder.parent.parent / "tracking").glob("*.zip"))


def test_typed_answers_while_paused_choose_and_continue(make_agent, cat_photo):
    agent = make_agent(interactive=True)
    _send(agent, DRAGON, cat_photo)
    assert agent.workspace.record.pending is not None
    events = _send(agent, "use mask 3")
    assert _tools(events) == ["inpaint"] and agent.workspace.record.steps[-1].args["mask"] == "mask-3"
    _send(agent, DRAGON)
    events = _send(agent, "continue")
    assert _tools(events) == ["inpaint"] and agent.workspace.record.steps[-1].args["mask"] == "mask-4"


def test_cli_progress_bar_starts_again_for_each_training_phase_and_shows_the_loss(capsys):
    from pixelsmith.agent import events as ev
    from pixelsmith.cli.agent import EventPrinter

    printer, bars = EventPrinter(workspace=None), []
    for phase, total in (("class images", 2), ("training", 3), ("inpaint training", 3)):
        for step in range(1, total + 1):
            loss = None if phase == "class images" else 0.5 / step
            printer(ev.StepProgress(1, "train_concept", step, total, f"{phase} step", loss, 1.0, phase))
        bar = printer.bar.bar
        bars.append((bar.desc, bar.n, bar.total, bar.postfix))
    printer(ev.AssistantMessage("done"))
    assert bars == [
        ("class images", 2, 2, None),
        ("training", 3, 3, "loss=0.1667"),
        ("inpaint training", 3, 3, "loss=0.1667"),
    ]
    assert printer.bar.bar is None and "pixelsmith: done" in capsys.readouterr().out


class _FaultIn(BaseModel):
    image: str


@dataclass
class _FaultOut:
    def summary(self) -> str:
        return ""

    def store(self, sink, made) -> Stored:
        return Stored([], "scores")


def test_a_fault_in_a_tool_is_one_line_and_changes_nothing(tiny_registry, tmp_path, caplog):
    """Not the user's mistake (a library bug, a driver error): the turn ends with one line
    naming the tool and the error, the traceback goes to the log, the session is unchanged."""
    from pixelsmith.execution.local import LocalExecutor
    from pixelsmith.tools import builtin_tools
    from pixelsmith.tools.tool_registry import Tool

    def run(inputs: _FaultIn, ctx) -> _FaultOut:
        raise RuntimeError("CUDA error: an illegal memory access was encountered\nCompile with ...")

    tools = builtin_tools()
    tools.register(Tool("broken", _FaultIn, _FaultOut, "always fails", run))
    workspace = Workspace.create(tmp_path / "data")
    agent = Agent(
        workspace,
        tiny_registry,
        tools=tools,
        executor=LocalExecutor(tiny_registry, tools=tools),
        planner=_Scripted([{"tool": "broken", "args": {}}]),
    )
    events = _send(agent, "go", noise_image(64, 48))
    errors = [e.text for e in events if isinstance(e, ev.ErrorEvent)]
    assert errors == [
        "broken failed (RuntimeError: CUDA error: an illegal memory access was encountered); "
        "nothing changed, details in the log"
    ]
    assert isinstance(events[-1], ev.Done) and [a.id for a in workspace.record.artifacts] == ["image-1"]
    assert workspace.record.steps[-1].error == errors[0]
    assert "Traceback" in caplog.text and "broken failed" in caplog.text


def test_one_of_two_objects_not_found_is_said_and_the_edit_goes_on(make_agent, tiny_registry):
    """'the cat and the dog' where only one of them clears the threshold: the user is told
    which was not found, and the plan goes on with the other."""
    from pixelsmith.tools import MemoryStore, ToolContext, default_tools
    from pixelsmith.tools.detect import Input

    photo, store = noise_image(96, 64, seed=4), MemoryStore()
    probe = default_tools().get("detect").run

    found = probe(Input(image=store.add("image", photo), labels=["cat", "dog"], threshold=0.0, nms_iou=1.0),
                  ToolContext(tiny_registry, store)).detections  # fmt: skip
    best = {label: max(d.score for d in found if d.label == label) for label in ("cat", "dog")}
    (low, high) = sorted(best, key=best.get)
    threshold = round((best[low] + best[high]) / 2, 6)  # only `high` clears it
    assert best[low] < threshold < best[high]
    agent = make_agent()
    events = _send(agent, f"find the cat and the dog, threshold {threshold}", photo)
    said = [e.text for e in events if isinstance(e, ev.AssistantMessage)]
    assert f"No {low} found in image-1; going on with what was found." in said
    labels = {d["label"] for d in agent.workspace.record.artifacts[-1].detections}
    assert labels == {high}


def test_the_closing_hint_offers_only_what_applies_now(make_agent, cat_photo):
    agent = make_agent(seed=2)
    said = [
        e.text for e in _send(agent, DRAGON + ", 2 steps", cat_photo) if isinstance(e, ev.AssistantMessage)
    ]
    mask = agent.workspace.record.steps[-1].args["mask"]
    other = 2 if mask == "mask-1" else 1
    follow_ups = f"'try another seed', 'use mask {other}', 'now make it red' or 'undo'"
    assert said[-1] == f"Done: image-2 is the current image. Say {follow_ups}."
    said = [e.text for e in _send(agent, "undo") if isinstance(e, ev.AssistantMessage)]
    assert said[-1] == (
        "Done: image-1 is the current image. Say what to change, e.g. 'replace the cat with a dog' or "
        "'remove the cat'."
    )
    said = [
        e.text for e in _send(agent, "generate a lighthouse, 2 steps") if isinstance(e, ev.AssistantMessage)
    ]
    assert said[-1] == "Done: image-3 is the current image. Say 'try another seed' or 'undo'."
    # the eraser is deterministic and leaves nothing to colour: neither a seed nor "make it red"
    said = [e.text for e in _send(agent, "remove the cat", cat_photo) if isinstance(e, ev.AssistantMessage)]
    assert said[-1].startswith("Done: image-5 is the current image. Say 'use mask ")
    assert "seed" not in said[-1] and "red" not in said[-1] and said[-1].endswith(" or 'undo'.")
    said = [e.text for e in _send(agent, "make it brighter") if isinstance(e, ev.AssistantMessage)]
    assert said[-1] == "Done: image-6 is the current image. Say 'undo'."


def test_a_first_load_is_said_as_it_happens_and_not_kept_in_the_transcript(
    make_agent, cat_photo, tiny_config
):
    from pixelsmith.config import load_settings
    from pixelsmith.models import ModelRegistry

    agent = make_agent(models=ModelRegistry(load_settings(tiny_config)))  # nothing loaded yet
    loading = [e for e in _send(agent, "remove the cat", cat_photo) if isinstance(e, ev.Notice)]
    assert [n.text.split(" (")[0] for n in loading] == [
        "loading detector",
        "loading segmenter",
        "loading eraser",
    ]
    assert not any(n.lasting for n in loading)
    assert not [m for m in agent.workspace.record.messages if "for the first time" in m.text]


def test_review_clicks_are_kept_with_the_session_and_cleared_by_another_choice(make_agent, cat_photo):
    agent = make_agent(interactive=True)
    _send(agent, DRAGON, cat_photo)
    points = [{"x": 200, "y": 120, "positive": True}, {"x": 30, "y": 30, "positive": False}]
    list(agent.refine(points=points))
    reopened = Workspace.open(agent.workspace.data_dir, agent.workspace.id)
    assert reopened.record.pending.clicks == points and reopened.record.pending.chosen == "mask-4"
    agent.choose("mask-2")
    assert Workspace.open(agent.workspace.data_dir, agent.workspace.id).record.pending.clicks == []


def test_a_new_request_while_a_review_waits_says_the_paused_edit_is_set_aside(make_agent, cat_photo):
    agent = make_agent(interactive=True)
    _send(agent, DRAGON, cat_photo)
    assert agent.workspace.record.pending is not None
    events = _send(agent, "make it brighter")
    notes = [e.text for e in events if isinstance(e, ev.Notice)]
    assert (
        "The edit waiting for its mask review (inpaint) is set aside for this request; "
        "ask for it again to do it."
    ) in notes
    assert agent.workspace.record.pending is None and agent.workspace.record.steps[-1].tool == "adjust"
    # a review's own answer is not a new request: nothing is set aside
    _send(agent, DRAGON)
    assert not [e for e in _send(agent, "use mask 2") if isinstance(e, ev.Notice) and "set aside" in e.text]
