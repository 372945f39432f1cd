"""The Python API: the README's example on the tiny checkpoints, sessions, single tools, concepts."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pixelsmith.errors import UserError
from pixelsmith.testing import noise_image

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_example_runs(tiny_settings, cat_photo, tmp_path, monkeypatch) -> None:
    """The Python block under "Python API" in the README, as written, on the tiny models."""
    monkeypatch.chdir(tmp_path)
    cat_photo.save("cat.jpg")
    text = README.read_text()
    (example,) = re.findall(r"## Python API.*?```python\n(.*?)```", text, re.S)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    result, red = namespace["result"], namespace["red"]
    assert result.ok and result.image.size == cat_photo.size and Path("dragon.png").is_file()
    assert [s.tool for s in result.steps] == ["detect", "segment", "inpaint"]
    assert red.ok and red.image_id != result.image_id and red.session.id == result.session.id
    assert red.session.current_image == result.image_id  # the README's undo went back
    found = namespace["found"]
    assert found.image_size == cat_photo.size and found.labels == ["cat"]


def test_sessions_single_tools_and_refusals(tiny_settings, tmp_path) -> None:
    from pixelsmith import Editor

    editor = Editor(planner="offline")
    photo = noise_image(96, 64)
    made = editor.edit(None, "generate a lighthouse, 2 steps")
    assert (
        made.ok and made.image_id == "image-1" and made.image.size == (64, 64)
    )  # the tiny model's native size
    again = editor.session(made.session.id).edit("find the lighthouse, threshold 0", image=photo)
    assert again.ok and again.image_id is None and again.steps[-1].tool == "detect"
    assert made.session.id in editor.sessions()
    nothing = again.session.edit("what is the meaning of life")
    assert not nothing.ok and nothing.messages and not nothing.steps
    mask = np.zeros((64, 96), np.uint8)
    mask[10:40, 20:60] = 255
    out = editor.run("inpaint", image=photo, mask=mask, prompt="a dragon", num_inference_steps=2, seed=3)
    pixels, before = np.asarray(out.images[0]), np.asarray(photo)
    assert (pixels[mask == 0] == before[mask == 0]).mean() > 0.5 and out.seeds == [3]
    with pytest.raises(UserError, match="there is no tool 'nope'|unknown tool 'nope'"):
        editor.run("nope")
    with pytest.raises(UserError, match="no such file"):
        editor.edit(tmp_path / "missing.png", "remove the cat")


def test_teach_a_concept_and_use_it(tiny_settings, tmp_path) -> None:
    from pixelsmith import Editor

    editor = Editor(planner="offline")
    photos = []
    for i in range(3):
        noise_image(72, 64, seed=i).save(tmp_path / f"{i}.png")
        photos.append(tmp_path / f"{i}.png")
    concept = editor.train(
        "rex", photos, "dog", steps=2, resolution=64, prior_preservation=False, inpaint_adapter=False
    )
    assert concept.status == "ready" and [c.name for c in editor.concepts()] == ["rex"]
    result = editor.edit(None, "a photo of my rex on the beach, 2 steps")
    assert result.ok and result.steps[-1].args.get("concept") == "rex"


def test_batch_over_a_folder_with_a_corrupt_file(tiny_settings, cat_photo, tmp_path, capsys) -> None:
    import json

    from pixelsmith.cli import main
    from pixelsmith.session_folders import list_sessions

    shots = tmp_path / "shots"
    shots.mkdir()
    cat_photo.save(shots / "a.jpg")
    noise_image(80, 64).save(shots / "b.png")
    (shots / "c.png").write_bytes(b"not an image at all")
    (shots / "notes.txt").write_text("not a photo: left out")
    out = tmp_path / "edited"
    code = main(
        ["edit", str(shots), "replace the cat with a dragon, 2 steps, threshold 0", "-o", str(out), "--json"]
    )
    assert code == 1  # one file failed
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [(Path(r["file"]).name, r["ok"]) for r in records] == [
        ("a.jpg", True),
        ("b.png", True),
        ("c.png", False),
    ]
    assert "not a readable image" in records[2]["reason"]
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "b.png"]
    from PIL import Image

    assert Image.open(out / "a.jpg").size == cat_photo.size and Image.open(out / "b.png").size == (80, 64)
    assert "3 file(s): 2 done, 1 failed (c.png:" in captured.err
    kept = {r.id for r in list_sessions(tiny_settings.data_dir)}
    assert {r["session"] for r in records[:2]} <= kept  # each file's session is kept
    assert main(["edit", str(shots), "remove the cat"]) == 2  # several photos need -o OUTDIR
    assert "several photos need -o OUTDIR" in capsys.readouterr().err


def test_whole_image_edits_from_python(tiny_settings, tmp_path) -> None:
    """Issue 12 in the Python API: the planner's "make it 16:9" and "as a pencil sketch",
    and the single tools (instruct with a mask, outpaint, the eraser) on arrays and paths."""
    from pixelsmith import Editor

    editor = Editor(planner="offline")
    photo = noise_image(96, 72, seed=2)
    wide = editor.edit(photo, "make it 16:9, 1 steps")
    assert wide.ok and wide.image.size == (128, 72), wide.messages
    sketched = wide.session.edit("as a pencil sketch, 2 steps")
    assert sketched.ok and [s.tool for s in sketched.steps] == ["restyle"]
    mask = np.zeros((72, 96), np.uint8)
    mask[10:30, 20:60] = 255
    changed = editor.run("instruct", image=photo, mask=mask, prompt="make it winter", num_inference_steps=1)
    assert np.array_equal(np.asarray(changed.images[0])[40:], np.asarray(photo)[40:])  # outside: as it was
    path = tmp_path / "photo.png"
    photo.save(path)
    extended = editor.run("outpaint", image=path, top=10, num_inference_steps=1, seed=1)
    assert extended.images[0].size == (96, 82)
    erased = editor.run("remove", image=path, mask=mask)
    assert erased.images[0].size == (96, 72) and erased.seeds == [None]
