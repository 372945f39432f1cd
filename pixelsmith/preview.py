"""Preview mode: a draft in a few steps with an LCM-LoRA (latent consistency) and its scheduler.

```python
with lcm_applied(pipeline, models.lcm_lora()):   # LoRA in, LCMScheduler on
    image = pipeline(prompt, num_inference_steps=4, guidance_scale=1.0).images[0]
# the pipeline is exactly as before: its scheduler back, no LoRA layers left
```

The LoRA is loaded per call from weights the registry keeps in memory (`lcm_lora()`), so
a plain call never runs with it, and a concept's LoRA can be in at the same time (both
adapters are switched on together). Loading it costs a fraction of a second against the
26 denoising steps a preview saves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pixelsmith.concepts.apply import active_adapters, pipeline_lock, remove_adapters
from pixelsmith.errors import UserError

PREVIEW_ADAPTER = "lcm_preview"


@contextmanager
def lcm_applied(pipeline: Any, weights: dict[str, Any]) -> Iterator[None]:
    """For the block: the LCM-LoRA `weights` on (beside any adapter already on) and an
    `LCMScheduler` made from the pipeline's scheduler config; both undone on exit."""
    from diffusers import LCMScheduler

    with pipeline_lock(pipeline):
        before, scheduler = active_adapters(pipeline), pipeline.scheduler
        try:
            try:
                pipeline.load_lora_weights(dict(weights), adapter_name=PREVIEW_ADAPTER)
            except (ValueError, RuntimeError, KeyError) as err:
                first = (str(err).strip().splitlines() or [type(err).__name__])[0]
                raise UserError(
                    f"the preview LCM-LoRA does not fit this model ({first[:200]}); set "
                    "preview.lcm_lora to the LCM-LoRA of its base (e.g. lcm-lora-sdv1-5 for SD 1.5)"
                ) from None
            names = [*before, PREVIEW_ADAPTER]
            pipeline.set_adapters(names, adapter_weights=[1.0] * len(names))
            pipeline.scheduler = LCMScheduler.from_config(scheduler.config)
            yield
        finally:
            pipeline.scheduler = scheduler
            remove_adapters(pipeline, [PREVIEW_ADAPTER], before)
