"""pixelsmith: edit images by describing what you want.

`from pixelsmith import Editor` is the Python API (see `pixelsmith.api`); importing the
package itself loads nothing heavy.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Editor", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("Editor", "EditResult", "Session"):
        from pixelsmith import api

        return getattr(api, name)
    raise AttributeError(f"module 'pixelsmith' has no attribute {name!r}")
