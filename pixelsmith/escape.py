"""One escaping helper for every text pixelsmith shows that someone else may have written
(a message, a label or a prompt from an LLM or an MCP client, a session title).

- `for_page`: markdown for Streamlit, with image links neutralised: `![](https://...)`
  would make every viewer's browser fetch an outside address, a way for a manipulated
  reply to leak data. (Streamlit shows HTML in markdown as text by default.)
- `as_typed`: markdown that shows a person's own message as they typed it ("1) warmer" is
  no list, "*" no emphasis, "# tag" no heading).
- `storable`: what cannot be written as UTF-8 (a lone surrogate) replaced, before it is kept.
- `for_terminal`: control characters (escape sequences that clear the screen, retitle the
  window, or hide text) shown as `\\x1b`, never played.
"""

from __future__ import annotations

import re
from typing import Any

IMAGE_MARKDOWN = re.compile(r"!(?=\s*\[)")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1, but tab and new line
SURROGATE = re.compile("[\ud800-\udfff]")  # not characters: UTF-8 cannot hold them


def for_page(text: str) -> str:
    return IMAGE_MARKDOWN.sub("\\!", text)


MARKDOWN = re.compile(r"[\\`*_{}\[\]()#+\-.!|>~<]")  # what CommonMark lets a backslash escape


URL = re.compile(r"https?://\S+")  # shown as a link, escapes and all: left as typed


def as_typed(text: str) -> str:
    pieces = URL.split(text)
    urls = [*URL.findall(text), ""]
    return "".join(MARKDOWN.sub(lambda found: "\\" + found.group(), p) + url for p, url in zip(pieces, urls))


def for_terminal(text: str) -> str:
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def storable(value: Any) -> Any:
    """`value` (a string, or a list or dict of them) with every character UTF-8 cannot hold
    replaced by U+FFFD: a lone surrogate, as Python passes bytes from a terminal that were
    not UTF-8, would otherwise stop the session from being saved."""
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    return value
