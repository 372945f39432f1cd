"""The `backends` figures (issue 13): which model to pick per role.

- Segmenter: SAM ViT-B, SAM 2.1 tiny and small, SAM 3's tracker: an image encode, then a
  click answered from the cached embedding beside the plain transformers call (which
  encodes again). SAM 3 also: two phrases found on a new photo (one encode) beside the
  plain processor + `Sam3Model` + post-processing per phrase.
- Detector: OWLv2 B/16 and Grounding DINO tiny: the detect tool beside processor + model +
  post-processing.
- Diffusion: one UNet step (a classifier-free-guidance batch of 2) of SD 1.5's inpainting
  UNet at 512 px and SDXL's at 1024 px, each at its native size.

Full size builds the public configs with random weights (`--architecture full
--random-weights`); tiny loads the alternatives' tiny checkpoints through the registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from pixelsmith.bench.measure import variant
from pixelsmith.bench.report import Figure
from pixelsmith.errors import UserError

SEGMENTERS = ("sam", "sam2.1-tiny", "sam2.1-small", "sam3")
DETECTORS = ("owlv2", "grounding-dino")
UNETS = ("sd15", "sdxl")


class BackendFigures:
    """Mixed into `Bench`: uses its `models`, `options`, `photo` and `time`."""

    models: Any
    options: Any
    photo: Any

    def backends(self) -> list[Figure]:
        if self.options.architecture == "full" and not self.options.random_weights:
            raise UserError("backends are compared with random weights (--random-weights) or tiny models")
        figures = []
        for name in SEGMENTERS if self._full() else ("sam", "sam2.1-tiny", "sam3"):  # tiny: one SAM 2
            figures += self._segmenter(name)
        figures.append(self._text_segmenter())
        for name in DETECTORS:
            figures.append(self._detector(name))
        for name in UNETS:
            figures.append(self._unet_step(name))
        return figures

    # -- building each backend -----------------------------------------------------------
    def _full(self) -> bool:
        return self.options.architecture == "full"

    def _tiny_registry(self, role: str, folder: str, backend: str) -> Any:
        from pixelsmith.models import ModelRegistry

        settings = self.models.settings
        root = Path(settings.detector.model).parent  # the tiny checkpoints' folder
        current = settings.spec(role)
        spec = type(current)(**{**current.model_dump(), "model": str(root / folder), "backend": backend})
        return ModelRegistry(settings.model_copy(update={role: spec}))

    def _predictor(self, name: str) -> Any:
        from pixelsmith.models.sam2 import Sam2Predictor

        on = dict(device=self.models.device, dtype=self.models.dtype)
        if name == "sam":
            return self.models.get("segmenter")
        if name == "sam3":  # built once for its two sets of figures
            if getattr(self, "_sam3", None) is None:
                from pixelsmith.testing.full_backends import build_sam3

                self._sam3 = (
                    build_sam3(**on)
                    if self._full()
                    else self._tiny_registry("segmenter", "sam3", "sam3").get("segmenter")
                )
            return self._sam3
        if self._full():
            from pixelsmith.testing.full_backends import build_sam2

            return Sam2Predictor(*build_sam2(name, **on), **on)
        return self._tiny_registry("segmenter", "sam2", "sam2").get("segmenter")

    def _detector_model(self, name: str) -> Any:
        from pixelsmith.models.detectors import GroundingDetector

        if name == "owlv2":
            return self.models.get("detector")
        if self._full():
            from pixelsmith.testing.full_backends import build_grounding_dino

            on = dict(device=self.models.device, dtype=self.models.dtype)
            return GroundingDetector(*build_grounding_dino(**on), "grounding-dino", **on)  # type: ignore[arg-type]
        return self._tiny_registry("detector", "grounding-dino", "grounding-dino").get("detector")

    # -- the figures ---------------------------------------------------------------------
    def _segmenter(self, name: str) -> list[Figure]:
        predictor, fresh = self._predictor(name), iter(range(1, 10**6))
        encode = self.time(lambda: predictor.embed(variant(self.photo, next(fresh))))  # type: ignore[attr-defined]
        w, h = self.photo.size
        predictor.embed(self.photo)
        point, label = [[w * 0.5, h * 0.5]], [1]
        import numpy as np

        def ours() -> None:
            predictor.predict(self.photo, points=np.array(point), labels=np.array(label))

        def plain() -> None:
            with torch.inference_mode():
                inputs = predictor.processor(
                    images=self.photo, input_points=[[point]], input_labels=[[label]], return_tensors="pt"
                )
                keep = ("pixel_values", "input_points", "input_labels")
                predictor.model(**_on_device({k: v for k, v in inputs.items() if k in keep}, predictor))

        click, click_plain = self.time(ours), self.time(plain)  # type: ignore[attr-defined]
        params = sum(p.numel() for p in predictor.model.parameters()) / 1e6
        detail = {"parameters_m": round(params, 1)}
        note = "plain: processor + the full model call, which encodes again"
        return [
            Figure(f"backends.{name}.encode", f"{name}: image encode", "ms", encode * 1e3, detail=detail),
            Figure(
                f"backends.{name}.click", f"{name}: click", "ms", click * 1e3, click_plain * 1e3, note=note
            ),
        ]

    def _text_segmenter(self) -> Figure:
        """SAM 3 finding two phrases on a photo it has not seen (one image encode for both),
        beside the plain call per phrase (an encode each)."""
        segmenter, fresh, labels = self._predictor("sam3"), iter(range(1, 10**6)), ["cat", "dog"]

        def ours() -> None:
            segmenter.find(variant(self.photo, next(fresh)), labels, 0.5)

        def plain() -> None:
            with torch.inference_mode():
                for label in labels:
                    inputs = segmenter.text_processor(images=self.photo, text=label, return_tensors="pt")
                    outputs = segmenter.detector(**_on_device(inputs, segmenter.detector))
                    segmenter.text_processor.post_process_instance_segmentation(
                        outputs, threshold=0.5, target_sizes=[(self.photo.height, self.photo.width)]
                    )

        params = sum(p.numel() for p in segmenter.detector.parameters()) / 1e6
        return Figure("backends.sam3.find", "sam3: find 2 phrases with masks", "ms", self.time(ours) * 1e3,  # type: ignore[attr-defined]
                      self.time(plain) * 1e3, detail={"parameters_m": round(params, 1)},  # type: ignore[attr-defined]
                      note="plain: processor + Sam3Model + post-processing per phrase")  # fmt: skip

    def _detector(self, name: str) -> Figure:
        detector = self._detector_model(name)
        labels = ["cat", "dog"]

        def ours() -> None:
            with torch.inference_mode():
                detector.detect(self.photo, labels, 0.1)

        def plain() -> None:
            with torch.inference_mode():
                text = [[f"a photo of a {x}" for x in labels]] if name == "owlv2" else "cat. dog."
                inputs = detector.processor(images=self.photo, text=text, return_tensors="pt")
                outputs = detector.model(**_on_device(inputs, detector))
                detector.processor.post_process_grounded_object_detection(
                    outputs, threshold=0.1, target_sizes=[(self.photo.height, self.photo.width)]
                )

        params = sum(p.numel() for p in detector.model.parameters()) / 1e6
        return Figure(f"backends.{name}.detect", f"{name}: detect 2 labels", "ms", self.time(ours) * 1e3,  # type: ignore[attr-defined]
                      self.time(plain) * 1e3, detail={"parameters_m": round(params, 1)})  # type: ignore[attr-defined]  # fmt: skip

    def _unet_step(self, name: str) -> Figure:
        xl = name == "sdxl"
        on = dict(device=self.models.device, dtype=self.models.dtype)
        if self._full():
            from pixelsmith.testing.full import build_sd15_unet
            from pixelsmith.testing.full_backends import build_sdxl_unet

            unet = build_sdxl_unet(inpainting=True, **on) if xl else build_sd15_unet(inpainting=True, **on)
        else:
            unet = self._tiny_registry("inpainter", "sdxl-inpaint", "sdxl").get("inpainter").unet if xl \
                else self.models.get("inpainter").unet  # fmt: skip
        side = unet.config.sample_size
        latents = torch.randn(2, unet.config.in_channels, side, side, **on)
        text = torch.randn(2, 77, unet.config.cross_attention_dim, **on)
        extra = {}
        if xl:
            pooled = (
                unet.config.projection_class_embeddings_input_dim - 6 * unet.config.addition_time_embed_dim
            )
            ids = torch.tensor([[side * 8, side * 8, 0, 0, side * 8, side * 8]] * 2, **on)
            extra = {"added_cond_kwargs": {"text_embeds": torch.randn(2, pooled, **on), "time_ids": ids}}

        def step() -> None:
            with torch.inference_mode():
                unet(latents, torch.tensor([500, 500], device=self.models.device), text, **extra)

        seconds = self.time(step)  # type: ignore[attr-defined]
        params = sum(p.numel() for p in unet.parameters()) / 1e6
        label = f"{name}: one inpainting UNet step at {side * 8} px (CFG batch 2)"
        return Figure(
            f"backends.{name}.unet_step", label, "s", seconds, detail={"parameters_m": round(params, 1)}
        )


def _on_device(batch: Any, model: Any) -> dict[str, torch.Tensor]:
    """A processor's tensors on the model's device, floats in its dtype."""
    return {
        k: v.to(model.device, model.dtype if v.is_floating_point() else v.dtype) for k, v in batch.items()
    }
