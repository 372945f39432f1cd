"""The session record changes through `Workspace.transaction()`: saved at the end, put back
(with no stray files) when the block fails or rolls back, nested blocks each to their own start."""

from __future__ import annotations

import numpy as np
import pytest

from pixelsmith.records import MessageRecord
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace


def _on_disk(ws: Workspace) -> Workspace:
    return Workspace.open(ws.data_dir, ws.id)


def test_a_block_is_saved_when_it_ends(tmp_path) -> None:
    ws = Workspace.create(tmp_path)
    with ws.transaction() as record:
        record.messages.append(MessageRecord(role="user", text="hi", turn=1))
        assert _on_disk(ws).record.messages == []  # not yet
    assert [m.text for m in _on_disk(ws).record.messages] == ["hi"]


def test_a_failing_block_leaves_the_session_and_its_files_as_they_were(tmp_path) -> None:
    ws = Workspace.create(tmp_path)
    first = ws.add_image(noise_image(32, 24), tool="upload")
    ws.save()
    with pytest.raises(RuntimeError, match="half-way"), ws.transaction():
        added = ws.add_image(noise_image(32, 24, seed=2), tool="inpaint")
        ws.set_current(added)
        raise RuntimeError("failed half-way")
    assert [a.id for a in ws.record.artifacts] == [first] and ws.record.current_image is None
    assert not ws.path(added).exists() and ws.path(first).exists()
    assert [a.id for a in _on_disk(ws).record.artifacts] == [first]


def test_nested_blocks_roll_back_to_their_own_start_in_place(tmp_path) -> None:
    ws = Workspace.create(tmp_path)
    with ws.transaction() as outer:
        ws.add_image(noise_image(32, 24), tool="upload")
        with pytest.raises(ValueError), ws.transaction():
            ws.add_mask(np.zeros((24, 32), np.uint8), tool="segment")
            raise ValueError("the inner step failed")
        assert [a.id for a in outer.artifacts] == ["image-1"]  # the outer's record, restored in place
        ws.add_image(noise_image(32, 24, seed=3), tool="upload")
        ws.rollback()  # a form refused: back to where the outer block began
        assert outer.artifacts == [] and outer is ws.record
    assert _on_disk(ws).record.artifacts == [] and not list((ws.folder / "artifacts").iterdir())


def test_rollback_outside_a_block_is_a_programming_error(tmp_path) -> None:
    with pytest.raises(RuntimeError, match="outside a transaction"):
        Workspace.create(tmp_path).rollback()


def test_a_rolled_back_photo_leaves_none_of_what_it_carried(tmp_path) -> None:
    """Its profile, EXIF and alpha are kept beside its file; a rollback left them behind."""
    from PIL import Image

    from pixelsmith import keepsakes

    ws = Workspace.create(tmp_path)
    photo = noise_image(32, 24)
    photo.info.update(
        {keepsakes.ICC: b"icc", keepsakes.EXIF: b"Exif", keepsakes.ALPHA: Image.new("L", (32, 24), 9)}
    )
    photo.info[keepsakes.FORMAT] = "JPEG"
    with ws.transaction():
        kept = ws.artifact(ws.add_image(photo, tool="upload"))
        assert kept.format == "JPEG" and len(kept.keeps) == 3
        ws.rollback()
    assert list((ws.folder / "artifacts").iterdir()) == []


def test_a_later_version_with_the_same_inode_size_and_time_is_still_read(tmp_path) -> None:
    """Eight processes on one session once ended with seven turns: a writer took a newer
    session.json for the one it had read, because ext4 gave the newer file the old one's inode
    back (one save in two) with the same size, and file times are coarse. What was read is
    compared whole, so a version that looks the same on the outside is still seen as new."""
    import os

    ws = Workspace.create(tmp_path)
    with ws.transaction() as record:
        record.turn = 1
    path = ws.folder / "session.json"
    first = path.stat()
    for _ in range(2):  # two more versions by another writer: the second has the first's inode here
        with _on_disk(ws).transaction() as record:
            record.turn += 1
    os.utime(path, ns=(first.st_atime_ns, first.st_mtime_ns))  # and the same time, as within a tick
    assert path.stat().st_size == first.st_size
    with ws.transaction() as record:  # the first writer's next turn
        record.turn += 1
    assert _on_disk(ws).record.turn == 4
