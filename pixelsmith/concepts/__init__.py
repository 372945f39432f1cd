"""Personal concepts: DreamBooth-LoRA from a few photos, stored on disk and applied on demand.

`store` keeps the records (each its owner's on a shared UI) and checks the input, `teach`
trains the LoRAs (`teach.train_concept`, the step in `lora_trainer`), `apply` loads one
into a pipeline for a `with` block and puts the concept's phrase into prompts; the CLI is
`pixelsmith concept` (cli/concept.py).
"""

from pixelsmith.concepts.apply import applied, rewrite_prompt
from pixelsmith.concepts.store import Concept, ConceptStore, TrainSettings, viewer

__all__ = ["Concept", "ConceptStore", "TrainSettings", "applied", "rewrite_prompt", "viewer"]
