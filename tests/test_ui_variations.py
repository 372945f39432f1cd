"""Issue 25 item 2 through AppTest on the tiny models: an edit's candidates are a grid two to
a row, each numbered with its seed, the current one marked; 'use the third' or a candidate's
button moves the mark, and every candidate stays in the conversation."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from pixelsmith.cli.ui import APP  # noqa: E402

CANDIDATE = re.compile(r"^(\d) = (image-\d+) · seed \d+$")
MARK = ":green-badge[:material/check: current image]"


@pytest.fixture
def app(tiny_config, monkeypatch):
    monkeypatch.setenv("PIXELSMITH_CONFIG", str(tiny_config))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _blocks(node) -> list:
    """`node` and every block under it, in page order."""
    children = getattr(node, "children", None)
    if not isinstance(children, dict):
        return []
    return [node] + [b for child in children.values() for b in _blocks(child)]


def _leaves(node) -> list:
    """The elements under `node`, in page order."""
    children = getattr(node, "children", None)
    if not isinstance(children, dict):
        return [node]
    return [leaf for child in children.values() for leaf in _leaves(child)]


def _grid(at: AppTest, turn: int) -> list[list[tuple[str, str, bool]]]:
    """The candidates in the assistant's answer to `turn` (from 1) as the page lays them out:
    rows of (number, image id, marked current), left to right."""
    answer = [m for m in at.chat_message if m.name == "assistant"][turn - 1]
    rows = []
    for block in _blocks(answer):
        columns = [c for c in block.children.values() if getattr(c, "type", None) == "column"]
        cells = []
        for column in columns:
            leaves = _leaves(column)
            captions = [c for leaf in leaves if leaf.type == "image" for c in leaf.captions]
            for found in filter(None, map(CANDIDATE.match, captions)):
                marked = any(leaf.type == "markdown" and leaf.value == MARK for leaf in leaves)
                cells.append((found[1], found[2], marked))
        if cells:
            rows.append(cells)
    return rows


def _edit(at: AppTest, request: str) -> list[str]:
    """Send `request` on the sample photo (two denoising steps); the images it made."""
    at.slider(key="opt-steps").set_value(2)
    at.button(key="sample").click().run()
    at.chat_input(key="message").set_value(request).run()
    assert not at.exception, at.exception
    return at.session_state["workspace"].record.steps[-1].outputs


def _current(at: AppTest) -> str:
    return at.session_state["workspace"].record.current_image


def test_four_candidates_are_a_two_by_two_grid_and_the_mark_follows_the_choice(app):
    at = app
    first, second, third, fourth = _edit(at, "make it a watercolor painting, 4 candidates")
    assert _current(at) == first
    assert _grid(at, 1) == [
        [("1", first, True), ("2", second, False)],
        [("3", third, False), ("4", fourth, False)],
    ]

    # 'use the third' (the offline rules) makes the third current; the grid marks it there
    at.chat_input(key="message").set_value("use the third").run()
    assert not at.exception, at.exception
    assert _current(at) == third
    assert f"Done: {third} is the current image" in at.chat_message[-1].markdown[-1].value
    assert _grid(at, 1) == [
        [("1", first, False), ("2", second, False)],
        [("3", third, True), ("4", fourth, False)],
    ]

    # a candidate's own button does the same; the others keep theirs
    labels = [b.label for b in at.button]
    assert {f"Make {image} current" for image in (first, second, fourth)} <= set(labels)
    next(b for b in at.button if b.label == f"Make {second} current").click().run()
    assert not at.exception, at.exception
    assert _current(at) == second
    assert [cell[1] for row in _grid(at, 1) for cell in row if cell[2]] == [second]


def test_three_candidates_are_two_rows_all_the_same_size(app):
    at = app
    first, second, third = _edit(at, "make it a watercolor painting, 3 candidates")
    assert _grid(at, 1) == [[("1", first, True), ("2", second, False)], [("3", third, False)]]
    # the last row keeps two columns: the third is as big as the others, not the row's width
    answer = [m for m in at.chat_message if m.name == "assistant"][0]
    weights = [c.weight for b in _blocks(answer) for c in b.children.values() if c.type == "column"]
    assert weights[:4] == [0.5, 0.5, 0.5, 0.5]
