"""A full-size random-weight eraser for timing: Big-LaMa's generator (FFC ResNet, ~51 M
parameters: 64 channels at full size, three stride-2 convolutions to 512 channels at 1/8,
18 fast-Fourier-convolution blocks split 128 local / 384 global, three transposed
convolutions back) exported as an ONNX graph with LaMa-ONNX's contract.

The global branch's 2-D real FFT is written as matrix products with the DFT's cosine and
sine tables (the input size is fixed at 512, as `lama_fp32.onnx`'s is), which the
TorchScript exporter takes; the arithmetic is the FFT's work done densely, so the figure
is an upper bound on the real graph's time at 512 px, within the same order.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import torch
from torch import nn

from pixelsmith.testing.tiny_onnx import LAMA_FILE

SIZE = 512  # lama_fp32.onnx's input side
WIDTH, DOWN, BLOCKS, GLOBAL = 64, 3, 18, 0.75  # big-lama's generator


def _dft(n: int, *, half: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Cosine and sine tables of the orthonormal DFT of length `n` (`half`: rfft's n//2+1 rows)."""
    rows = n // 2 + 1 if half else n
    angle = 2 * math.pi * torch.outer(torch.arange(rows), torch.arange(n)).double() / n
    return (torch.cos(angle) / math.sqrt(n)).float(), (-torch.sin(angle) / math.sqrt(n)).float()


class FourierUnit(nn.Module):
    """rfft2 → 1x1 convolution over (real, imaginary) → irfft2, at a fixed side."""

    def __init__(self, channels: int, side: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(2 * channels, 2 * channels, 1, bias=False), nn.BatchNorm2d(2 * channels), nn.ReLU()
        )
        for name, table in zip(("wr", "wi"), _dft(side, half=True), strict=True):
            self.register_buffer(name, table.T.contiguous())  # (W, W//2+1): x @ wr
        for name, table in zip(("hr", "hi"), _dft(side, half=False), strict=True):
            self.register_buffer(name, table)  # (H, H): hr @ x
        weights = torch.full((side // 2 + 1,), 2.0)
        weights[0] = 1.0
        if side % 2 == 0:
            weights[-1] = 1.0
        self.register_buffer("fold", weights)  # the inverse counts each half-spectrum column twice

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = x @ self.wr, x @ self.wi  # along the width: real input, complex output
        real = self.hr @ a - self.hi @ b
        imag = self.hr @ b + self.hi @ a  # along the height
        real, imag = self.conv(torch.cat([real, imag], 1)).chunk(2, 1)
        a = self.hr.T @ real + self.hi.T @ imag  # inverse along the height (conjugate tables)
        b = self.hr.T @ imag - self.hi.T @ real
        return (a * self.fold) @ self.wr.T + (b * self.fold) @ self.wi.T  # inverse real DFT


class SpectralTransform(nn.Module):
    def __init__(self, channels: int, side: int) -> None:
        super().__init__()
        half = channels // 2
        self.down = nn.Sequential(nn.Conv2d(channels, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU())
        self.fourier = FourierUnit(half, side)
        self.up = nn.Conv2d(half, channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.down(x)
        return self.up(x + self.fourier(x))


class FFC(nn.Module):
    """A fast Fourier convolution with batch norm and ReLU on both branches."""

    def __init__(self, local: int, global_: int, side: int) -> None:
        super().__init__()

        def conv(a: int, b: int) -> nn.Conv2d:
            return nn.Conv2d(a, b, 3, padding=1, padding_mode="reflect", bias=False)

        self.l2l, self.l2g, self.g2l = conv(local, local), conv(local, global_), conv(global_, local)
        self.g2g = SpectralTransform(global_, side)
        self.norm_l, self.norm_g = nn.BatchNorm2d(local), nn.BatchNorm2d(global_)

    def forward(self, xl: torch.Tensor, xg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        yl = torch.relu(self.norm_l(self.l2l(xl) + self.g2l(xg)))
        yg = torch.relu(self.norm_g(self.l2g(xl) + self.g2g(xg)))
        return yl, yg


class Block(nn.Module):
    def __init__(self, local: int, global_: int, side: int) -> None:
        super().__init__()
        self.one, self.two = FFC(local, global_, side), FFC(local, global_, side)

    def forward(self, xl: torch.Tensor, xg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        yl, yg = self.two(*self.one(xl, xg))
        return xl + yl, xg + yg


class BigLama(nn.Module):
    """Big-LaMa's generator with the ONNX export's wrapper: masked image and mask in, 0..255 out."""

    def __init__(self, size: int = SIZE) -> None:
        super().__init__()

        def stage(a: int, b: int, **kw: int) -> list[nn.Module]:
            return [nn.Conv2d(a, b, bias=False, **kw), nn.BatchNorm2d(b), nn.ReLU()]

        layers = [nn.ReflectionPad2d(3), *stage(4, WIDTH, kernel_size=7)]
        for i in range(DOWN):
            layers += stage(WIDTH * 2**i, WIDTH * 2 ** (i + 1), kernel_size=3, stride=2, padding=1)
        self.encode = nn.Sequential(*layers)
        deep = WIDTH * 2**DOWN
        self.split = int(deep * (1 - GLOBAL))
        side = size // 2**DOWN
        self.blocks = nn.ModuleList(Block(self.split, deep - self.split, side) for _ in range(BLOCKS))
        layers = []
        for i in range(DOWN, 0, -1):
            a, b = WIDTH * 2**i, WIDTH * 2 ** (i - 1)
            layers += [nn.ConvTranspose2d(a, b, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(b)]
            layers += [nn.ReLU()]
        self.decode = nn.Sequential(*layers, nn.ReflectionPad2d(3), nn.Conv2d(WIDTH, 3, 7))

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.encode(torch.cat([image * (1 - mask), mask], 1))
        xl, xg = x[:, : self.split], x[:, self.split :]
        for block in self.blocks:
            xl, xg = block(xl, xg)
        out = torch.sigmoid(self.decode(torch.cat([xl, xg], 1)))
        return (out * mask + image * (1 - mask)) * 255


def build_full_lama(out: Path, *, seed: int = 0) -> Path:
    """Big-LaMa with random weights as `out/lama_fp32.onnx` (about 205 MB); returns the file."""
    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / LAMA_FILE
    example = (torch.rand(1, 3, SIZE, SIZE), torch.rand(1, 1, SIZE, SIZE).round())
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            BigLama().eval(), example, str(path), input_names=["image", "mask"], output_names=["output"],
            dynamo=False, opset_version=17,
        )  # fmt: skip
    return path
