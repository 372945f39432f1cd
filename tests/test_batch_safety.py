"""Issue 23, items 1 and 7: a batch never writes over a photo it reads or will read, names
its outputs by the whole input name, makes sessions only for files it could read, says a
bad -o before any work, and can skip the files already done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from pixelsmith.cli import main
from pixelsmith.session_folders import list_sessions
from pixelsmith.testing import noise_image

EDIT = "make it winter, 1 steps"


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    noise_image(64, 48, seed=1).save(folder / "a.png")
    noise_image(64, 48, seed=2).save(folder / "a.PNG.jpg")
    noise_image(72, 40, seed=3).save(folder / "b.jpg")
    return folder


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("where", [".", "sub"], ids=["the-input-folder", "inside-it"])
def test_an_output_folder_that_is_or_is_inside_an_input_is_refused(tiny_settings, photos, where, capsys):
    before = _bytes(photos)
    output = photos if where == "." else photos / where
    assert main(["edit", str(photos), EDIT, "-o", str(output)]) == 2
    err = capsys.readouterr().err
    assert "would write beside the photos it reads" in err and "--overwrite" in err
    assert _bytes(photos) == before and list_sessions(tiny_settings.data_dir) == []  # nothing ran


def test_overwrite_writes_over_the_originals_when_asked(tiny_settings, photos, capsys):
    before = _bytes(photos)
    assert main(["edit", str(photos), EDIT, "-o", str(photos), "--overwrite"]) == 0
    after = _bytes(photos)
    assert set(after) == set(before) and all(after[n] != before[n] for n in before)  # each edited in place


def test_outputs_are_named_by_the_whole_input_name(tiny_settings, tmp_path, capsys):
    """`a.png` and `a.PNG` in one folder were both `a.png` out (and with -o the input folder,
    the first overwrote the second before it was read)."""
    folder = tmp_path / "same-stem"
    folder.mkdir()
    noise_image(64, 48, seed=1).save(folder / "a.png")
    noise_image(64, 48, seed=2).save(folder / "a.PNG", format="PNG")
    out = tmp_path / "out"
    assert main(["edit", str(folder), EDIT, "-o", str(out), "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    named = {Path(r["file"]).name: Path(r["output"]).name for r in records}
    assert named == {"a.PNG": "a.PNG", "a.png": "a-2.png"}


def test_only_files_that_were_read_get_a_session(tiny_settings, photos, tmp_path, capsys):
    for n in range(3):
        (photos / f"broken-{n}.png").write_bytes(b"not an image")
    assert main(["edit", str(photos), EDIT, "-o", str(tmp_path / "out")]) == 1
    assert len(list_sessions(tiny_settings.data_dir)) == 3  # the three photos, not the broken files
    broken = photos / "broken-0.png"
    said = [line for line in capsys.readouterr().out.splitlines() if str(broken) in line]
    assert said == [f"failed  {broken}: not a readable image (PNG, JPEG, WebP, ...)"]  # its path once


@pytest.mark.parametrize(
    ("output", "said"),
    [
        ("a-file.txt/sub", "is a file"),
        ("not-yet/", None),  # a folder that does not exist yet is made
    ],
)
def test_a_bad_output_is_said_before_any_work_and_a_new_folder_is_made(
    tiny_settings, photos, tmp_path, capsys, output, said
):
    (tmp_path / "a-file.txt").write_text("x")
    target = f"{tmp_path}/{output}"
    code = main(["edit", str(photos), EDIT, "-o", target])
    err = capsys.readouterr().err
    if said:
        assert code == 2 and said in err and list_sessions(tiny_settings.data_dir) == []
    else:
        assert code == 0, err
        assert sorted(p.name for p in Path(target).iterdir()) == ["a.PNG.jpg", "a.png", "b.jpg"]


def test_skip_existing_leaves_the_files_already_done(tiny_settings, photos, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    Image.new("RGB", (8, 8)).save(out / "a.png")  # done before
    assert main(["edit", str(photos), EDIT, "-o", str(out), "--skip-existing", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    skipped = [r for r in records if r.get("skipped")]
    assert [Path(r["file"]).name for r in skipped] == ["a.png"] and Image.open(out / "a.png").size == (8, 8)
    assert len(list_sessions(tiny_settings.data_dir)) == 2


def test_what_a_killed_run_left_is_swept(tiny_settings, photos, tmp_path, capsys):
    """Found by the second red-team pass: a batch killed before its first save left a session
    folder without session.json (never listed, never removed), and a half-written result."""
    import os
    import time

    from pixelsmith.session_folders import ORPHAN_AGE_S

    sessions = tiny_settings.data_dir / "sessions"
    orphan, young = sessions / "20261206-000000-dead00", sessions / "20261206-000000-young0"
    for folder in (orphan, young):
        (folder / "artifacts").mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(folder / "artifacts" / "image-1.png")
    old = time.time() - ORPHAN_AGE_S - 10
    os.utime(orphan, (old, old))
    out = tmp_path / "out"
    out.mkdir()
    dead = 2**22 + 12345  # no such process
    (out / f".a.png.{dead}.x1y2z3.tmp").write_bytes(b"half")
    assert main(["edit", str(photos), EDIT, "-o", str(out), "--json"]) == 0
    capsys.readouterr()
    assert not orphan.exists() and young.exists()  # one that may still be being made stays
    assert sorted(p.name for p in out.iterdir()) == ["a.PNG.jpg", "a.png", "b.jpg"]  # no temp file left
