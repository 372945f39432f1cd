"""The `edits` figures (issue 12): removal with the eraser beside SD removal, and restyle,
instruct and outpaint beside the plain diffusers call a user would write on the same
modules, at the same working size and steps."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image

from pixelsmith import masks as M
from pixelsmith.bench.measure import ellipse_mask
from pixelsmith.bench.options import PROMPT
from pixelsmith.bench.plain import plain_pipeline
from pixelsmith.bench.report import Figure
from pixelsmith.errors import UserError

INSTRUCTION = "make it winter"
STYLE = "a pencil sketch"


class EditFigures:
    """Mixed into `Bench`: uses its `models`, `options`, `store`, `photo`, `tool` and `time`."""

    models: Any
    options: Any
    store: Any
    photo: Image.Image

    def edits(self) -> list[Figure]:
        scale = self.options.size / max(self.photo.size)
        photo = self.photo.resize((round(self.photo.width * scale), round(self.photo.height * scale)))
        image_id = self.store.add("image", photo)
        figures = []
        for name, measure in (
            ("remove", self._remove),
            ("restyle", self._restyle),
            ("instruct", self._instruct),
            ("outpaint", self._outpaint),
        ):
            if not self.options.measures("edits", name):
                continue
            try:
                figures.append(measure(photo, image_id))
            except UserError as err:  # e.g. a missing model: said, the others still count
                figures.append(Figure(f"edits.{name}", f"{name}: not measured", "", None, note=str(err)))
        return figures

    def _remove(self, photo: Image.Image, image_id: str) -> Figure:
        steps, mask = self.options.steps, ellipse_mask(*photo.size)
        args = dict(image=image_id, mask=self.store.add("mask", mask))
        eraser = self.time(lambda: self.tool("remove", **args))  # type: ignore[attr-defined]
        diffusion = self.time(  # type: ignore[attr-defined]
            lambda: self.tool("remove", **args, backend="diffusion", num_inference_steps=steps, seed=0)
        )
        return Figure(
            "edits.remove",
            f"remove: eraser (LaMa ONNX) vs SD inpainting, {steps} steps",
            "s/image",
            eraser,
            diffusion,
            note="the 'plain' column is pixelsmith's own diffusion removal (backend = diffusion)",
            detail={"photo": list(photo.size)},
        )

    def _restyle(self, photo: Image.Image, image_id: str) -> Figure:
        from diffusers import AutoPipelineForImage2Image

        from pixelsmith.tools.diffusion import native_size

        steps, generator = self.options.steps, self.models.get("generator")
        work = M.work_size(*photo.size, native_size(generator))
        args = dict(image=image_id, prompt=STYLE, strength=0.6, num_inference_steps=steps, seed=0)
        plain = AutoPipelineForImage2Image.from_pipe(generator)
        plain.set_progress_bar_config(disable=True)
        small = photo.resize(work)

        def call() -> None:
            with torch.inference_mode():
                plain(prompt=STYLE, image=small, strength=0.6, num_inference_steps=steps,
                      generator=torch.Generator("cpu").manual_seed(0))  # fmt: skip

        label = f"restyle {work[0]}x{work[1]}, {steps} steps at strength 0.6"
        ours, plain_s = self.pair(lambda: self.tool("restyle", **args), call)  # type: ignore[attr-defined]
        return Figure("edits.restyle", label, "s/image", ours, plain_s)

    def _instruct(self, photo: Image.Image, image_id: str) -> Figure:
        from pixelsmith.tools.editing import work_size

        steps, editor, spec = self.options.steps, self.models.get("editor"), self.models.settings.editor
        work = work_size(spec.backend, editor, photo.size, spec.max_pixels)
        args = dict(image=image_id, prompt=INSTRUCTION, num_inference_steps=steps, seed=0)
        plain = plain_pipeline(editor)
        small = photo.resize(work)
        sized = {} if spec.backend == "diffusers" else {"width": work[0], "height": work[1]}
        if spec.backend == "flux-kontext":  # the working size is already one of Kontext's
            sized.update(max_area=work[0] * work[1], _auto_resize=False)
        if spec.backend == "qwen-image-edit":  # its documented call: true CFG, a blank negative prompt
            sized.update(negative_prompt=" ", true_cfg_scale=4.0)

        def call() -> None:  # the pipeline as its documentation calls it, at the tool's size
            with torch.inference_mode():
                plain(prompt=INSTRUCTION, image=small, num_inference_steps=steps,
                      generator=torch.Generator("cpu").manual_seed(0), **sized)  # fmt: skip

        dtype = str(editor.dtype).removeprefix("torch.")  # `editor.dtype`: not always the registry's
        label = f"instruct ({spec.backend}, {dtype}) {work[0]}x{work[1]}, {steps} steps"
        ours, plain_s = self.pair(lambda: self.tool("instruct", **args), call)  # type: ignore[attr-defined]
        return Figure("edits.instruct", label, "s/image", ours, plain_s)

    def _outpaint(self, photo: Image.Image, image_id: str) -> Figure:
        from pixelsmith.tools.diffusion import native_size
        from pixelsmith.tools.outpaint import Input, canvas_for, stretched

        steps, inpainter = self.options.steps, self.models.get("inpainter")
        args = dict(image=image_id, aspect="16:9", prompt=PROMPT, num_inference_steps=steps, seed=0)
        canvas = canvas_for(Input(image=image_id, aspect="16:9"), *photo.size, 10**12)
        start, band = stretched(photo, canvas), canvas.band(photo.size)
        work = M.work_size(canvas.width, canvas.height, native_size(inpainter))
        plain = plain_pipeline(inpainter)
        image, mask = start.resize(work), Image.fromarray(band).resize(work, Image.NEAREST)

        def call() -> None:  # the whole canvas at once, squeezed to the model's size
            with torch.inference_mode():
                plain(prompt=PROMPT, image=image, mask_image=mask, width=work[0], height=work[1],
                      num_inference_steps=steps, generator=torch.Generator("cpu").manual_seed(0))  # fmt: skip

        detail = {"canvas": [canvas.width, canvas.height], "band_px": int(np.count_nonzero(band))}
        label = f"outpaint to 16:9 ({canvas.width}x{canvas.height}), {steps} steps"
        ours, plain_s = self.pair(lambda: self.tool("outpaint", **args), call)  # type: ignore[attr-defined]
        return Figure("edits.outpaint", label, "s/image", ours, plain_s, detail=detail)
