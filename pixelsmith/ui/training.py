"""A concept being trained, drawn live: a progress bar with step, loss and ETA, the loss
curve so far, and the sample made at each checkpoint as soon as it is written.

`TrainingView` is fed the `StepProgress` events of one `train_concept` step, which carry
the phase, the step's loss and the trainer's ETA for the whole job. The samples come from
the concept's record on disk, which the trainer rewrites (atomically) after each
checkpoint's sample.
"""

from __future__ import annotations

from pathlib import Path

from pixelsmith.agent import events as ev
from pixelsmith.concepts.store import ConceptStore
from pixelsmith.errors import UserError

MAX_REDRAWS = 100  # the curve is redrawn every total/100 steps (and at the last step)
SAMPLE_WIDTH = 160  # px
CHART_HEIGHT = 160  # px


def clock(seconds: float) -> str:
    """'0:42', '12:05' or '1:02:03'."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def loss_chart(where, points: list[tuple[str, int, float]]) -> None:
    """The loss per step of each phase in `points` ((phase, step, loss)); a legend only when
    there are several phases (the generator's LoRA, then the inpainting one)."""
    if not points:
        return
    phases, steps, losses = zip(*points)
    several = len(set(phases)) > 1
    data = {"step": steps, "loss": losses} | ({"phase": phases} if several else {})
    where.line_chart(data, x="step", y="loss", color="phase" if several else None, height=CHART_HEIGHT)


class TrainingView:
    """Progress bar, loss curve and samples of one training run, inside `where`.

    `points` holds one (phase, step, loss) per training step reported, steps 1-based per
    phase ("training"; "inpaint training" when the tool also trains the inpainting LoRA).
    """

    def __init__(self, where, data_dir: Path, name: str) -> None:
        self.bar = where.progress(0.0, text="starting")
        self.chart = where.empty()
        self.gallery = where.empty()
        # Any click reruns the script, which cancels the job: training stops after its
        # current step and keeps a checkpoint.
        where.button(
            "Stop training",
            key="stop-training",
            help="Stops after the current step; the concept keeps its last checkpoint.",
        )
        self.store, self.name = ConceptStore(data_dir), name
        self.points: list[tuple[str, int, float]] = []
        self.samples: list[str] = []
        self._record_seen: tuple[int, int, int] | None = None

    def update(self, event: ev.StepProgress) -> None:
        """One progress event: move the bar; add the loss to the curve; pick up new samples."""
        phase, loss, eta = event.phase or "training", event.loss, event.eta_seconds
        text = f"{phase} {event.step}/{event.total}"
        if loss is not None:
            self.points.append((phase, event.step, loss))
            text += f" · loss {loss:.4f}"
        if eta is not None:
            text += f" · ETA {clock(eta)}"
        self.bar.progress(min(1.0, event.step / max(1, event.total)), text=text)
        stride = max(1, event.total // MAX_REDRAWS)
        if loss is not None and (event.step % stride == 0 or event.step == event.total):
            loss_chart(self.chart, self.points)
        self._pick_up_samples()

    def close(self) -> None:
        """Training ended: the step's own record (curve and samples) replaces the live ones."""
        self.chart.empty()
        self.gallery.empty()

    def _pick_up_samples(self) -> None:
        """Show the concept's samples when its record changed on disk (a stat per event)."""
        try:
            info = (self.store.folder(self.name) / "concept.json").stat()
        except (OSError, UserError):
            return
        seen = (info.st_ino, info.st_mtime_ns, info.st_size)
        if seen == self._record_seen:
            return
        self._record_seen = seen
        try:
            concept = self.store.get(self.name)
        except UserError:  # being replaced right now; the next event looks again
            self._record_seen = None
            return
        if concept.samples != self.samples:
            self.samples = list(concept.samples)
            paths = [concept.folder / "samples" / file for file in self.samples]
            self.gallery.image([str(p) for p in paths], caption=[p.stem for p in paths], width=SAMPLE_WIDTH)
