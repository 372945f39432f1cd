"""Optional experiment tracking of every agent turn (`PIXELSMITH_TRACKING=comet`).

Online with `COMET_API_KEY`; otherwise offline into `<data_dir>/tracking/` (a zip per
session that `comet upload` can send later). Each turn logs the message, every step's
tool, arguments, seed and model ids as parameters, timings as metrics, and the masks and
images it made.
"""

from __future__ import annotations

import os
from typing import Any

from pixelsmith.config import Settings
from pixelsmith.errors import UserError
from pixelsmith.workspace import Workspace


class CometTracker:
    """One Comet experiment per session; `log_turn` after every turn."""

    def __init__(self, settings: Settings, workspace: Workspace) -> None:
        try:
            import comet_ml
        except ImportError:
            raise UserError("tracking=comet needs comet_ml: pip install comet_ml") from None
        online = bool(os.environ.get("COMET_API_KEY"))
        folder = workspace.data_dir / "tracking"
        folder.mkdir(parents=True, exist_ok=True)
        self.experiment = comet_ml.start(
            project_name="pixelsmith",
            online=online,
            experiment_config=comet_ml.ExperimentConfig(
                offline_directory=str(folder),
                name=workspace.id,
                disabled=False,
                auto_output_logging=False,
                log_env_details=False,
                log_git_metadata=False,
                log_git_patch=False,
                log_env_gpu=False,
                log_env_host=False,
                log_env_cpu=False,
            ),
        )
        self.workspace = workspace

    def log_turn(self, seconds: float, model_seconds: float) -> None:
        record = self.workspace.record
        turn = record.turn
        message = next((m.text for m in reversed(record.messages) if m.role == "user"), "")
        self.experiment.log_text(message, step=turn, metadata={"kind": "user message"})
        self.experiment.log_metrics(
            {
                "turn_seconds": seconds,
                "model_seconds": model_seconds,
                "agent_overhead_seconds": max(0.0, seconds - model_seconds),
            },
            step=turn,
        )
        for step in (s for s in record.steps if s.turn == turn):
            params: dict[str, Any] = {f"t{turn}.s{step.index}.{k}": v for k, v in step.args.items()}
            params.update({f"t{turn}.s{step.index}.model.{r}": m for r, m in step.models.items()})
            params[f"t{turn}.s{step.index}.tool"] = step.tool
            self.experiment.log_parameters(params)
            for artifact_id in step.outputs:
                if not artifact_id.startswith("detection"):
                    path = str(self.workspace.path(artifact_id))
                    self.experiment.log_image(path, name=artifact_id, step=turn)

    def close(self) -> None:
        self.experiment.end()


def make_tracker(settings: Settings, workspace: Workspace) -> CometTracker | None:
    choice = os.environ.get("PIXELSMITH_TRACKING", "").lower()
    if choice in ("", "none", "off"):
        return None
    if choice != "comet":
        raise UserError(f"PIXELSMITH_TRACKING must be comet or none, got {choice!r}")
    return CometTracker(settings, workspace)
