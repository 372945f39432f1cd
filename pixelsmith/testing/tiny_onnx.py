"""A tiny ONNX graph shaped like the eraser's (LaMa-ONNX), for `tiny-models` and the tests."""

from __future__ import annotations

from pathlib import Path

import torch

LAMA_FILE = "lama_fp32.onnx"


def build_lama(out: Path, *, size: int = 512) -> Path:
    """A tiny ONNX graph with LaMa-ONNX's contract (`lama_fp32.onnx`, as its model card and
    the graph itself give it): inputs `image` [batch,3,size,size] (RGB, 0..1) and `mask`
    [batch,1,size,size] (1 = erase), output [batch,3,size,size] in 0..255. Two small
    convolutions over the masked image and the mask, exported by torch.onnx."""
    import warnings

    class TinyLama(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = torch.nn.Conv2d(4, 8, 3, padding=1)
            self.b = torch.nn.Conv2d(8, 3, 3, padding=1)

        def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            hidden = torch.relu(self.a(torch.cat([image * (1 - mask), mask], 1)))
            return torch.sigmoid(self.b(hidden)) * 255

    torch.manual_seed(0)
    out.mkdir(parents=True, exist_ok=True)
    example = (torch.rand(1, 3, size, size), torch.rand(1, 1, size, size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            TinyLama().eval(), example, str(out / LAMA_FILE), input_names=["image", "mask"],
            output_names=["output"], dynamo=False, opset_version=17,
            dynamic_axes={name: {0: "batch"} for name in ("image", "mask", "output")},
        )  # fmt: skip
    return out
