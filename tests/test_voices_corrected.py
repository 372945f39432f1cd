"""The offline planner follows a change of mind inside one message (the thirteenth blind set's
self-corrections): "make the door blue, no wait, green", "remove the car — actually no, just
blur it", "replace the cat with a dog, or maybe a rabbit?? ok rabbit"; and the everyday
requests it brought up that the rules did not read: a part blurred out ("blur the licence
plate"), a zoom in ("zoom in a bit", "zoom in on the girl"), a message pasted twice. The
sample photo is 512 x 384."""

from __future__ import annotations

import pytest
import test_offline_planner as table

from pixelsmith.agent.normalise import normalise
from pixelsmith.agent.rules_parts import split
from pixelsmith.agent.validate import validate_plan
from pixelsmith.tools import default_tools

DSI, DSA, DSR = "detect segment inpaint", "detect segment adjust", "detect segment remove"


def _first(message: str, view: str = "upload"):
    """The first part's plan of `message`, as the agent gets it (`begin`, then `next`)."""
    workspace = table.VIEWS[view]()
    turn = table.PLANNER.begin(message, workspace)
    return turn, turn.next([], workspace)


CHANGED = [
    ("make the door blue, no wait it already is. green then", DSI, "make the door green",
     {"detect.labels": ["door"], "inpaint.prompt": "a green door"}),
    ("replace the cat with a dog, or maybe a rabbit?? ok rabbit", DSI, "replace the cat with a rabbit",
     {"inpaint.prompt": "a rabbit"}),
    ("brighten it a lot... well not a lot. just a touch", "adjust", "brighten it a touch",
     {"adjust.brightness": 1.1}),
    ("can you remove the bike, erm no, keep the bike, remove the car instead", DSR, "remove the car",
     {"detect.labels": ["car"]}),
    ("add a rainbow over the car.. or the house. the house i think", "detect segment place inpaint",
     "add a rainbow over the house", {"detect.labels": ["house"]}),
    ("turn it into a watercolour, nope, oil painting!", "restyle", "turn it into an oil painting",
     {"restyle.prompt": "an oil painting"}),
    ("remove the car — actually no, just blur it", DSA, "blur the car",
     {"detect.labels": ["car"], "adjust.invert": table.ABSENT}),
    ("crop it square... or 4:5 is better? yeah go with 4:5", "crop", "crop it 4:5", {"crop.aspect": "4:5"}),
    ("Make it black and white. Hmm, actually, sepia.", "adjust", "make it sepia",
     {"adjust.sepia": True, "adjust.black_and_white": table.ABSENT}),
    ("Make the raincoat red. Sorry — I meant the front door, not the raincoat!", DSI,
     "make the front door red", {"detect.labels": ["front door"], "inpaint.prompt": "a red front door"}),
    ("zoom out a bit - no wait, zoom IN, tighter on the girl", "detect crop", "zoom in, tighter on the girl",
     {"detect.labels": ["girl"]}),
    ("flip it upside down - well not flip exactly, rotate it so shes upside down", "rotate",
     "rotate it so shes upside down", {"rotate.degrees": 180}),
    ("Remove the cat from the window. On second thoughts, put a potted plant there instead.", DSI,
     "replace the cat with a potted plant", {"detect.labels": ["cat"], "inpaint.prompt": "a potted plant"}),
]  # fmt: skip


@pytest.mark.parametrize(("message", "tools", "read_as", "expected"), CHANGED, ids=[r[2] for r in CHANGED])
def test_a_change_of_mind_plans_the_request_it_ends_on(message, tools, read_as, expected) -> None:
    turn, plan = _first(message)
    assert turn.read_as == read_as and turn.total == 1
    assert [s.tool for s in plan.steps] == tools.split(), plan.reply
    assert plan.note.startswith(f"I read that as “{read_as}”.")  # the person sees what was planned
    for key, want in expected.items():
        assert table._arg(plan, key) == want, key
    validate_plan(plan, default_tools(), lambda artifact_id, kind: None)


# no change of mind: these words say something else, and are read as before
UNCHANGED = [
    ("Would you please make the whole photograph a little lighter? It was a very overcast day, and "
     "everybody looks rather dim.", "adjust"),
    ("make it brighter, sorry if that's a pain", "adjust"),
    ("remove the cat, then crop it square", DSR),
    ("actually a rainbow instead", ""),  # a follow-up with nothing before it: `rules_voices`
]  # fmt: skip


@pytest.mark.parametrize(("message", "tools"), UNCHANGED, ids=[r[0][:40] for r in UNCHANGED])
def test_words_that_change_nothing_are_no_change_of_mind(message, tools) -> None:
    turn, plan = _first(message)
    assert not turn.read_as
    assert [s.tool for s in plan.steps] == tools.split(), plan.reply


ROWS = [
    # a part blurred out, past recognising; "a little" less, the background as before
    ("blur the licence plate", "upload", DSA, {"detect.labels": ["licence plate"], "adjust.blur": 16.0}),
    ("pixelate his face", "upload", DSA, {"detect.labels": ["face"], "adjust.invert": table.ABSENT}),
    ("blur the sky a little", "upload", DSA, {"adjust.blur": 6.4}),
    ("blur the background", "upload", DSA, {"adjust.blur": 8.0, "adjust.invert": True}),
    ("blur it", "upload", "adjust", {"adjust.blur": 3.0}),
    # a zoom in: the middle of the photo, or around what is named
    ("zoom in", "upload", "crop", {"crop.box": [51, 38, 461, 346]}),
    ("zoom in a bit", "upload", "crop", {"crop.box": [26, 19, 486, 365]}),
    ("punch in a lot", "upload", "crop", {"crop.box": [102, 77, 410, 307]}),
    ("zoom in on the girl", "upload", "detect crop", {"detect.labels": ["girl"], "crop.around": "$1"}),
    ("crop in tighter on the dog", "upload", "detect crop", {"detect.labels": ["dog"]}),
    ("zoom out", "upload", "outpaint", {}),
    # a shape got by cutting, and a turn said by its result
    ("uhh can you make it 16:9? by cropping i mean, dont add anything", "upload", "crop",
     {"crop.aspect": "16:9"}),
    ("make it square by cropping", "upload", "crop", {"crop.aspect": "1:1"}),
    ("rotate it so she's upside down", "upload", "rotate", {"rotate.degrees": 180}),
]  # fmt: skip


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_said_this_way(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


def test_a_message_pasted_twice_is_one_request() -> None:
    assert split("brighten it, then crop it square, then crop it square") == ["brighten it", "crop it square"]
    assert split("brighten it. brighten it. brighten it.") == ["brighten it. brighten it. brighten it."]
    _, plan = _first("brighten it. brighten it. brighten it. brighten it. brighten it. brighten it.")
    assert [s.tool for s in plan.steps] == ["adjust"]


@pytest.mark.parametrize(
    ("said", "text"),
    [("crop it sixteen by nine", "crop it 16 by 9"), ("sixteen by 9", "16 by 9"), ("16 by nine", "16 by 9"),
     ("make it twenty-five percent brighter", "make it 25 percent brighter")],
)  # fmt: skip
def test_numbers_said_in_words_in_one_pass(said, text) -> None:
    assert normalise(said).text == text
