"""Issue 23, items 8 and 11: every text a page or a terminal shows goes through one escaping
helper: a markdown image in a detection label (from an LLM, or MCP arguments) is not fetched
by the browser, and terminal escape sequences in a title or a message are not played."""

from __future__ import annotations

import re

import pytest

from pixelsmith.agent.plan import Plan, Step
from pixelsmith.cli import main
from pixelsmith.escape import for_page, for_terminal
from pixelsmith.testing import noise_image
from pixelsmith.workspace import Workspace

EVIL_LABEL = "cat ![x](http://127.0.0.1:9/leak.png)"
EVIL_TITLE = "my photo \x1b[2J\x1b]0;pwned\x07\x1b[31mRED"


def test_the_helpers():
    assert for_page("a ![x](http://e/y.png) and ! [z](w)") == "a \\![x](http://e/y.png) and \\! [z](w)"
    assert for_terminal("a\x1b[31mb\x07c\td\ne\x9b") == "a\\x1b[31mb\\x07c\td\ne\\x9b"


def test_a_markdown_image_in_a_detection_label_is_not_drawn(tiny_config, make_agent, monkeypatch):
    """The chat's picture captions (a detection's labels, an image's prompt) are escaped like
    every other text on the page."""
    from streamlit.testing.v1 import AppTest

    from pixelsmith.cli.ui import APP

    agent = make_agent()
    find = Plan(steps=[Step(tool="detect", args={"labels": [EVIL_LABEL], "threshold": 0.0})])
    list(agent.send("find it", noise_image(80, 60), plan=find))
    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    monkeypatch.setenv("PIXELSMITH_DATA_DIR", str(agent.workspace.data_dir))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["session"] = agent.workspace.id
    at.run()
    assert not at.exception, at.exception
    captions = [c for image in at.main.image for c in image.captions]
    found = [c for c in captions if c.startswith("detection-1:")]
    assert found and "\\![x](http://127.0.0.1:9/leak.png)" in found[0]
    assert not any(re.search(r"(?<!\\)!\[", c) for c in captions)  # no image link left as one


@pytest.mark.parametrize("command", [["sessions", "list"], ["sessions", "show"]])
def test_terminal_escapes_in_titles_and_messages_are_shown_not_played(tiny_settings, command, capsys):
    workspace = Workspace.create(tiny_settings.data_dir)
    with workspace.transaction() as record:
        record.title = EVIL_TITLE
        from pixelsmith.records import MessageRecord

        record.messages.append(MessageRecord(role="user", text=EVIL_TITLE, turn=1))
    args = [*command, workspace.id] if command[-1] == "show" else command
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mRED" in out
