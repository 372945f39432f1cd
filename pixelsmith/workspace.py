"""A session on disk: artifacts with ids, a version graph, messages and every step.

Layout of `<data_dir>/sessions/<id>/`:
    session.json          the record (messages, plans, steps, artifacts, current image)
    artifacts/<id>.png    every image (RGB) and mask (L) the session made or was given

Nothing lives only in memory: each change is written before the call returns (the JSON
atomically, via a temporary file), so a crash or restart loses nothing.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout
from PIL import Image

from pixelsmith import keepsakes
from pixelsmith.artifacts import Detection, Detections
from pixelsmith.errors import ToolInputError, UserError, shorten
from pixelsmith.files import save_image, sweep, write_text
from pixelsmith.records import ArtifactRecord, Selection, SessionRecord
from pixelsmith.session_folders import list_sessions, sessions_root, sweep_orphans
from pixelsmith.views import ArtifactView, BoxView, ConceptView, EditView, WorkspaceView

SESSION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
LOCK_TIMEOUT_S = 60.0  # how long a write waits for another writer of the same session


class Workspace:
    """One session: an `ArtifactStore` for the tools plus the record of everything done."""

    def __init__(self, folder: Path, record: SessionRecord, text: str | None = None) -> None:
        self.folder = folder
        self.record = record
        self._cache: dict[str, Any] = {}
        self._lock = threading.RLock()  # threads sharing this object
        # Other objects, tabs and processes on this session: one writer at a time.
        self._file_lock = FileLock(folder / ".lock", timeout=LOCK_TIMEOUT_S)
        self._snapshots: list[SessionRecord] = []  # the record as each open transaction began
        # session.json as last read or written (`text`: what `record` was read from). Compared
        # whole: a file's inode, size and time can all come back for a later version (ext4
        # reuses inodes at once, and times are coarse), so they cannot tell versions apart.
        self._text = text

    # -- opening -------------------------------------------------------------------
    @classmethod
    def create(
        cls, data_dir: Path, session_id: str | None = None, *, owner: str = "", draft: bool = False
    ) -> Workspace:
        """A new session. A `draft` is written (and listed) only with its first change, so a
        visit that says nothing leaves nothing on disk."""
        session_id = session_id or time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
        if not SESSION_ID.match(session_id):
            raise UserError(f"session id {session_id!r} must be 3-64 lowercase letters, digits or '-'")
        folder = sessions_root(data_dir) / session_id
        if folder.exists():
            raise UserError(f"session {session_id} already exists; open it instead")
        sweep_orphans(data_dir)
        workspace = cls(folder, SessionRecord(id=session_id, owner=owner))
        if not draft:
            workspace.save()
        return workspace

    @property
    def exists(self) -> bool:
        """Whether the session is on disk (a draft is not, until its first change)."""
        return (self.folder / "session.json").is_file()

    @classmethod
    def open(cls, data_dir: Path, session_id: str) -> Workspace:
        path = sessions_root(data_dir) / session_id / "session.json"
        if not SESSION_ID.match(session_id) or not path.is_file():
            known = ", ".join(r.id for r in list_sessions(data_dir)[:5]) or "none"
            raise UserError(f"no session {session_id!r}; recent sessions: {known}")
        try:
            text = path.read_text()
            record = SessionRecord.model_validate_json(text)
        except ValueError as err:
            raise UserError(
                f"session {session_id} is damaged ({err.__class__.__name__}); start a new one"
            ) from None
        for folder in (path.parent, path.parent / "artifacts"):
            sweep(folder)  # what a killed write left behind
        return cls(path.parent, record, text)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def data_dir(self) -> Path:
        """The data folder this session lives in (`<data_dir>/sessions/<id>`)."""
        return self.folder.parent.parent

    def save(self) -> None:
        """Write session.json atomically, under the session's lock."""
        with self._locked():
            text = self.record.model_dump_json(indent=1)
            write_text(self.folder / "session.json", text)
            self._text = text

    @contextmanager
    def transaction(self) -> Iterator[SessionRecord]:
        """Read, change and write the record as one step: under the session's lock (a file
        lock, so another tab, `Workspace` or process on this session waits its turn), with
        the record re-read first if someone else saved it since, and saved when the block
        ends. If the block raises, or calls `rollback()`, the record is put back as it was
        when the block began and the files of the artifacts added since are removed. Blocks
        nest, each rolling back to its own start. Keep them short: no model runs inside one."""
        with self._locked():
            self._refresh()
            self._snapshots.append(self.record.model_copy(deep=True))
            try:
                yield self.record
            except BaseException:
                self.rollback()
                raise
            finally:
                self._snapshots.pop()
            self.save()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        (self.folder / "artifacts").mkdir(parents=True, exist_ok=True)  # a draft's first change
        try:
            with self._lock, self._file_lock:
                yield
        except Timeout:
            raise UserError(
                f"session {self.id} is busy in another window for over {LOCK_TIMEOUT_S:.0f} s; try again"
            ) from None

    def refresh(self) -> None:
        """Bring the record up to what another tab or process saved (before drawing it).
        Safe without the file lock: a save replaces the file whole."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        """The record as on disk, if another writer saved it since we read or wrote it
        (changed in place: whoever holds `record` sees it)."""
        try:
            text = (self.folder / "session.json").read_text()
        except FileNotFoundError:  # a draft not written yet
            return
        if text == self._text:
            return
        fresh = SessionRecord.model_validate_json(text)
        for name in SessionRecord.model_fields:
            setattr(self.record, name, getattr(fresh, name))
        self._text = text

    def rollback(self) -> None:
        """Inside `transaction()`: the record as it was when the innermost block began,
        saved, and no files of the artifacts added since."""
        with self._locked():
            if not self._snapshots:
                raise RuntimeError("rollback() outside a transaction")
            before = self._snapshots[-1]
            kept = {a.id for a in before.artifacts}
            for artifact in self.record.artifacts:
                if artifact.id not in kept:
                    self._remove_files(artifact.id)
            restored = before.model_copy(deep=True)
            for name in SessionRecord.model_fields:  # in place: holders of `record` see it too
                setattr(self.record, name, getattr(restored, name))
            self.save()

    def delete(self) -> None:
        """Remove the session and its files (under its lock: not while another writes it)."""
        with self._locked():
            shutil.rmtree(self.folder)

    def take_back(self, turn: int, ids: list[str]) -> None:
        """Remove turn `turn` (a request refused before it did anything) and the artifacts
        `ids` it brought: its messages and plans, and its steps where they are the last
        ones (another writer's later steps keep their places)."""
        with self.transaction() as record:
            record.messages = [m for m in record.messages if m.turn != turn]
            record.plans = [p for p in record.plans if p.get("turn") != turn]
            while record.steps and record.steps[-1].turn == turn:
                record.steps.pop()
            record.artifacts = [a for a in record.artifacts if a.id not in ids]
            record.history = [i for i in record.history if i not in ids]
            if record.current_image in ids:
                record.current_image = record.history[-1] if record.history else None
            if record.turn == turn:
                record.turn -= 1
            first = next((m.text for m in record.messages if m.role == "user"), "")
            record.title = first[:60]  # as the first message made it
            for kind in {i.rsplit("-", 1)[0] for i in ids}:  # the taken ids may be given again
                left = [int(a.id.rsplit("-", 1)[1]) for a in record.artifacts if a.kind == kind]
                record.counters[kind] = max(left, default=0)
            record.counters = {k: v for k, v in record.counters.items() if v}
        for artifact_id in ids:
            self._remove_files(artifact_id)

    def _remove_files(self, artifact_id: str) -> None:
        """An artifact's file and what its photo carried beside it (profile, EXIF, alpha)."""
        path = self.path(artifact_id)
        for file in (path, *keepsakes.paths(path.parent, artifact_id, list(keepsakes.FILES))):
            file.unlink(missing_ok=True)
        self._cache.pop(artifact_id, None)

    # -- ArtifactStore ---------------------------------------------------------------
    def artifact(self, artifact_id: str, kind: str | None = None) -> ArtifactRecord:
        """The record of `artifact_id` (of `kind`), also one another writer added since."""
        found = next((a for a in self.record.artifacts if a.id == artifact_id), None)
        if found is None:
            self.refresh()
            found = next((a for a in self.record.artifacts if a.id == artifact_id), None)
        if found is None or (kind and found.kind != kind):
            known = [a.id for a in self.record.artifacts if kind in (None, a.kind)]
            shown = ", ".join(known[-8:]) or "none"
            wanted = shorten(repr(artifact_id))
            raise ToolInputError(f"there is no {kind or 'artifact'} {wanted}; known: {shown}")
        return found

    def path(self, artifact_id: str) -> Path:
        return self.folder / "artifacts" / f"{artifact_id}.png"

    def image(self, artifact_id: str) -> Image.Image:
        self.artifact(artifact_id, "image")
        if artifact_id not in self._cache:
            with Image.open(self.path(artifact_id)) as handle:
                self._cache[artifact_id] = handle.convert("RGB")
        return self._cache[artifact_id]

    def mask(self, artifact_id: str) -> np.ndarray:
        self.artifact(artifact_id, "mask")
        if artifact_id not in self._cache:
            with Image.open(self.path(artifact_id)) as handle:
                self._cache[artifact_id] = np.asarray(handle.convert("L")).copy()
        return self._cache[artifact_id]

    def detections(self, artifact_id: str) -> Detections:
        record = self.artifact(artifact_id, "detection")
        found = [Detection(tuple(d["box"]), d["label"], d["score"], d.get("mask")) for d in record.detections]
        size = record.size or (0, 0)
        return Detections(found, size, list(record.labels))

    # -- adding ------------------------------------------------------------------------
    def _new_id(self, kind: str) -> str:
        count = self.record.counters.get(kind, 0) + 1
        self.record.counters[kind] = count
        return f"{kind}-{count}"

    def add_image(self, image: Image.Image, **meta: Any) -> str:
        """Store an RGB image (what its photo carried, from `image.info` or the image it was
        made from, kept beside it: `pixelsmith.keepsakes`)."""
        artifact_id = self._new_id("image")
        kept = self._keepsakes_of(image, meta.get("parents") or [])
        source = next((p for p in meta.get("parents") or [] if p.startswith("image-")), None)
        fmt = image.info.get(keepsakes.FORMAT) or (self.artifact(source).format if source else "")
        image = image.convert("RGB")
        image.info.clear()  # the pixels alone: a step's copy must not pass its photo's alpha on as its own
        save_image(image, self.path(artifact_id), compress_level=1)  # fast: agent overhead matters
        keeps = keepsakes.write(self.path(artifact_id).parent, artifact_id, kept)
        self._cache[artifact_id] = image
        self.record.artifacts.append(
            ArtifactRecord(id=artifact_id, kind="image", size=image.size, keeps=keeps, format=fmt, **meta)
        )
        return artifact_id

    def _keepsakes_of(self, image: Image.Image, parents: list[str]) -> dict[str, Any]:
        """A photo's own (read with it, in `image.info`); for an image made from another, that
        one's, its alpha kept where its pixels are (`keepsakes.inherited_alpha`) unless the
        step gave one itself (a cut-out)."""
        source = next((p for p in parents if p.startswith("image-")), None)
        if source is None:
            keys = (keepsakes.ICC, keepsakes.EXIF, keepsakes.ALPHA)
            return {k: image.info[k] for k in keys if image.info.get(k)}
        kept = self.keepsakes(source)
        alpha = image.info.get(keepsakes.ALPHA)
        if alpha is None and keepsakes.ALPHA in kept:
            alpha = keepsakes.inherited_alpha(image, self.image(source), kept[keepsakes.ALPHA])
        kept.pop(keepsakes.ALPHA, None)
        return kept | ({keepsakes.ALPHA: alpha} if alpha is not None else {})

    def keepsakes(self, image_id: str) -> dict[str, Any]:
        """What image `image_id`'s photo carried (ICC profile, EXIF, alpha)."""
        return keepsakes.read(self.path(image_id).parent, image_id, self.artifact(image_id, "image").keeps)

    def exported(self, image_id: str) -> Image.Image:
        """Image `image_id` as it leaves pixelsmith: with its photo's alpha, ICC profile and
        EXIF data (`-o`, the download, MCP, the Python API)."""
        return keepsakes.restored(self.image(image_id), self.keepsakes(image_id))

    def add_mask(self, mask: np.ndarray, **meta: Any) -> str:
        artifact_id = self._new_id("mask")
        save_image(Image.fromarray(mask.astype(np.uint8), "L"), self.path(artifact_id), compress_level=1)
        self._cache[artifact_id] = mask
        size = (int(mask.shape[1]), int(mask.shape[0]))
        self.record.artifacts.append(ArtifactRecord(id=artifact_id, kind="mask", size=size, **meta))
        return artifact_id

    def add_detections(self, found: Detections, **meta: Any) -> str:
        artifact_id = self._new_id("detection")
        rows = [
            {"box": list(d.box), "label": d.label, "score": d.score, **({"mask": d.mask} if d.mask else {})}
            for d in found.detections
        ]
        self.record.artifacts.append(
            ArtifactRecord(
                id=artifact_id,
                kind="detection",
                size=tuple(found.image_size),
                detections=rows,
                labels=list(found.labels),
                **meta,
            )
        )
        return artifact_id

    def set_candidates(self, ids: list[str]) -> None:
        """`ids` were made together (one step's candidates, best first)."""
        for artifact in self.record.artifacts:
            if artifact.id in ids:
                artifact.candidates = list(ids)

    def set_last_masks(self, ids: list[str]) -> None:
        """The masks "use mask N" chooses from."""
        self.record.last_masks = list(ids)

    # -- versions --------------------------------------------------------------------
    def set_current(self, image_id: str) -> None:
        """Make an image current; the previous current image can be reached by `undo`."""
        self._show(image_id)
        self.record.history.append(image_id)

    def undo(self) -> str:
        """Back one version; a later edit branches from there without losing anything."""
        if len(self.record.history) < 2:
            raise ToolInputError("nothing to undo: this is the first version of the image")
        self.record.history.pop()
        self._show(self.record.history[-1])
        return self.record.current_image

    def _show(self, image_id: str) -> None:
        """`image_id` becomes current, and the edit that made it (if any) the one follow-ups
        change: after an undo, "try another seed" repeats the edit of the image in view."""
        artifact = self.artifact(image_id, "image")
        self.record.current_image = image_id
        self.record.last_edit = artifact.step if artifact.edit else None

    def revert(self, image_id: str) -> str:
        self.set_current(image_id)
        return image_id

    # -- what planners see -----------------------------------------------------------
    def view(self, concepts: list[ConceptView] | None = None) -> WorkspaceView:
        artifacts = [
            ArtifactView(
                id=a.id,
                kind=a.kind,
                parents=list(a.parents),
                tool=a.tool,
                size=a.size,
                note=a.note,
                candidates=list(a.candidates),
                boxes=[BoxView(d["label"], d["score"], tuple(d["box"])) for d in a.detections],
            )
            for a in self.record.artifacts
        ]
        last_edit = None
        if self.record.last_edit is not None:
            step = self.record.steps[self.record.last_edit]
            last_edit = EditView(step.tool, dict(step.args), step.args.get("image"), list(step.outputs))
        return WorkspaceView(
            current_image=self.record.current_image,
            artifacts=artifacts,
            last_edit=last_edit,
            last_masks=list(self.record.last_masks),
            concepts=list(concepts or []),
            selection=selected.mask if (selected := self.selection()) else None,
            selection_how=selected.how if selected else "",
        )

    def selection(self) -> Selection | None:
        """The user's selection, if it still fits the current image (same size)."""
        selected, sizes = self.record.selection, {a.id: a.size for a in self.record.artifacts}
        if selected is None or sizes.get(selected.mask) != sizes.get(self.record.current_image, 0):
            return None
        return selected
