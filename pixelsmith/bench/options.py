"""What `pixelsmith bench` measures: the figure groups, the sample request, `BenchOptions`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pixelsmith.errors import UserError

GROUPS = ("detector", "sam", "inpaint", "turn", "lora", "edits", "backends", "everyday", "planner")
EDITS = ("remove", "restyle", "instruct", "outpaint")  # `only` may name one: "edits.instruct"
MESSAGE = "replace the cat with a realistic green dragon"
PROMPT = "a realistic green dragon"


@dataclass
class BenchOptions:
    """What to measure. `steps` and `repeats` default to 30 and 3 (full) or 4 and 5 (tiny)."""

    architecture: str = "tiny"  # tiny | full
    random_weights: bool = False  # full only: public configs with random weights, no checkpoints
    device: str = "auto"
    steps: int | None = None  # diffusion steps per image
    size: int = 512  # long side (px) of the non-square photo that is inpainted
    repeats: int | None = None
    clicks: int = 5  # SAM clicks on one image
    turns: int = 10  # agent turns in the session (the first one warms up)
    sam: str = "vit-b"  # SAM variant built with random weights: vit-b, vit-l, vit-h
    only: tuple[str, ...] = GROUPS

    def resolved(self) -> BenchOptions:
        """Defaults filled in; a bad value raises `UserError` naming it."""
        tiny = self.architecture == "tiny"
        steps = self.steps if self.steps is not None else (4 if tiny else 30)
        repeats = self.repeats if self.repeats is not None else (5 if tiny else 3)
        for ok, message in [
            (
                self.architecture in ("tiny", "full"),
                f"architecture must be tiny or full, got {self.architecture!r}",
            ),
            (self.size >= 64, f"size must be at least 64 px, got {self.size}"),
            (self.clicks >= 2, f"clicks must be at least 2, got {self.clicks}"),
            (self.turns >= 2, f"turns must be at least 2 (the first warms up), got {self.turns}"),
            (steps >= 1 and repeats >= 1, f"steps and repeats must be at least 1, got {steps} and {repeats}"),
            (
                set(self.only) <= {*GROUPS, *(f"edits.{name}" for name in EDITS)},
                f"only must name {', '.join(GROUPS)} (or one edit, as edits.instruct), got "
                f"{', '.join(self.only)}",
            ),
        ]:
            if not ok:
                raise UserError(message)
        return replace(self, steps=steps, repeats=repeats)  # fmt: skip

    def measures(self, group: str, figure: str | None = None) -> bool:
        """Whether `group` (or its one `figure`, such as edits' "instruct") is to be measured."""
        if group in self.only:
            return True
        prefix = f"{group}."
        return any(name == f"{prefix}{figure}" if figure else name.startswith(prefix) for name in self.only)
