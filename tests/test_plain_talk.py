"""The offline planner reads photo operations said in other words (`rules_talk`): complaints
("it's too dark"), wishes ("make it pop", "a png of just the cat"), exceptions ("black and
white except the cat") and sides ("crop off the left 10%"). Rows as in `test_offline_planner`;
the "uploaded" photo is 512x384."""

from __future__ import annotations

import pytest
import test_offline_planner as table

from pixelsmith.agent.rules_parts import split
from pixelsmith.tools import default_tools

ADJ, DSA, DSC, DSI = "adjust", "detect segment adjust", "detect segment cutout", "detect segment inpaint"

ROWS = [
    # complaints
    ("it's too dark", "upload", ADJ, {"adjust.brightness": 1.25, "adjust.mask": table.ABSENT}),
    ("the photo is way too bright", "upload", ADJ, {"adjust.brightness": 0.5}),
    ("this looks a bit washed out", "upload", ADJ, {"adjust.saturation": 1.1}),
    ("it's too yellow", "upload", ADJ, {"adjust.warmth": -0.5}),
    ("too much contrast", "upload", ADJ, {"adjust.contrast": 0.75}),
    ("there's not enough colour", "upload", ADJ, {"adjust.saturation": 1.25}),
    ("the colours look dull", "upload", ADJ, {"adjust.saturation": 1.25}),
    ("it looks blurry", "upload", "upscale", {"upscale.keep_size": True}),
    ("the sky is too dark", "upload", DSA, {"detect.labels": ["sky"], "adjust.brightness": 1.25}),
    ("it's too dark, seed 3", "upload", ADJ, {"adjust.brightness": 1.25}),
    # descriptions are not complaints: no "too", no change asked for
    ("the cat is blue", "upload", "", {"reply": "did not understand"}),
    ("it's too dark", "none", "", {"reply": "no image"}),
    # wishes in other words
    ("make it pop", "upload", ADJ, {"adjust.contrast": 1.15, "adjust.saturation": 1.2}),
    ("make it pop a lot", "upload", ADJ, {"adjust.contrast": 1.3, "adjust.saturation": 1.4}),
    ("cartoonify it", "upload", "restyle", {"restyle.prompt": "~cartoon"}),
    ("make it look like it was shot on film", "upload", "restyle", {"restyle.prompt": "~film photo"}),
    ("make it look retro", "upload", "restyle", {"restyle.prompt": "~vintage"}),
    ("make it high resolution", "upload", "upscale", {"upscale.scale": 2}),
    ("enlarge it to 4k", "upload", "upscale", {"upscale.scale": 4.0}),  # 512 px: 4x is the most
    ("upscale it to full hd", "upload", "upscale", {"upscale.scale": 3.75}),  # 512 -> 1920
    ("give me a png of just the cat", "upload", DSC, {"detect.labels": ["cat"], "cutout.mask": "$2"}),
    ("isolate the dog", "upload", DSC, {"detect.labels": ["dog"]}),
    ("remove everything except the cat", "upload", DSC, {"detect.labels": ["cat"]}),
    ("remove background", "upload", DSC, {"segment.which": "largest"}),
    ("transparent background please", "upload", DSC, {"segment.which": "largest"}),
    ("put a lion where the cat is", "upload", DSI, {"detect.labels": ["cat"], "inpaint.prompt": "a lion"}),
    ("instead of the cat put a teddy bear", "upload", DSI, {"inpaint.prompt": "a teddy bear"}),
    ("make it smaller for email", "upload", "resize", {"resize.scale": 0.5}),
    ("shrink it to half", "upload", "resize", {"resize.scale": 0.5}),
    ("make a square version", "upload", "crop", {"crop.aspect": "1:1"}),
    ("make it square by extending", "upload", "outpaint", {"outpaint.aspect": "1:1"}),
    ("widen the picture", "upload", "outpaint", {"outpaint.left": 128, "outpaint.right": 128}),
    ("rotate it slightly to the left", "upload", "rotate", {"rotate.degrees": -5.0}),
    ("extend the top", "upload", "outpaint", {"outpaint.top": 96}),
    ("make it a portrait 9:16", "upload", "outpaint", {"outpaint.aspect": "9:16"}),
    # everything but an object
    ("black and white except the cat", "upload", DSA,
     {"detect.labels": ["cat"], "adjust.black_and_white": True, "adjust.mask": "$2", "adjust.invert": True}),
    ("desaturate everything except the cat", "upload", DSA,
     {"adjust.saturation": 0.0, "adjust.invert": True}),
    ("keep the cat in colour and make the rest black and white", "upload", DSA,
     {"detect.labels": ["cat"], "adjust.black_and_white": True, "adjust.invert": True}),
    ("blur everything behind the dog", "upload", DSA, {"detect.labels": ["dog"], "adjust.blur": 8.0}),
    ("make the colours look less dull and a bit warmer but keep the cat exactly as it is", "upload", DSA,
     {"detect.labels": ["cat"], "adjust.saturation": 1.25, "adjust.warmth": 0.2, "adjust.invert": True}),
    # a tone on the background is outside the main subject; a look given; a plain backdrop
    ("make the background black and white", "upload", DSA,
     {"segment.which": "largest", "adjust.black_and_white": True, "adjust.invert": True}),
    ("could you make the background black and white but leave the cat in colour?", "upload", DSA,
     {"detect.labels": ["cat"], "adjust.black_and_white": True, "adjust.invert": True}),
    ("make the background plain white, like a product shot", "upload", "detect segment refine_mask inpaint",
     {"refine_mask.invert": True, "inpaint.prompt": "~plain white"}),
    ("give it a comic book look", "upload", "restyle", {"restyle.prompt": "~comic book"}),
    ("give it an old sepia look", "upload", ADJ, {"adjust.sepia": True}),
    ("give it that creamy bokeh background look", "upload", DSA, {"adjust.blur": 8.0, "adjust.invert": True}),
    ("make it a grey rainy day", "upload", "instruct", {"instruct.prompt": "~grey rainy day"}),
    ("make it feel like early morning with soft fog", "upload", "instruct",
     {"instruct.prompt": "~early morning"}),
    ("put a fox where the cat is sitting", "upload", DSI,
     {"detect.labels": ["cat"], "inpaint.prompt": "a fox"}),
    ("is there a dog anywhere in here?", "upload", "detect", {"detect.labels": ["dog"]}),
    ("warm up the colours", "upload", ADJ, {"adjust.warmth": 0.5}),
    ("can u add a butterfly just above the cat", "upload", "detect segment place inpaint",
     {"place.relation": "above", "place.object": "a butterfly"}),
    ("turn what's left into a watercolour", "upload", "restyle", {"restyle.prompt": "~watercolour"}),
    # chattier: a thing pointed at then "it", bigger by a factor, a style's vibe
    ("there's a charger cable on the floor, can you erase it", "upload", "detect segment remove",
     {"detect.labels": ["charger cable"]}),
    ("ugh my coffee mug is in the shot, delete it", "upload", "detect segment remove",
     {"detect.labels": ["coffee mug"]}),
    ("make it 4x bigger without it going all pixelated", "upload", "upscale", {"upscale.scale": 4}),
    ("make it twice as big", "upload", "upscale", {"upscale.scale": 2}),
    ("i need just the cat as a png sticker, no background", "upload", DSC, {"detect.labels": ["cat"]}),
    ("ghibli vibes pls", "upload", "restyle", {"restyle.prompt": "~ghibli"}),
    ("i'd love this as a stained glass window", "upload", "restyle", {"restyle.prompt": "~stained glass"}),
    ("put a ball of yarn next to her", "upload", "detect segment place inpaint",
     {"segment.which": "largest", "place.relation": "next to", "place.object": "a ball of yarn"}),
    ("put some red lipstick on her", "upload", "instruct", {}),  # worn: not placed
    ("bump the contrast a little", "upload", ADJ, {"adjust.contrast": 1.1}),
    ("need more floor at the bottom", "upload", "outpaint", {"outpaint.bottom": 96}),
    # one side off
    ("crop off the left 10%", "upload", "crop", {"crop.box": [51, 0, 512, 384]}),
    ("crop out the right half", "upload", "crop", {"crop.box": [0, 0, 256, 384]}),
    ("trim the top a bit", "upload", "crop", {"crop.box": [0, 38, 512, 384]}),
    ("crop out the bottom", "upload", "crop", {"crop.box": [0, 0, 512, 288]}),  # a quarter
]  # fmt: skip


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[f"{r[1]}-{r[0]}" for r in ROWS])
def test_said_in_other_words(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


@pytest.mark.parametrize("message", [r[0] for r in ROWS if r[2]])
def test_the_plans_validate(message) -> None:
    table.test_plans_validate(message, "upload", default_tools())


def test_a_crooked_horizon_is_asked_back_in_one_sentence() -> None:
    """The rules cannot see how far it leans: they ask for the angle, not a guess."""
    plan, _ = table._plan("straighten the horizon", "upload")
    assert not plan.steps
    assert plan.reply.startswith("I cannot tell how far the photo leans") and "\n" not in plan.reply


def test_a_photo_already_past_the_size_asked_for_says_so() -> None:
    view = table.uploaded()
    view.artifacts[0].size = (4000, 3000)
    plan = table.PLANNER.plan("upscale it to 4k", view)
    assert not plan.steps
    assert plan.reply == (
        "image-1 is already 4000 px on its long side, 4k or more; "
        "say 'upscale it 2x' to make it bigger still."
    )


def test_a_prompt_made_from_a_very_long_message_is_refused_with_its_length() -> None:
    """A 2,000-character message the rules read as one prompt: the plan is refused before
    anything runs, in one sentence that says how long it is and what to do."""
    from pixelsmith.errors import ToolInputError

    with pytest.raises(ToolInputError) as err:
        default_tools().get("inpaint").validate({"image": "image-1", "mask": "mask-1", "prompt": "a" * 1474})
    assert str(err.value) == "inpaint: prompt is 1474 characters, over the limit of 1000; shorten it"


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("cut out the cat and make it 512 pixels wide", ["cut out the cat", "make it 512 pixels wide"]),
        ("it's too dark and crop it to a square", ["it's too dark", "crop it to a square"]),
        ("make the background black and white but leave the cat in colour",
         ["make the background black and white but leave the cat in colour"]),
        ("blur the background and warm up the colours", ["blur the background", "warm up the colours"]),
        ("cut the cat out and make it twice as big", ["cut the cat out", "make it twice as big"]),
    ],
)  # fmt: skip
def test_parts_said_in_other_words(message, parts) -> None:
    assert split(message) == parts


@pytest.mark.parametrize(
    ("message", "tool", "args"),
    [
        ("get rid of whatever this is", "remove", {"mask": "mask-1"}),
        ("brighten just this bit", "adjust", {"mask": "mask-1", "brightness": 1.25}),
        ("blur this strip along the bottom", "adjust", {"mask": "mask-1", "blur": 3.0}),
        ("crop to just this part", "crop", {"around": "mask-1"}),
    ],
)
def test_this_bit_is_the_selection(message, tool, args) -> None:
    """With a selection on the photo, "this bit", "whatever this is" name it."""
    view = table.uploaded()
    view.artifacts.append(table._artifact("mask-1", ["image-1"], "brush", size=(512, 384)))
    view.selection = "mask-1"
    plan = table.PLANNER.plan(message, view)
    assert [s.tool for s in plan.steps] == [tool], plan.reply
    assert plan.steps[0].args == {"image": "image-1", **args}
