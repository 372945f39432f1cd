"""The offline planner reads the voices of the fifteenth blind set: people in a temper ("ugh
why is it so DARK. fix it", "I said REMOVE the bin, not blur it. remove. the. bin.", "get it
out of the pic"), a selection cropped to ("crop to this", "zoom in here") and tones said
twice the same way ("more colour, more saturated"). The sample photo is 512 x 384."""

from __future__ import annotations

import pytest
import test_offline_planner as table
from test_everyday_wording import _selected

from pixelsmith.agent.rules_parts import split
from pixelsmith.agent.tempers import calmed, in_one_go
from pixelsmith.views import EditView, WorkspaceView

table.VIEWS.update(selected=_selected)
DSR, DS = "detect segment remove", "detect segment"


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("ugh why is it so DARK. fix it", "adjust", {"adjust.brightness": 1.5}),
        ("come on just blur the background, how hard can it be", f"{DS} adjust", {"adjust.invert": True}),
        ("I said REMOVE the bin, not blur it", DSR, {"detect.labels": ["bin"]}),
        (
            "honestly sick of looking at that skateboard, get it out of the pic",
            DSR,
            {"remove.object": "skateboard"},
        ),
        (
            "just get rid of the stupid pigeon already, its been bugging me",
            DSR,
            {"detect.labels": ["pigeon"]},
        ),
        ("i hate the bin, remove it", DSR, {"detect.labels": ["bin"]}),
        (
            "more contrast, more colour, more EVERYTHING",
            "adjust",
            {"adjust.contrast": 1.25, "adjust.saturation": 1.25},
        ),
        ("more contrast, more colour, more saturated", "adjust", {"adjust.saturation": 1.25}),
    ],
)
def test_a_request_in_a_temper_is_read(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)


def test_a_tone_said_twice_two_ways_is_still_not_joined() -> None:
    assert not table.PLANNER.plan("warmer and cooler", table.uploaded()).steps


@pytest.mark.parametrize(
    ("said", "plain"),
    [
        ("why does the sky look so flat", "the sky looks so flat"),
        ("sky is grey n boring as hell", "the sky is grey n boring"),  # its article, texting
        ("i said remove the bin, not blur it", "remove the bin"),
        ("keep the stupid dog", "keep the dog"),
        ("why is this taking so long", "why is this taking so long"),  # no complaint about the photo
    ],
)
def test_what_a_temper_adds_is_said_plainly(said, plain) -> None:
    assert calmed(said) == plain


@pytest.mark.parametrize(
    ("message", "one_go"),
    [
        ("remove. the. bin.", "remove the bin."),
        ("Crop it. Rotate it. Done.", "Crop it. Rotate it. Done."),  # sentences, not words
        ("1. crop it. 2. rotate it", "1. crop it. 2. rotate it"),  # a numbered list
    ],
)
def test_a_request_spelled_out_word_by_word_is_one(message, one_go) -> None:
    assert in_one_go(message) == one_go


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("crop to this for my tinder pic", "crop", {"crop.around": "mask-1"}),
        ("zoom in here, I can't make it out", "crop", {"crop.around": "mask-1"}),
        ("a vase of tulips", "inpaint", {"inpaint.prompt": "a vase of tulips"}),
    ],
)
def test_a_selection_is_cropped_to_and_an_edit_not_understood_is_not_painted(
    message, tools, expected
) -> None:
    table.test_phrasing(message, "selected", tools, expected)


def test_rotate_this_with_a_selection_is_not_painted_as_a_prompt() -> None:
    plan = table.PLANNER.plan("rotate this please", _selected())
    assert all(step.tool != "inpaint" for step in plan.steps)


def test_a_spelled_out_order_is_one_part() -> None:
    assert split("I said REMOVE the bin, not blur it. remove. the. bin.") == [
        "I said REMOVE the bin, not blur it"
    ]


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("stronger colours please, to me it all looks the same grey", "adjust", {"adjust.saturation": 1.25}),
        (
            "everything looks soft and fuzzy to me, could the edges be crisper?",
            "adjust",
            {"adjust.sharpness": 2.0},
        ),
        (
            "can you draw a thick white outline round the skater",
            "instruct",
            {"instruct.prompt": "~white outline"},
        ),
        (
            "that yellow car is so bright its painful, can you tone it down a bit",
            f"{DS} adjust",
            {"adjust.brightness": 0.9},
        ),
        (
            "the car is so red, tone it down",
            f"{DS} adjust",
            {"detect.labels": ["car"], "adjust.saturation": 0.9},
        ),
    ],
)
def test_what_someone_who_sees_badly_asks_for_is_read(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)


def test_a_follow_up_said_short_or_sorry_is_read() -> None:
    less = table.PLANNER.plan("hmm bit less", table.VIEWS["edited"]())
    assert [s.tool for s in less.steps] == ["inpaint"] and less.steps[0].args["strength"] < 1
    other = table.PLANNER.plan("no sorry, the other one. the bin", table.VIEWS["removed"]())
    assert [s.tool for s in other.steps][-1] == "remove" and other.steps[-1].args.get("object") == "bin"


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        (
            "could you invert the colours? like dark mode, its easier on my eyes",
            "adjust",
            {"adjust.negative": True},
        ),
        ("make it a negative", "adjust", {"adjust.negative": True}),
        ("brighter and invert the colours", "adjust", {"adjust.brightness": 1.25, "adjust.negative": True}),
    ],
)
def test_the_colours_inverted_is_a_negative(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)


def test_invert_it_after_a_mask_is_still_the_mask() -> None:
    assert all(
        not s.args.get("negative") for s in table.PLANNER.plan("invert it", table.VIEWS["segmented"]()).steps
    )


def _black_and_white() -> WorkspaceView:
    """image-2 made by black and white on the whole of image-1."""
    view = table.uploaded()
    view.artifacts.append(table._artifact("image-2", ["image-1"], "adjust"))
    edit = EditView("adjust", {"image": "image-1", "black_and_white": True}, "image-1", ["image-2"])
    view.current_image, view.last_edit = "image-2", edit
    return view


@pytest.mark.parametrize("message", ["keep the car yellow though", "but leave the car in colour please"])
def test_a_thing_kept_in_colour_after_black_and_white_is_the_look_again_on_all_but_it(message) -> None:
    turn = table.PLANNER.begin(message, _black_and_white())
    assert turn.read_as == "undo that, then make it black and white except the car"


def test_keep_said_after_another_edit_is_no_colour_kept() -> None:
    assert not table.PLANNER.begin("keep the car yellow though", table.VIEWS["edited"]()).read_as
