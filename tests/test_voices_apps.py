"""The offline planner reads the voices of the fourteenth blind set: other editors' words
("content-aware fill the bucket out", "magic wand the sky", "the Clarendon filter"), a mood
("can it feel calmer somehow", "dreamy + soft"), amounts said relatively ("half as saturated",
"bump exposure up 2 stops", "the sky a few shades darker"), a list of edits ("1) … 2) …",
"(a) … (b) …", "- … - …", "a / b / c"), loose words ("resize it to a square", "mirror it
upside down", "inpiant the bucket"), and a follow-up that changes its mind ("no wait, square
instead" after a crop). The sample photo is 512 x 384."""

from __future__ import annotations

import pytest
import test_offline_planner as table
from test_everyday_wording import _selected

from pixelsmith.agent.rules_lists import items
from pixelsmith.agent.rules_parts import split
from pixelsmith.views import EditView, WorkspaceView

DS, DSI, DSR, DSA = (
    "detect segment",
    "detect segment inpaint",
    "detect segment remove",
    "detect segment adjust",
)
MAIN = ["person", "dog", "cat", "animal", "car", "bird", "horse", "flower", "building", "child"]


def _cropped() -> WorkspaceView:
    """image-2 made by a 16:9 crop of image-1."""
    view = table.uploaded()
    args = {"image": "image-1", "aspect": "16:9"}
    view.artifacts.append(table._artifact("image-2", ["image-1"], "crop"))
    view.current_image, view.last_edit = "image-2", EditView("crop", args, "image-1", ["image-2"])
    return view


table.VIEWS.update(selected=_selected, cropped=_cropped)


ROWS = [
    # other editors' words
    ("Content-aware fill the red bucket out of the boat", "upload", DSR, {"detect.labels": ["red bucket"]}),
    (
        "can you clone stamp out that jetty on the left? it's distracting",
        "upload",
        DSR,
        {"detect.labels": ["jetty"], "segment.which": "left"},
    ),
    (
        "Use the healing brush on the little white specks in the sky (dust on my lens I think)",
        "upload",
        DSR,
        {"detect.labels": ["little white speck in the sky"]},
    ),
    ("select subject -> remove bg", "upload", "detect segment cutout", {"detect.labels": MAIN}),
    (
        "lightroom post-crop vignette, amount around -30, midpoint default",
        "upload",
        "adjust",
        {"adjust.vignette": 0.3},
    ),
    (
        "put the Clarendon filter on it like on insta",
        "upload",
        "adjust",
        {"adjust.contrast": 1.25, "adjust.saturation": 1.25},
    ),
    (
        "Generative fill: a grey heron standing on the end of the jetty",
        "upload",
        "detect segment place inpaint",
        {"detect.labels": ["jetty"], "place.relation": "on"},
    ),
    (
        "generative expand the canvas out to 16:9, I need more lake on both sides",
        "upload",
        "outpaint",
        {"outpaint.aspect": "16:9"},
    ),
    (
        "portrait mode / lens blur on everything behind the boat",
        "upload",
        DSA,
        {"detect.labels": ["boat"], "adjust.invert": True},
    ),
    ("blur the background behind me like portrait mode on a phone", "upload", DSA, {"adjust.invert": True}),
    ("Hit Auto Tone like in Lightroom", "upload", "adjust", {"adjust.auto_levels": True}),
    (
        "magic edit (the canva thing) - swap the bucket for a wicker basket",
        "upload",
        DSI,
        {"inpaint.prompt": "~wicker basket"},
    ),
    (
        "photoshop a fishing hat onto him",
        "upload",
        "detect segment place inpaint",
        {"place.object": "a fishing hat"},
    ),
    (
        "straighten tool pls, the whole shot leans about 2° to the right",
        "upload",
        "rotate",
        {"rotate.degrees": -2.0, "rotate.straighten": True},
    ),
    # moods
    ("More dramatic!!", "upload", "adjust", {"adjust.contrast": 1.25}),
    (
        "can it feel calmer somehow? everything's a bit harsh and busy",
        "upload",
        "adjust",
        {"adjust.contrast": 0.75, "adjust.saturation": 0.75},
    ),
    (
        "less gloomy please, it's my grandad and he looks so sad in this one",
        "upload",
        "adjust",
        {"adjust.brightness": 1.25, "adjust.warmth": 0.5},
    ),
    ("I want it to feel lonelier. more melancholy, quiet", "upload", "adjust", {"adjust.warmth": -0.5}),
    (
        "it looks kind of flat and dull to me, can it feel crisp and fresh",
        "upload",
        "adjust",
        {"adjust.sharpness": 2.0, "adjust.contrast": 1.25},
    ),
    ("dreamy + soft", "upload", "instruct", {"instruct.prompt": "~dreamy and soft"}),
    (
        "like an early summer morning, first light on the water",
        "upload",
        "instruct",
        {"instruct.prompt": "~summer"},
    ),
    ("give it that warm golden hour glow", "upload", "instruct", {"instruct.prompt": "~golden hour"}),
    ("moodier sky", "upload", DSA, {"detect.labels": ["sky"], "adjust.brightness": 0.75}),
    ("warmer tones pls", "upload", "adjust", {"adjust.warmth": 0.5}),  # the tones: no thing to find
    # amounts
    ("half as saturated", "upload", "adjust", {"adjust.saturation": 0.5}),
    ("set the contrast to 80%", "upload", "adjust", {"adjust.contrast": 0.8}),
    ("bump exposure up 2 stops", "upload", "adjust", {"adjust.brightness": 1.5}),
    ("just a tiny bit warmer, barely noticeable", "upload", "adjust", {"adjust.warmth": 0.2}),
    ("the sky a few shades darker pls", "upload", DSA, {"detect.labels": ["sky"], "adjust.brightness": 0.9}),
    (
        "the bucket's a bit too red, tone it down a little",
        "upload",
        DSA,
        {"detect.labels": ["bucket"], "adjust.saturation": 0.9},
    ),
    ("blur the background loads, like really heavily", "upload", DSA, {"adjust.blur": 14.0}),
    ("3x the resolution please", "upload", "upscale", {"upscale.scale": 3}),
    ("Sharpen it slightly more than it is now. not a lot", "upload", "adjust", {"adjust.sharpness": 1.4}),
    ("crop in a little tighter on the boat", "upload", "detect crop", {"detect.labels": ["boat"]}),
    (
        "sharper / brighter / warmer",
        "upload",
        "adjust",
        {"adjust.sharpness": 2.0, "adjust.brightness": 1.25, "adjust.warmth": 0.5},
    ),
    # loose words
    ("filter it black and white", "upload", "adjust", {"adjust.black_and_white": True}),
    (
        "cut the sky off, I only want the lake and the boat",
        "upload",
        "detect crop",
        {"detect.labels": ["lake", "boat"]},
    ),
    (
        "erase the background and make it white",
        "upload",
        "detect segment refine_mask inpaint",
        {"inpaint.prompt": "~white"},
    ),
    ("can you fix the picture", "upload", "adjust", {"adjust.auto_levels": True}),
    ("resize it to a square", "upload", "crop", {"crop.aspect": "1:1"}),
    ("outpant it to 16:9", "upload", "outpaint", {"outpaint.aspect": "16:9"}),
    ("inpiant the bucket so its a cooler box instead", "upload", DSI, {"inpaint.prompt": "a cooler box"}),
    ("crop the jetty out of it", "upload", DSR, {"detect.labels": ["jetty"]}),
    ("mirror it upside down", "upload", "flip", {"flip.direction": "vertical"}),
    ("colour in the bucket green", "upload", DSI, {"detect.labels": ["bucket"]}),
    ("blurr the backround behind the boat", "upload", DSA, {"adjust.invert": True}),
    ("straighten it (tilts a bit to the left, ~1.5 deg)", "upload", "rotate", {"rotate.degrees": 1.5}),
    ("little less saturation overall", "upload", "adjust", {"adjust.saturation": 0.9}),  # a list's item
    ("now add a bit more contrast", "upload", "adjust", {"adjust.contrast": 1.1}),
    ("then add a dark frame-like vignette", "upload", "adjust", {"adjust.vignette": 0.68}),
    # follow-ups
    ("hmm, darker green", "edited", "inpaint", {"inpaint.prompt": "~dark green"}),
    ("make him a bit brighter", "selected", "adjust", {"adjust.mask": "mask-1", "adjust.brightness": 1.1}),
]


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[r[0][:50] for r in ROWS])
def test_said_this_way(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


LISTS = [
    (
        "1) remove the bucket 2) a bit warmer 3) crop to 4:5",
        ["remove the bucket", "a bit warmer", "crop to 4:5"],
    ),
    (
        "1) replace the sky with a sunset 2) extend the lake at the bottom 3) upscale 4x",
        ["replace the sky with a sunset", "extend the lake at the bottom", "upscale 4x"],
    ),
    (
        "Please: (a) take out the jetty (b) remove the fishing rod (c) mirror it",
        ["take out the jetty", "remove the fishing rod", "mirror it"],
    ),
    (
        "- straighten it (tilts left, 1.5 deg) - then black and white - upscale 2x",
        ["straighten it (tilts left, 1.5 deg)", "then black and white", "upscale 2x"],
    ),
    (
        "ok so a few things: 1 get rid of the red bucket, 2 the collar should be red, 3 crop to square",
        ["get rid of the red bucket", "the collar should be red", "crop to square"],
    ),
    ("1. bucket → blue 2. boat → dark green 3. rod → leave it", ["bucket → blue", "boat → dark green"]),
    (
        "remove the jetty / make the sky stormy / square crop",
        ["remove the jetty", "make the sky stormy", "square crop"],
    ),
    (
        "a few things: 1 half as saturated (dust on my lens) 2 outpant it to 16:9 / 3 liquify the cat",
        ["half as saturated (dust on my lens)", "outpant it to 16:9", "liquify the cat"],
    ),
]


@pytest.mark.parametrize(("message", "parts"), LISTS, ids=[r[0][:40] for r in LISTS])
def test_each_item_of_a_list_is_a_part_even_one_the_rules_cannot_read(message, parts) -> None:
    assert split(message) == parts


@pytest.mark.parametrize(
    "message",
    [
        "rotate it 90 then crop 1. edge",
        "make it 1.5x brighter",
        "crop to 4:5, 2 copies please",
        "sharpen (a bit)",
    ],
)
def test_numbers_and_brackets_in_a_request_are_no_list(message) -> None:
    assert items(message) is None


def test_a_list_item_the_rules_cannot_read_is_said_not_swallowed() -> None:
    workspace = table.VIEWS["upload"]()
    turn = table.PLANNER.begin(
        "1) replace the sky with a sunset 2) levitate the boat 3) upscale 4x", workspace
    )
    first = turn.next([], workspace)
    assert first.steps[-1].args["prompt"] == "a sunset"  # not "a sunset, levitate the boat"
    second = turn.next([], workspace)
    assert not second.steps and second.reply.startswith(
        "Part 2 of 3 (“levitate the boat”): I did not understand"
    )


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("no wait, square instead", ["undo that", "crop it to square"]),
        ("square instead", ["undo that", "crop it to square"]),
        ("no, 4:5", ["undo that", "crop it to 4:5"]),
        ("make it square instead", ["make it square instead"]),  # the follow-up rules' own reading
        ("no, go back to how it was", ["no, go back to how it was"]),
    ],
)
def test_a_follow_up_that_changes_its_mind_undoes_the_crop_first(message, parts) -> None:
    assert table.PLANNER.begin(message, _cropped()).parts == parts


def test_a_bare_number_is_no_aspect_ratio() -> None:
    plan = table.PLANNER.plan("180", table.VIEWS["upload"]())
    assert not plan.steps and "did not understand" in plan.reply  # not outpaint to "18:0"


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("crop it square, slightly", "crop", {"crop.aspect": "1:1"}),  # no amount a crop takes
        ("blur the cat, slightly", DSA, {"adjust.blur": 6.4}),
        ("brighten it, a lot", "adjust", {"adjust.brightness": 1.5}),
    ],
)
def test_an_amount_said_after_goes_only_to_a_request_that_takes_one(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("make the dog brown a little", DSI, {"detect.labels": ["dog"], "inpaint.prompt": "a brown dog"}),
        (
            "make the dog a little more brown",
            DSI,
            {"detect.labels": ["dog"], "inpaint.prompt": "a brown dog"},
        ),
        ("make it brighter a little", "adjust", {"adjust.brightness": 1.1}),
        ("make the photo warmer a bit", "adjust", {"adjust.warmth": 0.2}),
        ("make it sharper slightly", "adjust", {"adjust.sharpness": 1.4}),
        ("make it a bit clearer", "adjust", {"adjust.sharpness": 1.4}),
        ("make it sharper", "upscale", {"upscale.keep_size": True}),  # detail restored, not a little
    ],
)
def test_an_amount_said_without_a_comma_is_not_part_of_the_name(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("make the sky more dramatic", DSA, {"detect.labels": ["sky"], "adjust.contrast": 1.25}),
        ("a more dramatic sky", DSA, {"detect.labels": ["sky"], "adjust.contrast": 1.25}),
        ("replace the sky with a more dramatic one", DSI, {"inpaint.prompt": "a more dramatic sky"}),
        ("swap the shoes for some nicer ones", DSI, {"inpaint.prompt": "some nicer shoes"}),
    ],
)
def test_a_thing_made_more_dramatic_is_toned_and_one_names_it_again(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)
