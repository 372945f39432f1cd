"""What each `editor.backend` is and takes, for the loader, the tool, the Models box and the
model's sentences; a base module, so it imports no torch."""

from __future__ import annotations

PIPELINES = {
    "flux-kontext": "FluxKontextPipeline",
    "qwen-image-edit": "QwenImageEditPlusPipeline",
    "flux2-klein": "Flux2KleinPipeline",
}
# What each backend is, for the Models box, `models list` and the model's sentences.
ABOUT = {
    "diffusers": "InstructPix2Pix (SD 1.5, 1.1 B, CreativeML OpenRAIL-M)",
    "flux-kontext": "FLUX.1 Kontext [dev] (12 B, FLUX.1 [dev] Non-Commercial License)",
    "qwen-image-edit": "Qwen-Image-Edit-2509 (20 B, Apache-2.0)",
    "flux2-klein": "FLUX.2 [klein] 4B (Apache-2.0)",
}
# Which backends take a second photo as a reference, and how many at most.
REFERENCES = {"flux-kontext": 1, "qwen-image-edit": 2, "flux2-klein": 3, "diffusers": 0}
