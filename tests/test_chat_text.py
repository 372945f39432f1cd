"""How the chat shows text: a person's message as they typed it (no markdown made of "1)" or
"*"), and a step's arguments as JSON a reader can copy (a prompt's quotes kept escaped).
"What markdown shows" is CommonMark's rule: a backslash before punctuation is dropped."""

from __future__ import annotations

import json
import re

import pytest

from pixelsmith.escape import as_typed
from pixelsmith.ui.chat import as_shown


def _shown(markdown: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def test_a_steps_arguments_show_as_json_a_reader_can_copy() -> None:
    args = {"prompt": 'add the text "HELLO" at the top', "path": "C:\\photos"}
    assert json.loads(_shown(as_shown(args))) == args


@pytest.mark.parametrize(
    "typed",
    ["1) make it warmer 2) crop to 4:5", "# tag *this* [link](x) _under_ `code` > quote", "a\\b ~x~ | <b>"],
)
def test_a_persons_message_shows_as_they_typed_it(typed) -> None:
    assert _shown(as_typed(typed)) == typed
    assert not re.match(r"\d+\)|#|\*", as_typed(typed))  # no list item, heading or emphasis starts it


def test_a_web_address_in_a_message_is_left_as_typed() -> None:
    typed = "see https://example.com/a_b.png (the *first*)"
    assert "https://example.com/a_b.png" in as_typed(typed)  # markdown shows an address as written
    assert _shown(as_typed(typed)).replace("https://example.com/a_b.png", "") == typed.replace(
        "https://example.com/a_b.png", ""
    )
