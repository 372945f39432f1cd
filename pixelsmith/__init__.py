"""pixelsmith: edit images by describing what you want.

`from pixelsmith import Editor` is the Python API (see `pixelsmith.api`); importing the
package itself loads nothing heavy.
"""

from __future__ import annotations

import logging
from typing import Any

# torchao (the int8 editors' extra), when installed, makes each diffusers import warn about
# what pixelsmith never uses (torch.compile's enum registration, reading pickled torchao
# checkpoints): those two loggers are quieted, nothing else.
logging.getLogger("torch.utils._pytree").setLevel(logging.ERROR)
logging.getLogger("diffusers.quantizers.torchao.torchao_quantizer").setLevel(logging.ERROR)

__version__ = "0.1.0"
__all__ = ["Editor", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("Editor", "EditResult", "Session"):
        from pixelsmith import api

        return getattr(api, name)
    raise AttributeError(f"module 'pixelsmith' has no attribute {name!r}")
