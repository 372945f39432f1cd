"""The offline rules read how people put a request in a sentence (`agent.sentences`): a wish
as a statement, what it replaces, reasons and purposes around it, the request among remarks
with its pronoun carried; and no wording makes a rule fail with an exception."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import test_offline_planner as table

from pixelsmith.agent.normalise import normalise
from pixelsmith.agent.sentences import clauses

DSI, DSN = "detect segment inpaint", "detect segment instruct"
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("the curtains should be cream, not this orange", "make the curtains cream"),
        ("Can the floor be polished concrete instead of carpet?", "make the floor polished concrete"),
        ("I'd like the ring to be silver instead of gold", "make the ring silver"),
        ("the statue should look like it's cast in bronze", "make the statue look like it's cast in bronze"),
        ("she should look more serious", "make her look more serious"),
        ("turn his jacket from blue to black", "turn his jacket black"),
        ("make it a bit cooler, it looks too yellow", "make it a bit cooler"),
        ("crop it to 4:5 for Instagram", "crop it to 4 5"),
        ("blur the background so the dog stands out", "blur the background behind the dog"),  # its subject
        ("it's too dark, can you lighten it up", "lighten it up"),
        ("make it not too bright", "make it not too bright"),  # a "not" inside the request stays
    ],
)
def test_a_statement_becomes_its_request(message, text):
    assert normalise(message).text == text


def test_the_request_among_remarks_takes_its_pronoun_from_them():
    assert clauses("the lamp is ugly, replace it with a modern floor lamp") == [
        "replace the lamp with a modern floor lamp",
        "replace it with a modern floor lamp",  # then as written: "the shelf is wonky, tilt it"
        "the lamp is ugly",  # a remark last: "it looks washed out" may be the request itself
    ]
    # the photo is not a thing to carry: "shrink it to half the size, the file's massive"
    assert clauses("shrink it to half the size, the file's massive") == [
        "shrink it to half the size",
        "the file's massive",
    ]
    assert clauses("my son is frowning here, could you make him look cheerful") == [
        "could you make him look cheerful",
        "my son is frowning here",
    ]
    assert clauses("make it brighter") == []


ROWS = [
    ("the lamp is ugly, replace it with a modern floor lamp", "upload", DSI,
     {"detect.labels": ["lamp"], "inpaint.prompt": "a modern floor lamp"}),
    ("the curtains should be cream, not this orange", "upload", DSI,
     {"detect.labels": ["curtain"], "inpaint.prompt": "~cream"}),
    ("Can you make my daughter's dress pink instead of yellow?", "upload", DSI,
     {"detect.labels": ["dress"], "inpaint.prompt": "~pink"}),
    ("make the table look like it's made of wood", "upload", DSI, {"detect.labels": ["table"]}),
    ("give the coffee table a walnut wood finish", "upload", DSI, {"detect.labels": ["coffee table"]}),
    ("my son is frowning here, could you make him look cheerful", "upload", "instruct",
     {"instruct.prompt": "make him look cheerful"}),
    ("make the woman on the right look excited", "upload", "instruct", {}),
    ("give grandpa a friendly smile", "upload", "instruct",
     {"instruct.prompt": "give grandpa a friendly smile"}),
    ("make me look like I'm 70", "upload", "instruct", {"instruct.prompt": "make me look 70 years old"}),
    ("can you turn our family photo into a cartoon", "upload", "restyle", {}),
    ("make it look like a faded polaroid from the seventies", "upload", "restyle",
     {"restyle.prompt": "a faded polaroid from the seventies"}),
    ("change the weather to sunny, it was so grey that day", "upload", "instruct",
     {"instruct.prompt": "make it sunny"}),
    ("make it spring with blossom on the trees", "upload", "instruct",
     {"instruct.prompt": "make it spring with blossom on the trees"}),
    ("extend the photo three hundred pixels at the bottom", "upload", "outpaint", {"outpaint.bottom": 300}),
    ("give it more room at the top", "upload", "outpaint", {"outpaint.top": 96}),
    ("how many windows does the house have", "upload", "detect", {"detect.labels": ["window"]}),
    ("are there any cars parked outside?", "upload", "detect", {"detect.labels": ["car"]}),
    ("is my cat anywhere in this photo", "upload", "detect", {"detect.labels": ["cat"]}),
    ("put a crown on the cat's head", "upload", "detect segment place inpaint", {"detect.labels": ["cat"]}),
    ("put the kids in front of the Eiffel Tower", "upload", "detect segment refine_mask inpaint",
     {"detect.labels": ["kid"], "refine_mask.invert": True,
      "inpaint.prompt": "the eiffel tower in the background"}),
    ("take the car out of the driveway, this is for a listing", "upload", "detect segment remove",
     {"detect.labels": ["car"]}),
    ("boost the saturation of the grass only", "upload", "detect segment adjust",
     {"detect.labels": ["grass"], "adjust.saturation": 1.25}),
    ("I want to print it big, can you make it bigger with more detail", "upload", "upscale", {}),
    ("now do the same to the armchair", "edited", DSI, {"detect.labels": ["armchair"], "inpaint.mask": "$2"}),
    ("no, go back to how it was", "edited", "undo", {}),
    ("hmm, a bit darker red please", "edited", "inpaint", {"inpaint.prompt": "~dark red"}),
    ("the mask missed its tail, make it 15 pixels bigger", "segmented", "refine_mask",
     {"refine_mask.grow": 15}),
]  # fmt: skip


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_said_in_a_sentence(message, view, tools, expected):
    table.test_phrasing(message, view, tools, expected)


def _every_request() -> list[str]:
    files = [
        ROOT / "pixelsmith" / "data" / "planner_cases.tsv",
        *sorted((ROOT / "benchmarks" / "planner").glob("*.tsv")),
    ]
    said = []
    for path in files:
        rows = [
            r
            for r in csv.reader(path.open(encoding="utf-8"), delimiter="\t")
            if r and not r[0].startswith("#")
        ]
        said += [part.strip() for row in rows[1:] for part in row[1].split(">>")]
    return said


@pytest.mark.parametrize("view", ["none", "upload", "segmented", "edited"])
def test_no_wording_makes_a_rule_fail(view):
    """Every request of the scorecards, on every kind of session: a plan or a reply, never an
    exception (a handler once read a group its pattern did not have)."""
    said = _every_request()
    assert len(said) > 300
    for message in said:
        plan, _ = table._plan(message, view)
        assert plan.steps or plan.reply, message
