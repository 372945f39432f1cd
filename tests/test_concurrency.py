"""Issue 15: several writers on one session (processes, threads, tabs) keep every turn, and
every artifact a writer reports is the file stored under that id."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.config import load_settings
from pixelsmith.workspace import Workspace

WRITERS = 8
REQUEST = "generate a lighthouse, 2 steps"


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and np.array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB")))


def _check(ws: Workspace, reported: list[str]) -> None:
    record = Workspace.open(ws.data_dir, ws.id).record
    made = [s for s in record.steps if s.tool == "generate"]
    assert len(made) == WRITERS and not [s for s in made if s.error]  # every turn kept
    assert record.turn == WRITERS and len([m for m in record.messages if m.role == "user"]) == WRITERS
    assert sorted(s.outputs[0] for s in made) == sorted(reported)  # each writer's own image
    assert len(set(reported)) == WRITERS
    assert [s.index for s in record.steps] == list(range(len(record.steps)))


def test_eight_processes_on_one_session_keep_every_turn(tiny_settings, tmp_path) -> None:
    ws = Workspace.create(tiny_settings.data_dir)
    code = "from pixelsmith.cli import run; run()"
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "edit",
                "--session",
                ws.id,
                REQUEST,
                "-o",
                str(tmp_path / f"out-{i}.png"),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WRITERS)
    ]
    outs = [child.communicate(timeout=600) for child in children]
    assert [c.returncode for c in children] == [0] * WRITERS, [err[-400:] for _, err in outs]
    reported = [json.loads(out)["result"] for out, _ in outs]
    _check(ws, reported)
    for i, image_id in enumerate(reported):  # what each process wrote is what the session holds
        assert _same(Image.open(tmp_path / f"out-{i}.png"), ws.image(image_id))


def test_eight_threads_with_their_own_workspace_objects_keep_every_turn(tiny_config, tiny_registry, tmp_path):
    settings = load_settings(tiny_config, data_dir=tmp_path / "data")
    ws = Workspace.create(settings.data_dir)
    start = threading.Barrier(WRITERS)

    def one(i: int) -> tuple[str, Image.Image]:
        agent = Agent(
            Workspace.open(ws.data_dir, ws.id),
            tiny_registry,
            planner=make_planner(settings, "offline"),
            seed=i,
        )
        start.wait()
        events = list(agent.send(REQUEST))
        (done,) = [e for e in events if isinstance(e, ev.StepFinished) and e.tool == "generate"]
        return done.outputs[0], agent.workspace.image(done.outputs[0])

    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(one, range(WRITERS)))
    _check(ws, [image_id for image_id, _ in results])
    for image_id, image in results:
        assert _same(image, Workspace.open(ws.data_dir, ws.id).image(image_id))
