"""A tiny Real-ESRGAN for the upscaler role: spandrel's RRDB network (ESRGAN) with 8
filters and one block instead of 64 and 23, at the real 4x scale and 3 channels, saved as
a safetensors state dict in Real-ESRGAN's own key names (`conv_first`, `body.N.rdbM.convK`,
`conv_body`, `conv_up1/2`, `conv_hr`, `conv_last`), the layout of the default file: spandrel
recognises it as it does the real one."""

from __future__ import annotations

import re
from pathlib import Path

FILE = "RealESRGAN_x4plus.safetensors"
# spandrel's layer names (an nn.Sequential) to Real-ESRGAN's, for a 4x network
RENAME = [
    (r"^model\.0\.", "conv_first."),
    (r"^model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.", r"body.\1.rdb\2.conv\3."),
    (r"^model\.3\.", "conv_up1."),
    (r"^model\.6\.", "conv_up2."),
    (r"^model\.8\.", "conv_hr."),
    (r"^model\.10\.", "conv_last."),
]


def build_upscaler(folder: str | Path, *, filters: int = 8, blocks: int = 1, seed: int = 0) -> Path:
    """Write `folder`/RealESRGAN_x4plus.safetensors; returns the file."""
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(seed)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=filters, num_blocks=blocks, scale=4)
    state = {}
    for key, value in net.state_dict().items():
        name = key.replace(f"model.1.sub.{blocks}.", "conv_body.")
        for pattern, new in RENAME:
            name = re.sub(pattern, new, name)
        state[name] = value.contiguous()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(state, str(folder / FILE))
    return folder / FILE
