"""Issue 15: files that survive a kill. Every file goes through one atomic write; a concept
appears complete or not at all; a torn cached class image is made again on resume."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pixelsmith.concepts import ConceptStore, TrainSettings
from pixelsmith.files import atomic_write, save_image
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path) -> None:
    target = tmp_path / "session.json"
    target.write_text('{"old": true}')

    def half(tmp: Path) -> None:
        tmp.write_text('{"new": ')
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half)
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]
    save_image(noise_image(8, 8), tmp_path / "a.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "session.json"]


WRITER = """
import sys
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace
from pixelsmith.records import MessageRecord
ws = Workspace.open(sys.argv[1], sys.argv[2])
print("ready", flush=True)
for i in range(100000):
    ws.add_image(noise_image(96, 64, seed=i % 7), tool="upload")
    ws.record.messages.append(MessageRecord(role="user", text="x" * 2000, turn=i))
    ws.save()
"""


# A writer killed inside an atomic write: its temporary file is left, half written.
STUCK = """
import sys, time
from pathlib import Path
from pixelsmith.files import atomic_write

def write(tmp):
    tmp.write_bytes(b"half of an image")
    print("writing", flush=True)
    time.sleep(60)

atomic_write(Path(sys.argv[1]) / "image-99.png", write)
"""


def test_kill_9_while_a_session_is_written_leaves_it_readable(tmp_path) -> None:
    ws = Workspace.create(tmp_path, "crash-test")
    for attempt in range(4):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), ws.id], stdout=subprocess.PIPE)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(0.3 + 0.17 * attempt)
        child.send_signal(signal.SIGKILL)
        child.wait()
        record = Workspace.open(tmp_path, ws.id).record  # never half a file
        for artifact in record.artifacts:  # every recorded image is whole
            assert Workspace.open(tmp_path, ws.id).image(artifact.id).size == (96, 64)
    # a kill inside an atomic write leaves a hidden temporary file; the next open removes it
    child = subprocess.Popen(
        [sys.executable, "-c", STUCK, str(ws.folder / "artifacts")], stdout=subprocess.PIPE
    )
    assert child.stdout.readline().strip() == b"writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    stuck = list(ws.folder.rglob("*.tmp"))
    assert stuck and all(p.name.startswith(f".image-99.png.{child.pid}-") for p in stuck)  # pid, start time
    Workspace.open(tmp_path, ws.id)
    assert list(ws.folder.rglob("*.tmp")) == []


def test_a_concept_appears_complete_or_not_at_all(tmp_path) -> None:
    store = ConceptStore(tmp_path)

    def dies_half_way(concept) -> None:
        (concept.folder / "images").mkdir()
        save_image(noise_image(64, 64), concept.folder / "images" / "00.png")
        raise KeyboardInterrupt  # a kill between the photos and the record

    with pytest.raises(KeyboardInterrupt):
        store.create("rex", class_word="dog", settings=TrainSettings(), base_models={}, fill=dies_half_way)
    assert not store.exists("rex") and store.list() == []
    assert [p.name for p in (tmp_path / "concepts").iterdir() if not p.name.endswith(".lock")] == []
    made = store.create(
        "rex", class_word="dog", settings=TrainSettings(), base_models={}
    )  # not "already exists"
    assert made.folder == store.folder("rex") and store.get("rex").status == "training"


KILLED_CREATE = """
import os, signal, sys
from pixelsmith.concepts import ConceptStore, TrainSettings
def die(concept):
    (concept.folder / "images").mkdir()
    os.kill(os.getpid(), signal.SIGKILL)
ConceptStore(sys.argv[1]).create("rex", class_word="dog", settings=TrainSettings(), base_models={}, fill=die)
"""


def test_kill_9_while_a_concept_is_created_then_a_fresh_train_starts(tmp_path) -> None:
    done = subprocess.run([sys.executable, "-c", KILLED_CREATE, str(tmp_path)], timeout=60)
    assert done.returncode == -signal.SIGKILL
    store = ConceptStore(tmp_path)
    assert not store.exists("rex") and any(p.name.endswith(".tmp") for p in (tmp_path / "concepts").iterdir())
    assert store.list() == []  # listing the concepts removes what the killed creation left
    assert not any(p.name.endswith(".tmp") for p in (tmp_path / "concepts").iterdir())
    store.create("rex", class_word="dog", settings=TrainSettings(), base_models={})
    assert store.exists("rex") and not any(p.name.endswith(".tmp") for p in (tmp_path / "concepts").iterdir())


@pytest.mark.usefixtures("one_torch_thread")
def test_a_torn_class_image_is_made_again_and_the_others_kept(tiny_registry, tmp_path) -> None:
    import threading

    from pixelsmith.concepts.teach import class_images

    store = ConceptStore(tmp_path)
    settings = TrainSettings.parse(resolution=64, class_images=5, class_steps=2)
    concept = store.create("rex", class_word="dog", settings=settings, base_models={})
    made = class_images(tiny_registry, concept, cancel=threading.Event(), report=lambda p: None)
    folder = concept.folder / "class_images"
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    torn = folder / "002.png"
    torn.write_bytes(torn.read_bytes()[:100])  # a kill in the middle of writing it, before atomic writes
    (folder / "004.png").unlink()
    again = class_images(tiny_registry, concept, cancel=threading.Event(), report=lambda p: None)
    assert len(again) == 5 and all(image.size == (64, 64) for image in again)
    now = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(now) == sorted(first)
    assert all(now[name] == first[name] for name in ("000.png", "001.png", "003.png"))  # kept, not remade
    assert np.array_equal(np.asarray(again[2]), np.asarray(made[2]))  # remade from its own seed


def test_files_get_the_usual_permissions(tmp_path) -> None:
    """Issue 25: a result can be shared or served: 0666 less the umask (not mkstemp's 0600)."""
    import os

    from pixelsmith.files import MODE, new_folder, save_image

    current = os.umask(0o022)
    os.umask(current)
    expected = 0o666 & ~current
    assert expected == MODE
    made = save_image(noise_image(8, 8), tmp_path / "out.png")
    assert made.stat().st_mode & 0o777 == 0o666 & ~current
    with new_folder(tmp_path / "concept") as folder:
        (folder / "x.txt").write_text("x")
    assert (tmp_path / "concept").stat().st_mode & 0o777 == 0o777 & ~current


# A turn killed half way: the chat turn runs in a process that is killed during its inpaint.
KILLED_TURN = """
import os, signal, sys
from pixelsmith import Editor
from pixelsmith.agent import events as ev

def die(event):
    if isinstance(event, ev.StepStarted) and event.tool == "inpaint":
        os.kill(os.getpid(), signal.SIGKILL)

Editor(sys.argv[1]).session(sys.argv[2]).edit("replace the cat with a dog, 2 steps", on_event=die)
"""


def test_a_killed_turn_is_noted_when_the_session_reopens(tiny_config, tmp_path, cat_photo) -> None:
    import os

    from pixelsmith import Editor

    editor = Editor(tiny_config, data_dir=tmp_path / "data")
    first = editor.edit(cat_photo, "find the cat")
    env = {**os.environ, "PIXELSMITH_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", KILLED_TURN, str(tiny_config), first.session.id], env=env, timeout=300
    )
    assert done.returncode == -signal.SIGKILL
    reopened = editor.session(first.session.id)
    assert reopened.workspace.record.running  # as the killed process left it
    after = reopened.edit("find the dog")  # the next request opens an agent on it
    said = reopened.workspace.record.messages
    notes = [m for m in said if m.kind == "notice" and m.turn == 2 and not m.text.startswith("loading ")]
    assert [m.text for m in notes] == [
        "This request was cut off: pixelsmith stopped while it ran. The steps it finished are kept; "
        "send it again to do the rest."
    ]
    assert [s.tool for s in reopened.workspace.record.steps if s.turn == 2] == ["detect", "segment"]
    assert after.ok and reopened.workspace.record.running == {}
