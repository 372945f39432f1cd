"""The Streamlit chat UI: `app.py` (the script), its renderers, sidebar and resources."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixelsmith.config import Limits


def upload_limit_mb(limits: Limits) -> int:
    """The upload limit in whole megabytes for Streamlit's uploader, rounded up. Its page
    counts a megabyte as 10^6 bytes (1024^2 on Windows), so the default 50,000,000 bytes is
    the "50MB" the page says and refuses above; the server checks the bytes themselves."""
    return math.ceil(limits.max_upload_bytes / 10**6)
