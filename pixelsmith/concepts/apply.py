"""Using trained concepts: LoRA on for the length of a `with` block, and prompt rewriting.

```python
prompt, used = rewrite_prompt("my rex on a beach", store.list())   # "sks dog on a beach"
pipeline = models.get("generator")
with applied(pipeline, used):          # LoRA in, then out again: same seed, same pixels
    image = pipeline(prompt, ...).images[0]
```

The registry's pipelines are shared by every session, so `applied` holds the pipeline's
lock (`pipeline_lock`) while the LoRA is in; code that must never see a concept's LoRA
(plain generate/inpaint on the same pipeline) should take the same lock.
"""

from __future__ import annotations

import copy
import re
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pixelsmith.concepts.store import Concept
from pixelsmith.errors import UserError

_LOCKS: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def pipeline_lock(pipeline: Any) -> threading.RLock:
    """The re-entrant lock of one pipeline object (made on first use)."""
    with _GUARD:
        lock = _LOCKS.get(pipeline)
        if lock is None:
            lock = _LOCKS[pipeline] = threading.RLock()
        return lock


def unet_copy(pipeline: Any) -> Any:
    """A deep copy of `pipeline`'s UNet, taken while no concept's LoRA is in it."""
    with pipeline_lock(pipeline):
        return copy.deepcopy(pipeline.unet)


def sharing(pipeline: Any, **parts: Any) -> Any:
    """A pipeline of `pipeline`'s kind with `parts` (a UNet copy, a scheduler) in place of its
    own and every other component shared (diffusers' `from_pipe`); no progress bar."""
    made = type(pipeline).from_pipe(pipeline, **parts)
    made.set_progress_bar_config(disable=True)
    return made


def adapter_name(concept: Concept) -> str:
    return "concept_" + concept.name.replace("-", "_")


def _adapters(pipeline: Any) -> list[str]:
    return (
        list(pipeline.get_list_adapters().get("unet", [])) if hasattr(pipeline, "get_list_adapters") else []
    )


def _active(pipeline: Any) -> list[str]:
    """The LoRA adapters switched on in `pipeline`'s UNet."""
    return list(pipeline.get_active_adapters()) if _adapters(pipeline) else []


@contextmanager
def applied(
    pipeline: Any,
    concepts: Concept | Sequence[Concept],
    role: str = "generator",
    *,
    scale: float = 1.0,
) -> Iterator[list[str]]:
    """Load the concepts' LoRAs into `pipeline` for the block; yields the adapter names.

    `role` picks the LoRA file ("generator" or "inpainter"; the inpainter uses the
    generator's LoRA when the concept has none of its own). `scale` in (0, 2] weighs
    every loaded LoRA. On exit the adapters are deleted and, when no other adapter is
    left, the LoRA layers are unloaded: the pipeline's output is bit-identical to before.
    """
    if not 0.0 < scale <= 2.0:
        raise UserError(f"concept scale must be in (0, 2], got {scale}")
    concepts = [concepts] if isinstance(concepts, Concept) else list(concepts)
    if not concepts:
        yield []
        return
    with pipeline_lock(pipeline):
        before = _active(pipeline)
        ours: list[str] = []
        try:
            for concept in concepts:
                name = adapter_name(concept)
                if name not in _adapters(pipeline):  # a nested `applied` may have it in already
                    _load(pipeline, concept, role, name)
                    ours.append(name)
            names = list(dict.fromkeys(before + [adapter_name(c) for c in concepts]))
            pipeline.set_adapters(names, adapter_weights=[scale] * len(names))
            yield names
        finally:
            _remove(pipeline, ours, before)


def _load(pipeline: Any, concept: Concept, role: str, name: str) -> None:
    from pixelsmith.families import FAMILIES, family_of

    trained, here = concept.family(role), family_of(pipeline)
    if trained != here:
        base = concept.base_models.get(role) or concept.base_models.get("generator", "?")
        raise UserError(
            f"concept {concept.name!r} was trained on {FAMILIES[trained]} ({base}) and does not fit "
            f"this {FAMILIES[here]} {role}; teach it again with this model, or switch the {role} back"
        )
    path = concept.adapter_path(role)
    if not path.is_file():
        raise UserError(f"concept {concept.name!r}: LoRA file {path} is missing; train it again")
    try:
        pipeline.load_lora_weights(str(path.parent), weight_name=path.name, adapter_name=name)
    except (ValueError, RuntimeError, KeyError) as err:
        base = concept.base_models.get("generator", "?")
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(
            f"concept {concept.name!r} (trained on {base}) does not fit this {role} model: {first[:200]}"
        ) from None


def _remove(pipeline: Any, names: list[str], before: list[str]) -> None:
    """Delete adapters `names`, switch `before` back on, and unload LoRA layers when none is left."""
    loaded = _adapters(pipeline)
    mine = [n for n in names if n in loaded]
    if mine:
        pipeline.delete_adapters(mine)
    if not _adapters(pipeline):
        if hasattr(pipeline, "unload_lora_weights"):
            pipeline.unload_lora_weights()  # no LoRA layers left at all
    elif before:
        pipeline.set_adapters(before)


def _words(text: str) -> str:
    """`text` as a pattern where spaces, '-' and '_' match any run of them."""
    return r"[-_\s]+".join(re.escape(part) for part in re.split(r"[-_\s]+", text.strip()) if part)


def rewrite_prompt(prompt: str, concepts: Iterable[Concept]) -> tuple[str, list[Concept]]:
    """Put each mentioned concept's phrase ('<token> <class>') into `prompt`.

    Recognised, case-insensitively and as whole words: "my <name>" / "our <name>",
    "<name>", "<token> <class>" and a bare "<token>". Returns the new prompt and the
    concepts it mentions (in order of first mention), e.g. with concept rex = 'sks dog':
    "a photo of my rex on the beach" -> "a photo of sks dog on the beach".
    """
    concepts = list(concepts)
    if not concepts:
        return prompt, []
    parts = []
    for i, concept in enumerate(concepts):
        phrase = rf"{re.escape(concept.token)}(?:\s+{_words(concept.class_word)})?"
        parts.append(rf"(?P<c{i}>(?:(?:my|our)\s+)?(?:{phrase}|{_words(concept.name)}))")
    pattern = re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)
    used: dict[str, Concept] = {}

    def replace(match: re.Match[str]) -> str:
        concept = concepts[int(match.lastgroup[1:])]
        used.setdefault(concept.name, concept)
        return concept.phrase

    return pattern.sub(replace, prompt), list(used.values())
