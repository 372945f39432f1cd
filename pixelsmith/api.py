"""pixelsmith from Python: edit images by instruction, run single tools, keep sessions,
teach concepts. The same agent, tools, executor and sessions on disk as the CLI and the UI.

    from pixelsmith import Editor

    editor = Editor()                                  # or Editor(config="pixelsmith.toml")
    result = editor.edit("cat.jpg", "replace the cat with a realistic green dragon")
    result.image.save("dragon.png")                    # the full-size result
    red = result.session.edit("now make it red")       # a follow-up in the same session
    red.session.undo()                                 # back to the dragon
    found = editor.run("detect", image="cat.jpg", labels=["cat"])   # one tool, typed output

Bad input raises `pixelsmith.errors.UserError` with one sentence naming the problem; a
request that ran but did not do what was asked comes back with `ok=False` and the reason
in `messages`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pixelsmith.agent import events as ev
from pixelsmith.config import Settings, load_settings
from pixelsmith.errors import UserError
from pixelsmith.images import check_image, load_image, load_mask
from pixelsmith.records import StepRecord
from pixelsmith.session_folders import list_sessions
from pixelsmith.tools.diffusion import MAX_SEED
from pixelsmith.workspace import Workspace

ImageLike = str | Path | Image.Image


def _an_id(value: Any, store: Any) -> bool:
    """Whether `value` names an artifact of `store` ("image-1") rather than a file."""
    return isinstance(value, str) and store.has(value)


@dataclass(frozen=True)
class Step:
    """One step a request ran: the tool (or action), its arguments as run, what it made."""

    tool: str
    args: dict[str, Any]
    outputs: list[str]
    summary: str
    error: str | None = None
    seconds: float = 0.0

    @classmethod
    def of(cls, record: StepRecord) -> Step:
        return cls(
            record.tool, dict(record.args), list(record.outputs), record.summary, record.error, record.seconds
        )


@dataclass
class EditResult:
    """What one request did. `image` is the current image when the request made or chose
    one (None for "find the cat"); `ok` is False when it was refused, not understood, or a
    step failed (the reason is in `messages`)."""

    ok: bool
    session: Session
    image_id: str | None
    steps: list[Step]
    messages: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # e.g. a model loading for the first time

    @property
    def image(self) -> Image.Image | None:
        return self.session.image(self.image_id) if self.image_id else None


class Session:
    """A conversation about one image, kept on disk (`<data_dir>/sessions/<id>`)."""

    def __init__(self, editor: Editor, workspace: Workspace) -> None:
        self.editor, self.workspace = editor, workspace

    @property
    def id(self) -> str:
        return self.workspace.id

    @property
    def current_image(self) -> str | None:
        return self.workspace.record.current_image

    def edit(
        self,
        instruction: str,
        image: ImageLike | None = None,
        *,
        reference: ImageLike | list[ImageLike] | None = None,
        seed: int | None = None,
        plan: Any = None,
        on_event: Callable[[ev.Event], None] | None = None,
        review: bool = False,
    ) -> EditResult:
        """Carry out `instruction` (on `image` when given, else on the current image).
        `reference`: a photo (or a list) the instruction points at ("put the dog from this
        photo on the sofa"). `on_event` sees every event as it comes (progress, steps);
        `plan` (an `agent.plan.Plan`) runs instead of asking the planner, validated like any
        other; `review`: pause before new masks are used (then "use mask 2", "continue", ...)."""
        from pixelsmith.agent.agent import Agent

        if not isinstance(instruction, str):
            raise UserError(f"the instruction must be text, got {type(instruction).__name__}")
        if seed is not None and (type(seed) is not int or not 0 <= seed <= MAX_SEED):
            raise UserError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
        photo = None if image is None else self.editor.load(image)
        given = (
            reference if isinstance(reference, (list, tuple)) else [] if reference is None else [reference]
        )
        references = [self.editor.load(r) for r in given]  # every file read before the session changes
        agent = Agent(
            self.workspace, self.editor.models, planner=self.editor.planner, seed=seed, interactive=review
        )
        ok, passing = False, []  # notices said but not kept in the session ("loading X for the first time")
        for event in agent.send(instruction, image=photo, references=references, plan=plan):
            if on_event is not None:
                on_event(event)
            ok = event.ok if isinstance(event, ev.Done) else ok
            if isinstance(event, ev.Notice) and not event.lasting:
                passing.append(event.text)
        result = self._result(agent.steps.turn, ok)
        result.notices[:0] = passing
        return result

    def select(self, selection: Any, image: ImageLike | None = None) -> str:
        """Mark the part of the photo the next request is about, as a brush or a rectangle
        on the canvas does: then "remove it", "a vase of tulips" or "make it brighter" edit
        just that. `selection`: a box (x0, y0, x1, y1) in pixels, a mask ((H, W) array or a
        mask image or file, white = selected, the photo's size). On `image` when given (it
        becomes the current image). Returns the selection's mask id."""
        from pixelsmith.agent.agent import Agent
        from pixelsmith.agent.selection import box_layer

        agent = Agent(self.workspace, self.editor.models, planner=self.editor.planner)
        photo = self.editor.load(image) if image is not None else None
        current = self.workspace.record.current_image
        if photo is None and current is None:
            raise UserError("there is no photo to select on; give one (image=...) first")
        size = photo.size if photo is not None else self.workspace.image(current).size
        if isinstance(selection, tuple | list) and len(selection) == 4:
            x0, y0, x1, y1 = (float(v) for v in selection)
            if not (0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]):
                raise UserError(f"the box {tuple(selection)} is not inside the {size[0]}x{size[1]} photo")
            layer, how = box_layer(size, (x0, y0, x1, y1)), "rectangle"
        elif isinstance(selection, np.ndarray):
            layer, how = selection.astype(np.uint8), "upload"
        else:
            limit = self.editor.settings.limits.max_pixels
            layer, how = load_mask(selection, size=size, max_pixels=limit), "upload"
        return agent.selection.shape(layer, how, photo=photo, name="photo")

    def undo(self) -> EditResult:
        """Back one version of the current image."""
        return self.edit("undo")

    def image(self, artifact_id: str | None = None) -> Image.Image:
        """An image of the session at full size, the current one by default: RGB, or RGBA
        where its photo had transparency, with the photo's ICC profile and EXIF data in
        `info` (`save` writes them)."""
        wanted = artifact_id or self.current_image
        if wanted is None:
            raise UserError(f"session {self.id} has no image yet; edit one first")
        return self.workspace.exported(wanted)

    def mask(self, artifact_id: str) -> np.ndarray:
        """A mask of the session: (H, W) uint8, 255 = selected."""
        return self.workspace.mask(artifact_id)

    @property
    def steps(self) -> list[Step]:
        return [Step.of(s) for s in self.workspace.record.steps]

    def _result(self, turn: int, ok: bool) -> EditResult:
        """The turn's record; its image is the last one the turn made or made current (not the
        session's current image, which another process may have replaced since)."""
        record = self.workspace.record
        steps = [Step.of(s) for s in record.steps if s.turn == turn]
        said = [m for m in record.messages if m.turn == turn and m.role == "assistant"]
        shown = [s for s in steps if s.outputs and s.outputs[0].startswith("image-") and not s.error]
        return EditResult(
            ok=ok,
            session=self,
            image_id=shown[-1].outputs[0] if shown else None,
            steps=steps,
            messages=[m.text for m in said if m.kind != "notice"],
            notices=[m.text for m in said if m.kind == "notice"],
        )


class Editor:
    """The entry point: settings, the models (each loaded once, on first use, and kept),
    the registered tools (plug-ins included) and the planner."""

    def __init__(
        self,
        config: str | Path | None = None,
        *,
        settings: Settings | None = None,
        planner: str | None = None,
        **overrides: Any,
    ) -> None:
        """From `settings`, else the TOML `config` (else $PIXELSMITH_CONFIG) with `overrides`
        (e.g. `device="cpu"`, `data_dir=...`); `planner`: auto, llm, local or offline."""
        from pixelsmith.agent.planner_choice import make_planner
        from pixelsmith.models.model_registry import ModelRegistry
        from pixelsmith.tools import default_tools

        self.settings = settings or load_settings(config, **overrides)
        self.models = ModelRegistry(self.settings)
        self.tools = default_tools()
        self.planner = make_planner(self.settings, planner, tools=self.tools, models=self.models)

    # -- requests ------------------------------------------------------------------------
    def edit(
        self,
        image: ImageLike | None,
        instruction: str,
        *,
        session: str | None = None,
        reference: ImageLike | list[ImageLike] | None = None,
        seed: int | None = None,
    ) -> EditResult:
        """One request in a new session (or in `session`, by id): "replace the cat with a
        dragon", "make it 16:9", "a watercolour lighthouse" (no image), "make the cat look
        like this one" (with `reference`, a photo or a list)."""
        return self.session(session).edit(instruction, image, reference=reference, seed=seed)

    def session(self, session_id: str | None = None) -> Session:
        """An earlier session by id, or a new one (on disk from its first change: a request
        refused before it began leaves no empty session behind)."""
        data_dir = self.settings.data_dir
        if session_id is not None and (not isinstance(session_id, str) or not session_id.strip()):
            raise UserError(f"a session id is text such as '20261206-101500-a1b2c3', got {session_id!r}")
        found = Workspace.open(data_dir, session_id) if session_id else Workspace.create(data_dir, draft=True)
        return Session(self, found)

    def sessions(self) -> list[str]:
        """The ids of the saved sessions, newest first."""
        return [record.id for record in list_sessions(self.settings.data_dir)]

    # -- single tools ---------------------------------------------------------------------
    def run(
        self,
        tool: str,
        *,
        on_progress: Callable[[Any], None] | None = None,
        store: Any = None,
        **args: Any,
    ) -> Any:
        """Run one registered tool and return its typed output (`detect` -> detections,
        `segment` -> masks, `inpaint` -> images, ...). Arguments that name images or masks
        (`image`, `mask`, `other`, `images`, `references`) take paths, PIL images or (H, W) arrays, or
        ids in `store` (a `tools.MemoryStore` kept across calls). Ctrl-C stops the tool at
        its next step."""
        from pixelsmith.execution.choose import make_executor
        from pixelsmith.execution.local import ToolCall
        from pixelsmith.tools import MemoryStore

        store, given, size = store if store is not None else MemoryStore(), dict(args), None
        if isinstance(args.get("image"), (str, Path, Image.Image)) and not _an_id(args["image"], store):
            photo = self.load(args["image"])
            size, given["image"] = photo.size, store.add("image", photo)
        for name in ("images", "references"):  # lists of images: paths, PIL images or ids
            if isinstance(args.get(name), (list, tuple)):
                given[name] = [
                    v if _an_id(v, store) else store.add("image", self.load(v)) for v in args[name]
                ]
        for name in ("mask", "other"):
            value = args.get(name)
            if isinstance(value, (str, Path, np.ndarray, Image.Image)) and not _an_id(value, store):
                given[name] = store.add("mask", self._mask(value, size))
        # The process's executor for these models, as the agent's edits use (not one per call).
        job = make_executor(self.settings, self.models, self.tools).submit(
            ToolCall(tool, given, store, "python", models=self.models)
        )
        try:
            for progress in job.progress():
                if on_progress is not None:
                    on_progress(progress)
            return job.result()
        except KeyboardInterrupt:
            job.cancel()
            raise

    @staticmethod
    def _mask(value: Any, size: tuple[int, int] | None) -> np.ndarray:
        if isinstance(value, np.ndarray):
            return value
        if isinstance(value, Image.Image):
            return np.asarray(value.convert("L"))
        if size is None:
            raise UserError("a mask file needs its image: give image=... too")
        return load_mask(value, size=size)

    def load(self, image: ImageLike) -> Image.Image:
        """A path or a PIL image as the RGB image pixelsmith works on (EXIF applied; the same
        limits as a file: `limits.max_pixels`)."""
        if isinstance(image, (str, Path)):
            return load_image(image, max_pixels=self.settings.limits.max_pixels)
        return check_image(image, max_pixels=self.settings.limits.max_pixels)

    # -- concepts ---------------------------------------------------------------------------
    def concepts(self) -> list[Any]:
        """The concepts taught so far (`Concept` records: name, status, phrase, ...)."""
        from pixelsmith.concepts import ConceptStore

        return ConceptStore(self.settings.data_dir).list()

    def train(
        self,
        name: str,
        photos: Iterable[str | Path],
        class_word: str,
        *,
        on_progress: Callable[[Any], None] | None = None,
        **settings: Any,
    ) -> Any:
        """Teach a concept from 3-20 photos (DreamBooth-LoRA); `settings` are `TrainSettings`
        fields (steps, resolution, rank, prior_preservation, inpaint_adapter, ...). Then say
        "my <name>" in an edit."""
        from pixelsmith.concepts import ConceptStore, TrainSettings
        from pixelsmith.concepts.teach import train_concept

        return train_concept(
            self.models,
            ConceptStore(self.settings.data_dir),
            name,
            images=list(photos),
            class_word=class_word,
            settings=TrainSettings.parse(**settings) if settings else None,
            on_progress=on_progress,
        )
