"""Issue 11's command-line items: a version, long forms, preview, a segment error in flags,
no "-0.00", and one state for a stopped concept."""

from __future__ import annotations

import json

from pixelsmith.cli import main
from pixelsmith.testing import noise_image


def test_version_and_option_forms(tiny_settings, tmp_path, capsys) -> None:
    from pixelsmith import __version__

    assert main(["--version"]) == 0 and capsys.readouterr().out.strip() == f"pixelsmith {__version__}"
    out = tmp_path / "g.png"
    assert (
        main(
            [
                "generate",
                "a lighthouse",
                "--steps",
                "2",
                "--candidates",
                "2",
                "--preview",
                "-o",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    images = json.loads(capsys.readouterr().out)["images"]
    assert len(images) == 2 and out.is_file() and (tmp_path / "g-2.png").is_file()


def test_segment_without_a_prompt_names_the_flags(tiny_settings, tmp_path, capsys) -> None:
    noise_image(64, 48).save(tmp_path / "a.png")
    assert main(["segment", str(tmp_path / "a.png"), "-o", str(tmp_path / "m.png")]) == 2
    assert "--point X,Y, --box X0,Y0,X1,Y1, --text LABEL or --everything" in capsys.readouterr().err


def test_scores_never_read_minus_zero() -> None:
    from pixelsmith.tools.segment import Output

    masks = [noise_image(8, 8).convert("L")]
    import numpy as np

    summary = Output([np.asarray(masks[0])], [-0.0004], (8, 8)).summary()
    assert "score 0.00" in summary and "-0.00" not in summary


def test_a_concept_nobody_trains_is_listed_as_stopped(tiny_settings, capsys) -> None:
    from pixelsmith.concepts import ConceptStore, TrainSettings

    ConceptStore(tiny_settings.data_dir).create(
        "rex", class_word="dog", settings=TrainSettings(), base_models={}
    )
    assert main(["concept", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["concepts"]
    assert listed["status"] == "training" and listed["state"] == "stopped"
    assert main(["concept", "list"]) == 0 and "rex: 'sks dog' stopped step 0/" in capsys.readouterr().out
    assert main(["concept", "show", "rex"]) == 0  # the same state, and how to go on
    shown = capsys.readouterr().out
    assert "rex: 'sks dog' stopped step 0/" in shown
    assert "continue:  pixelsmith concept train rex --resume" in shown


def test_the_tiny_config_trains_a_concept_in_seconds(tiny_settings, tmp_path, capsys) -> None:
    """`tiny-models` writes [training] defaults that make the README's concept example quick;
    the defaults apply where the command does not say, and an option still wins."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(3):
        noise_image(48, 40, seed=i).save(photos / f"{i}.png")
    assert main(["concept", "train", "rex", "--images", str(photos), "--class", "dog", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["settings"]["steps"] == tiny_settings.training.steps == 10
    assert trained["settings"]["resolution"] == 64 and trained["settings"]["class_images"] == 2
    assert trained["status"] == "ready" and trained["train_seconds"] > 0
    command = ["concept", "train", "max", "--images", str(photos), "--class", "cat", "--steps", "3"]
    assert main([*command, "--no-inpaint", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["steps"] == 3


def test_sessions_rename_export_and_delete(tiny_settings, tmp_path, capsys) -> None:
    import zipfile

    photo = tmp_path / "a.png"
    noise_image(64, 48).save(photo)
    assert main(["edit", str(photo), "find the cat, threshold 0", "--json"]) == 0
    sid = json.loads(capsys.readouterr().out)["session"]
    assert main(["sessions", "rename", sid, "my first cat"]) == 0
    assert main(["sessions", "list"]) == 0 and "my first cat" in capsys.readouterr().out
    assert main(["sessions", "export", sid, str(tmp_path / "out")]) == 0
    exported = tmp_path / "out"
    assert (exported / "images" / "image-1.png").is_file() and (exported / "session.json").is_file()
    text = (exported / "transcript.md").read_text()
    assert text.startswith("# my first cat") and "**user** (1): find the cat, threshold 0" in text
    assert "- detect (image-1): detection-1" in text  # what each step took, then what it made
    assert main(["sessions", "export", sid, str(tmp_path / "s.zip")]) == 0
    names = zipfile.ZipFile(tmp_path / "s.zip").namelist()
    assert "s/transcript.md" in names and "s/images/image-1.png" in names
    assert main(["sessions", "export", sid, str(exported)]) == 2  # not into a folder with files
    assert main(["sessions", "delete", sid]) == 2  # not at a terminal: it asks for --yes
    assert f"deleting session {sid} asks first; add --yes" in capsys.readouterr().err
    assert main(["sessions", "show", sid]) == 0
    assert main(["sessions", "delete", sid, "--yes"]) == 0
    capsys.readouterr()
    assert main(["sessions", "show", sid]) == 2 and f"no session '{sid}'" in capsys.readouterr().err


def test_numbers_of_overlapping_candidates_do_not_stack() -> None:
    from pixelsmith.drawing import _apart

    placed: list[tuple[float, float]] = []
    for _ in range(3):  # three candidates with one centre
        placed.append(_apart((100.0, 100.0), placed, (200, 200)))
    ys = sorted(y for _, y in placed)
    assert len(set(placed)) == 3 and min(b - a for a, b in zip(ys, ys[1:])) >= 14
    assert _apart((10.0, 10.0), [(150.0, 150.0)], (200, 200)) == (10.0, 10.0)  # nothing near: unmoved


def test_help_reads_plainly(capsys, monkeypatch) -> None:
    """Flags show no `<bool>`, arguments read in capitals, in every command's help, and a
    default in brackets is not taken for markup ("[on]" printed nothing)."""
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["detect", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "{IMAGE} {LABELS}" in shown and "<bool>" not in shown and "--json" in shown
    assert main(["concept", "train", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "{NAME}" in shown, shown
    assert "<bool>" not in shown, shown
    assert "--no-inpaint" in shown and "Fit class images too (on by default)" in shown, shown


def test_a_one_shot_edit_says_how_to_go_on_and_not_what_only_a_chat_would_reuse(
    tiny_settings, tmp_path, capsys
) -> None:
    from pixelsmith.agent import events as ev
    from pixelsmith.cli.agent import EventPrinter

    noise_image(96, 64).save(tmp_path / "a.png")
    assert main(["edit", str(tmp_path / "a.png"), "make it brighter"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    session = last.split()[1].rstrip(";")
    assert last == f"session {session}; to go on: pixelsmith edit --session {session} '...'"
    assert main(["edit", "--session", session, "undo"]) == 0
    assert "Done: image-1 is the current image" in capsys.readouterr().out
    # a model loaded "for the first time; later requests reuse it" is not so for a process per request
    loading = ev.Notice("loading detector (owlv2) for the first time; later requests reuse it", lasting=False)
    for one_shot, printed in ((True, ""), (False, f"note: {loading.text}\n")):
        EventPrinter(None, one_shot=one_shot)(loading)
        assert capsys.readouterr().out == printed
