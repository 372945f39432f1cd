"""Choosing and building the ultralytics segmenter (MobileSAM or FastSAM) for a checkpoint file.

Above `ultralytics_load` (offline import, file names) and the two segmenter classes, so
that none of those imports another back.
"""

from __future__ import annotations

from pathlib import Path

import torch

from pixelsmith.config import ModelSpec
from pixelsmith.errors import ModelMissingError
from pixelsmith.models.ultralytics_fastsam import FastSamSegmenter
from pixelsmith.models.ultralytics_load import import_ultralytics, model_family
from pixelsmith.models.ultralytics_sam import MobileSamSegmenter, UltralyticsSegmenter


def load_segmenter(
    spec: ModelSpec, *, device: torch.device | str = "cpu", data_dir: str | Path | None = None
) -> UltralyticsSegmenter:
    """A `MobileSamSegmenter` or `FastSamSegmenter` for the checkpoint FILE `spec.model`, chosen by its name.

    A missing file is a `ModelMissingError`; ultralytics not installed is a `UserError`.
    `data_dir` holds ultralytics' settings (default: $PIXELSMITH_DATA_DIR or the user data dir).
    """
    path = Path(spec.model).expanduser()
    if not path.is_file():
        raise ModelMissingError(
            f"the segmenter model file {spec.model} does not exist; download mobile_sam.pt or "
            "FastSAM-s.pt from the ultralytics assets release "
            "(https://github.com/ultralytics/assets/releases) and set segmenter.model to its path"
        )
    family = model_family(path)
    ultralytics = import_ultralytics(data_dir)
    device = torch.device(device)
    if family == "fastsam":
        return FastSamSegmenter(ultralytics.FastSAM(str(path)), device=device)
    from ultralytics.models.sam import Predictor

    model = ultralytics.SAM(str(path))
    predictor = Predictor(overrides=dict(imgsz=1024, device=str(device), verbose=False, save=False))
    predictor.setup_model(model=model.model, verbose=False)
    return MobileSamSegmenter(model, predictor, device=device)
