"""What planners read of a session: ids, sizes, labels, scores (torch-free); a planner whose
model sees asks `WorkspaceView.draw` for pictures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BoxView:
    label: str
    score: float
    box: tuple[float, float, float, float]


@dataclass
class ArtifactView:
    """One artifact as a planner sees it: no pixels, just facts."""

    id: str  # image-3, mask-2, detection-1
    kind: str  # image, mask, detection
    parents: list[str]
    tool: str  # the tool that made it ("upload" for user images)
    size: tuple[int, int] | None = None  # (W, H) for images and masks
    note: str = ""  # a prompt, a label list, a score
    boxes: list[BoxView] = field(default_factory=list)  # detections only
    candidates: list[str] = field(default_factory=list)  # sibling ids from the same step


@dataclass
class EditView:
    """The last edit (inpaint, remove, generate) with its full arguments."""

    tool: str
    args: dict[str, Any]
    input_image: str | None  # the image it edited (None for generate)
    outputs: list[str]


@dataclass
class ConceptView:
    """A personal concept the user taught: 'rex', bound to 'sks dog'."""

    name: str
    token: str
    class_word: str


@dataclass
class WorkspaceView:
    """What planners read of a session: ids, sizes, labels, scores, and a way to draw pictures."""

    current_image: str | None
    artifacts: list[ArtifactView]
    last_edit: EditView | None = None
    last_masks: list[str] = field(default_factory=list)  # candidates of the last segmentation
    selection: str | None = None  # the mask the user marked on the photo: "it", "this", "the selection"
    selection_how: str = ""  # brush | rectangle | lasso | clicks | upload
    concepts: list[ConceptView] = field(default_factory=list)
    stopped_concepts: list[ConceptView] = field(default_factory=list)  # training stopped part-way
    finder: str = "detect"  # the tool that finds named objects: segment_text when the segmenter reads text
    reference_tool: str = "instruct"  # what takes a reference photo: inpaint when the editor cannot
    # Draws an `agent.pictures.Picture` as JPEG bytes, for a planner whose model sees (None: none).
    draw: Callable[[Any], bytes] | None = field(default=None, repr=False, compare=False)

    def get(self, artifact_id: str) -> ArtifactView | None:
        return next((a for a in self.artifacts if a.id == artifact_id), None)

    def of_kind(self, kind: str) -> list[ArtifactView]:
        return [a for a in self.artifacts if a.kind == kind]

    def fresh_references(self) -> list[str]:
        """The reference photos given since the current image was made (with this request)."""
        ids = [a.id for a in self.artifacts]
        after = ids.index(self.current_image) if self.current_image in ids else -1
        return [a.id for a in self.artifacts[after + 1 :] if a.tool == "reference"]

    def text(self) -> str:
        """The summary an LLM planner reads."""
        lines = [f"current image: {self.current_image or 'none'}"]
        for a in self.artifacts:
            size = f" {a.size[0]}x{a.size[1]}" if a.size else ""
            line = f"- {a.id} ({a.kind}{size}, by {a.tool}"
            line += f" from {', '.join(a.parents)})" if a.parents else ")"
            if a.note:
                line += f": {a.note}"
            lines.append(line)
            lines += [
                f"    box {i + 1}: {b.label} {b.score:.2f} at {tuple(round(v) for v in b.box)}"
                for i, b in enumerate(a.boxes)
            ]
        if given := self.fresh_references():
            how = "pass references=[...] to instruct, on the current image"
            if self.reference_tool == "inpaint":  # the editor takes none: the inpainter's IP-Adapter does
                how = "find and segment the object to change, then pass references=[one id] to inpaint"
            lines.append(
                f"reference photos the user just gave: {', '.join(given)}; 'this photo', 'this one' and "
                f"'the other photo' mean them: {how}"
            )
        if self.finder != "detect":
            lines.append(
                f"the segmenter reads text: find named objects with {self.finder} (each box comes with "
                "its mask), then segment its detection to choose"
            )
        if self.selection:
            lines.append(
                f"the user's selection: {self.selection} (marked on the photo by {self.selection_how}); "
                f"'it', 'this', 'here' and 'the selection' mean this mask: pass mask={self.selection} "
                "to the edit, with no detect or segment; a description alone is what to paint there"
            )
        if self.last_masks:
            lines.append(f"candidate masks of the last segmentation: {', '.join(self.last_masks)}")
        if self.last_edit:
            lines.append(f"last edit: {self.last_edit.tool} {self.last_edit.args}")
        if self.concepts:
            taught = ", ".join(f"{c.name} (a {c.class_word})" for c in self.concepts)
            lines.append(f"personal concepts (pass concept=NAME to inpaint/generate): {taught}")
        if self.stopped_concepts:
            stopped = ", ".join(f"{c.name} (a {c.class_word})" for c in self.stopped_concepts)
            lines.append(f"concepts whose training stopped (train_concept name=NAME resume=true): {stopped}")
        return "\n".join(lines)
