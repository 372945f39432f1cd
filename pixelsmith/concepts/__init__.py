"""Personal concepts: DreamBooth-LoRA from a few photos, stored on disk and applied on demand.

`registry` keeps the records and checks the input, `train` trains the LoRA on a copy
of the generator's UNet (`train.train_concept`), `apply` loads it into a pipeline for a
`with` block and puts the concept's phrase into prompts, `cli` is `pixelsmith concept`.
"""

from pixelsmith.concepts.apply import applied, rewrite_prompt
from pixelsmith.concepts.store import Concept, ConceptStore, TrainSettings

__all__ = ["Concept", "ConceptStore", "TrainSettings", "applied", "rewrite_prompt"]
