"""Random-weight MobileSAM and FastSAM checkpoints for the ultralytics segmenter backend.

Written at test time (ultralytics is an optional AGPL extra, so nothing of it is committed).
ultralytics picks the architecture from the file NAME: the builders write
`tiny-FastSAM.pt` and `tiny_mobile_sam.pt`, names no ultralytics release uses, so a stray
bare name can never be mistaken for a real asset. Each builder seeds torch: the same call
writes the same weights. Random heads are nudged so the models return masks at all.
"""

from __future__ import annotations

from pathlib import Path

import torch

FASTSAM_NAME = "tiny-FastSAM.pt"
MOBILE_SAM_NAME = "tiny_mobile_sam.pt"


def build_fastsam(out_dir: str | Path, *, seed: int = 0, imgsz: int = 320) -> Path:
    """A YOLOv8-seg at half the nano width, one class, trained size `imgsz` (~1 MB).

    torch's default init fades the activations to near zero within a few layers, so the
    random network's outputs are almost constant and the heads' biases decide them: each
    anchor of strides 16 and 32 proposes a box reaching 2 strides to every side, with a
    confidence of 0.88 or 0.95 and a mask that fills the box (stride 8 falls below the
    threshold, keeping the count under ultralytics' 300). The masks are overlapping squares
    of two sizes: enough for point, box and "everything" geometry.
    """
    from pixelsmith.models.ultralytics_sam import import_ultralytics

    ultralytics = import_ultralytics()
    from ultralytics.nn.tasks import SegmentationModel, yaml_model_load

    torch.manual_seed(seed)
    config = yaml_model_load("yolov8n-seg.yaml")  # ships inside ultralytics: no download
    config.update(nc=1, scales={"n": [0.33, 0.125, 256]})
    model = SegmentationModel(config, nc=1, verbose=False)
    head = model.model[-1]
    with torch.no_grad():
        for level, (boxes, classes, coefficients) in enumerate(zip(head.cv2, head.cv3, head.cv4)):
            boxes[-1].bias.view(4, -1).fill_(0.0)[:, 2] = 8.0  # each side ~2 strides from the anchor
            classes[-1].bias.fill_((-3.0, 2.0, 3.0)[level])  # strides 8/16/32: drop, 0.88, 0.95
            coefficients[-1].bias.fill_(1.0)
        head.proto.cv3.bn.bias.fill_(1.0)  # positive prototypes: each mask fills its box
    model.names = {0: "object"}
    model.task = "segment"
    path = Path(out_dir) / FASTSAM_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = {
        "model": model.half(),
        "ema": None,
        "train_args": {"imgsz": imgsz, "task": "segment"},
        "version": ultralytics.__version__,
    }
    torch.save(checkpoint, path)
    return path


def build_mobile_sam(out_dir: str | Path, *, seed: int = 0, iou_bias: float = 1.0) -> Path:
    """MobileSAM (TinyViT encoder, SAM decoder) with random weights: the real architecture, ~40 MB.

    ultralytics fixes MobileSAM's sizes, so it cannot be shrunk; its encoder runs once per
    image (~1.5 s on two CPU cores). The IoU head's bias is set to `iou_bias` so predicted
    IoUs land near 1 as trained ones do; left random they sit near 0.
    """
    from pixelsmith.models.ultralytics_sam import import_ultralytics

    import_ultralytics()
    from ultralytics.models.sam.build import build_mobile_sam as build

    torch.manual_seed(seed)
    model = build()
    with torch.no_grad():
        model.mask_decoder.iou_prediction_head.layers[-1].bias.fill_(iou_bias)
    path = Path(out_dir) / MOBILE_SAM_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path
