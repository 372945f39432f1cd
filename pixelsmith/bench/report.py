"""The benchmark's record and its printing: `Figure`, `BenchReport` and the table."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

NOTES = {  # what each plain figure is, printed under the table
    "detector.forward": "plain: processor + model + post-processing; pixelsmith: the detect tool",
    "sam.click": "plain: SamProcessor + a full SamModel forward per click",
    "sam.clicks_total": "the first pixelsmith click encodes the image, the others reuse it",
    "inpaint.seconds": "plain: StableDiffusionInpaintPipeline defaults on the same crop and work size",
    "inpaint.preview": "preview=true: a UNet copy with the LCM-LoRA fused, LCMScheduler; plain: as above",
    "turn.seconds": "plain: the same three calls with transformers/diffusers alone, pipeline defaults",
    "loads.count": "plain: every request loads the models it needs",
    "loads.seconds": "plain: turns x each role's measured load",
    "lora.step": "plain: diffusers' example defaults, VAE and text encoder run every step",
}


@dataclass
class Figure:
    """One measurement beside the plain way. `ratio` is how many times better pixelsmith is:
    plain ÷ pixelsmith where lower is better (times, counts), the inverse for rates."""

    key: str
    label: str
    unit: str
    pixelsmith: float | None  # None only where the figure does not apply (n/a, with a note)
    plain: float | None = None  # None where there is no plain counterpart
    lower_is_better: bool = True
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.note = self.note or NOTES.get(self.key, "")

    @property
    def ratio(self) -> float | None:
        if not self.pixelsmith or not self.plain:
            return None
        return self.plain / self.pixelsmith if self.lower_is_better else self.pixelsmith / self.plain

    def record(self) -> dict[str, Any]:
        data = asdict(self)
        del data["lower_is_better"]
        return data | {"ratio": self.ratio}


@dataclass
class BenchReport:
    architecture: str
    device: str
    dtype: str
    steps: int
    figures: list[Figure]

    def records(self) -> list[dict[str, Any]]:
        return [f.record() for f in self.figures]


def _number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{int(value)}"
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"


def format_table(report: BenchReport) -> str:
    """The report as a table (figure, pixelsmith, plain, ratio, unit) with notes below it."""
    width = max([len(f.label) for f in report.figures] + [6])
    lines = [
        f"pixelsmith bench: {report.architecture}, {report.device} {report.dtype}, {report.steps} steps",
        f"{'figure':<{width}}  {'pixelsmith':>10}  {'plain':>10}  {'ratio':>7}  unit",
    ]
    for f in report.figures:
        ratio = "n/a" if f.ratio is None else f"{f.ratio:.2f}x"
        row = f"{_number(f.pixelsmith):>10}  {_number(f.plain):>10}  {ratio:>7}"
        lines.append(f"{f.label:<{width}}  {row}  {f.unit}")
    lines.append("ratio: how many times better pixelsmith is (plain / pixelsmith; for rates the inverse)")
    return "\n".join(lines + [f"  {f.label}: {f.note}" for f in report.figures if f.note])
