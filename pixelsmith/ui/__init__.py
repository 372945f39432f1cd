"""The Streamlit chat UI: `app.py` (the script), its renderers, sidebar and resources."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixelsmith.config import Limits


def upload_limit_mb(limits: Limits) -> int:
    """The upload limit in whole megabytes (MiB, as Streamlit counts them), rounded up."""
    return math.ceil(limits.max_upload_bytes / 2**20)
