"""Pictures for a planner whose model sees: the photo, numbered boxes, numbered masks, results.

`sees` decides whether the LLM gets pictures (`llm_vision = auto | on | off`; `auto` knows
the common names of models that see). A picture is kept in the conversation as a
`Picture` (what to draw, a few ids), so a paused turn stays small on disk; it is drawn
(JPEG, long side at most 1024 px) only when a request is sent. Boxes carry the numbers
`segment`'s `box_index` takes; each candidate mask gets a tile of its own, numbered as
in the review ("use mask 2").
"""

from __future__ import annotations

import fnmatch
import io
from dataclasses import dataclass

from PIL import Image

from pixelsmith.drawing import draw_boxes, mask_tiles

SIDE = 1024  # px: a picture's long side, at most
QUALITY = 85  # JPEG
MAX_TILES = 9  # candidate masks drawn, best first
# Names of models that see (fnmatch, lower case, on the name after any "provider/" prefix).
VISION_MODELS = (
    "gpt-4o*", "gpt-4.1*", "gpt-5*", "o3*", "o4*", "chatgpt-4o*", "*-vl*", "*vl-*", "*vision*",
    "llava*", "bakllava*", "gemma3*", "gemma-3*", "minicpm-v*", "claude*", "gemini*", "pixtral*",
    "qwen2.5vl*", "qwen3-vl*", "llama3.2-vision*", "moondream*", "granite3.2-vision*", "mistral-small3.1*",
)  # fmt: skip


def sees(setting: str, model: str | None) -> tuple[bool, str]:
    """Whether the planner's model is sent pictures, and why in a few words."""
    if setting in ("on", "off"):
        return setting == "on", f"llm_vision = {setting}"
    name = (model or "").lower().rsplit("/", 1)[-1]
    found = next((p for p in VISION_MODELS if fnmatch.fnmatchcase(name, p)), None)
    if found:
        return True, f"auto: {model} matches {found}, a model that sees"
    return False, f"auto: {model or 'the model'} is not known to see (llm_vision = on if it does)"


@dataclass(frozen=True)
class Picture:
    """What to draw: `image` (ids: the image), `boxes` (detection, image) or `masks`
    (image, *masks); `caption` says what the numbers mean."""

    what: str
    ids: tuple[str, ...]
    caption: str

    def to_dict(self) -> dict:
        return {"type": "picture", "what": self.what, "ids": list(self.ids), "caption": self.caption}

    @classmethod
    def from_dict(cls, part: dict) -> Picture:
        return cls(part["what"], tuple(part["ids"]), part["caption"])


def of_image(image_id: str, caption: str) -> Picture:
    return Picture("image", (image_id,), caption)


def of_result(workspace, kind: str, ids: list[str], *, image: str | None = None) -> Picture | None:
    """The picture of what a step made (a detection, candidate masks, an edited image), or None."""
    if not ids:
        return None
    if kind == "detection":
        image = image or workspace.artifact(ids[0]).parents[0]
        return Picture("boxes", (ids[0], image), f"{ids[0]} on {image}: box N is box_index N")
    if kind in ("masks", "mask"):
        image = image or _image_of(workspace, ids[0])
        shown = ids[:MAX_TILES]
        numbers = ", ".join(f"{i} = {m}" for i, m in enumerate(shown, start=1))
        more = f" (the first {len(shown)} of {len(ids)})" if len(ids) > len(shown) else ""
        return Picture("masks", (image, *shown), f"candidate masks on {image}, best first{more}: {numbers}")
    if kind == "images":
        return of_image(ids[0], f"the result, {ids[0]}")
    return None


def _image_of(workspace, artifact_id: str) -> str:
    record = workspace.artifact(artifact_id)
    while record.kind != "image":
        record = workspace.artifact(record.parents[0])
    return record.id


def draw(workspace, picture: Picture) -> bytes:
    """The picture as JPEG bytes, its long side at most `SIDE`."""
    if picture.what == "boxes":
        shown = draw_boxes(workspace.image(picture.ids[1]), workspace.detections(picture.ids[0]).detections)
    elif picture.what == "masks":
        photo = workspace.image(picture.ids[0])
        shown = mask_tiles(photo, [workspace.mask(m) for m in picture.ids[1:]], side=SIDE)
    else:
        shown = workspace.image(picture.ids[0]).convert("RGB")
    shown.thumbnail((SIDE, SIDE), Image.LANCZOS)
    buffer = io.BytesIO()
    shown.save(buffer, format="JPEG", quality=QUALITY)
    return buffer.getvalue()
