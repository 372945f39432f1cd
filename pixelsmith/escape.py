"""One escaping helper for every text pixelsmith shows that someone else may have written
(a message, a label or a prompt from an LLM or an MCP client, a session title).

- `for_page`: markdown for Streamlit, with image links neutralised: `![](https://...)`
  would make every viewer's browser fetch an outside address, a way for a manipulated
  reply to leak data. (Streamlit shows HTML in markdown as text by default.)
- `for_terminal`: control characters (escape sequences that clear the screen, retitle the
  window, or hide text) shown as `\\x1b`, never played.
"""

from __future__ import annotations

import re

IMAGE_MARKDOWN = re.compile(r"!(?=\s*\[)")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1, but tab and new line


def for_page(text: str) -> str:
    return IMAGE_MARKDOWN.sub("\\!", text)


def for_terminal(text: str) -> str:
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)
