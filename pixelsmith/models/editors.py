"""The `editor` role's flow-matching instruction editors, beside InstructPix2Pix (`loaders`).

Each is its diffusers pipeline, loaded whole from the hub or a folder:
- `flux-kontext`: `FluxKontextPipeline`, FLUX.1 Kontext [dev] (12 B, gated, the FLUX.1 [dev]
  Non-Commercial License); one reference photo, beside the photo in its one input picture;
- `qwen-image-edit`: `QwenImageEditPlusPipeline`, Qwen-Image-Edit-2509 (20 B, Apache-2.0);
  up to two reference photos after the photo (it reads three pictures in all);
- `flux2-klein`: `Flux2KleinPipeline`, FLUX.2 [klein] 4B (Apache-2.0); up to three.

Running them is `tools.editing`; this module only loads (dtype, int8 weights, placement,
offload).
"""

from __future__ import annotations

from typing import Any

import torch

from pixelsmith.config import ModelSpec
from pixelsmith.editor_backends import PIPELINES
from pixelsmith.errors import UserError
from pixelsmith.models.device import DTYPES
from pixelsmith.models.loaders import LoadContext, from_pretrained, register_loader


def editor_dtype(spec: ModelSpec, registry: LoadContext) -> torch.dtype:
    """`auto`: bf16 on a GPU that has it (FLUX and Qwen-Image overflow in fp16), else the
    process's dtype (fp32 on the CPU, where most bf16 kernels are slower)."""
    name = getattr(spec, "dtype", "auto")
    if name != "auto":
        return DTYPES[name]
    if registry.device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return registry.dtype


def int8_config(backend: str) -> Any:
    """diffusers' quantisation config for the transformer and the large text encoder (T5-XXL
    for Kontext, the Qwen model for the others) in int8, weight-only (torchao): their
    weights are kept in int8 and multiplied in the pipeline's dtype."""
    try:
        from torchao.quantization import Int8WeightOnlyConfig
    except ImportError:
        raise UserError(
            "editor.quantize = 'int8' needs torchao; install it (pip install torchao, or pip install "
            "'pixelsmith[quant]'), or set editor.quantize to none"
        ) from None
    from diffusers import PipelineQuantizationConfig, TorchAoConfig
    from transformers import TorchAoConfig as TextTorchAoConfig

    return PipelineQuantizationConfig(
        quant_mapping={
            "transformer": TorchAoConfig(Int8WeightOnlyConfig()),
            "text_encoder_2" if backend == "flux-kontext" else "text_encoder": TextTorchAoConfig(
                Int8WeightOnlyConfig()
            ),
        }
    )


@register_loader("editor", "flux-kontext")
@register_loader("editor", "qwen-image-edit")
@register_loader("editor", "flux2-klein")
def load_flow_editor(spec: ModelSpec, registry: LoadContext) -> Any:
    import diffusers

    pipeline_class = getattr(diffusers, PIPELINES[spec.backend])
    quantized = {}
    if getattr(spec, "quantize", "none") == "int8":
        quantized["quantization_config"] = int8_config(spec.backend)
    pipeline = from_pretrained(
        "editor",
        spec,
        pipeline_class.from_pretrained,
        dtype=editor_dtype(spec, registry),
        use_safetensors=True,
        **quantized,
    )
    if registry.settings.cpu_offload and registry.device.type == "cuda":
        pipeline.enable_model_cpu_offload(device=registry.device)  # one part on the GPU at a time
    else:
        pipeline.to(registry.device)
    pipeline.set_progress_bar_config(disable=True)  # progress goes through the tool context
    return pipeline
