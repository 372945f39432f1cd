"""The offline planner reads the eleventh blind set's voices: a shop's listing photos
("1080x1080 for insta", "blur the backgorund so all the focus is on the coffee + croissant"),
British English ("bin the bike", "get shot of the lamp post", "give us a proper blue summer
sky"), very polite questions ("Is there any way you could ...", "could it be turned into
black and white?"), negatives and constraints ("black and white everything but the dog",
"without changing the colours"), and numbers with their units ("20% brighter", "two stops",
"crop 100px off the left", "tilted ~1.5° counterclockwise"). Rows as in `test_offline_planner`;
the sample photo is 512 x 384."""

from __future__ import annotations

import pytest
import test_offline_planner as table
import test_voices  # noqa: F401  (its views: "selected")

from pixelsmith.agent.normalise import normalise
from pixelsmith.tools import default_tools

ADJ, DSA, DSR = "adjust", "detect segment adjust", "detect segment remove"
BACKDROP = "detect segment refine_mask inpaint"

ROWS = [
    # a shop's listing photos
    # a square of a landscape photo: cropped, never stretched
    ("1080x1080 for insta", "upload", "crop resize",
     {"crop.aspect": "1:1", "resize.image": "$1", "resize.width": 1080}),
    ("make it 1920x1080", "upload", "crop resize", {"crop.aspect": "16:9"}),
    ("resize it to 1024x768", "upload", "resize", {"resize.height": 768}),  # the photo's own shape: no crop
    ("make it 16x10", "upload", "outpaint", {"outpaint.aspect": "16:10"}),  # a shape, not a size
    ("blur the backgorund so all the focus is on the coffee + croissant", "upload", DSA,
     {"detect.labels": ["coffee", "croissant"], "adjust.invert": True}),
    ("blur the backgorund so all the focus is on the cat, 20 steps", "upload", DSA,  # a setting after it
     {"detect.labels": ["cat"]}),
    ("Need a pure white background behind the coffee cup for my Etsy listing, nothing else in the shot",
     "upload", BACKDROP, {"detect.labels": ["coffee cup"], "inpaint.prompt": "a pure white background"}),
    ("make the croissant pop more its looking a bit flat and sad", "upload", DSA,
     {"detect.labels": ["croissant"], "adjust.saturation": 1.25}),
    ("crop to 4:5 portrait thats what does best on the feed", "upload", "crop", {"crop.aspect": "4:5"}),
    ("add a subtle vignette", "upload", ADJ, {"adjust.vignette": 0.28}),
    # British English
    ("bin the bike, it's cluttering things up", "upload", DSR, {"detect.labels": ["bike"]}),
    ("get shot of the lamp post behind him, it looks like it's growing out of his head", "upload", DSR,
     {"detect.labels": ["lamp post"]}),
    ("bin this", "selected", "remove", {"remove.mask": "mask-1"}),
    ("The sky's a bit grey and miserable, give us a proper blue summer sky", "upload",
     "detect segment inpaint", {"detect.labels": ["sky"], "inpaint.prompt": "a proper blue summer sky"}),
    ("crop it so the dog's in the centre, a tad tighter", "upload", "detect crop",
     {"detect.labels": ["dog"]}),
    ("sort out the wonky horizon would you, it leans about 2 degrees to the right", "upload", "rotate",
     {"rotate.degrees": -2.0, "rotate.straighten": True}),
    ("give it a sepia tint, like an old seaside postcard", "upload", ADJ, {"adjust.sepia": True}),
    ("flip it round so he's facing the other way, ta", "upload", "flip", {}),
    ("stick him and the dog somewhere a bit more exciting, Trafalgar Square maybe", "upload", BACKDROP,
     {"detect.labels": ["person", "dog"], "inpaint.prompt": "~trafalgar square"}),
    ("it's a bit dark", "upload", ADJ, {"adjust.brightness": 1.1}),  # hedged, of the photo: a complaint
    ("the cat is a bit blue", "upload", "", {}),  # of a thing, no "too": a description
    # very polite
    ("Is there any way you could remove the dog? He wasn't meant to be in the shot.", "upload", DSR,
     {"detect.labels": ["dog"]}),
    ("Would it be possible to make the photo slightly brighter? Only if it's no trouble.", "upload", ADJ,
     {"adjust.brightness": 1.1}),
    ("I was wondering if you might be able to blur the background a little, so that the man stands out "
     "more?", "upload", DSA, {"detect.labels": ["man"], "adjust.blur": 5.0}),
    ("I hope this isn't a silly question, but could it be turned into black and white?", "upload", ADJ,
     {"adjust.black_and_white": True}),
    ("Would it at all be possible to make the image larger without it going blurry? I'd like to get it "
     "printed for my mum.", "upload", "upscale", {}),
    ("Could I possibly ask you to add a small vase of flowers next to the cup?", "upload",
     "detect segment place inpaint", {"place.relation": "next to"}),
    ("Is it possible to make the picture wider on both sides, perhaps 16:9? I'd like to use it as a desktop "
     "wallpaper and it gets cut off at the moment.", "upload", "outpaint", {"outpaint.aspect": "16:9"}),
    ("Is there any way to correct the perspective so the buildings in the back aren't leaning inwards? "
     "I'd be ever so grateful.", "upload", "perspective", {"perspective.vertical": 0.3}),
    ("I was wondering whether it could be made to look like it's snowing?", "upload", "instruct",
     {"instruct.prompt": "~snow"}),
    # negatives and constraints
    ("black and white everything but the dog", "upload", DSA,
     {"detect.labels": ["dog"], "adjust.black_and_white": True, "adjust.invert": True}),
    ("sharpen it a bit without changing the colours", "upload", ADJ, {"adjust.sharpness": 1.4}),
    ("only the sky should change - make it a sunset, nothing else", "upload", "detect segment inpaint",
     {"detect.labels": ["sky"], "inpaint.prompt": "a sunset"}),
    ("I don't want any background at all, just the man and his dog", "upload", "detect segment cutout",
     {"detect.labels": ["man", "dog"]}),
    ("blur the background with about a 12px radius, keep the man sharp", "upload", DSA,
     {"detect.labels": ["man"], "adjust.blur": 12.0}),
    # numbers and units
    ("20% brighter", "upload", ADJ, {"adjust.brightness": 1.2}),
    ("warmth +30% and 10% more contrast", "upload", ADJ, {"adjust.warmth": 0.6, "adjust.contrast": 1.1}),
    ("two stops brighter pls its underexposed", "upload", ADJ, {"adjust.brightness": 1.5}),
    ("darker by half a stop", "upload", ADJ, {"adjust.brightness": 0.9}),
    ("half size", "upload", "resize", {"resize.scale": 0.5}),
    ("crop 100px off the left", "upload", "crop", {"crop.box": [100, 0, 512, 384]}),
    ("trim 50 pixels from the bottom", "upload", "crop", {"crop.box": [0, 0, 512, 334]}),
    ("3x bigger please, use the upscaler", "upload", "upscale", {"upscale.scale": 3}),
    ("its tilted ~1.5° counterclockwise, straighten it", "upload", "rotate",
     {"rotate.degrees": 1.5, "rotate.straighten": True}),
    ("add 200px of extra scene on the left and right", "upload", "outpaint",
     {"outpaint.left": 200, "outpaint.right": 200, "outpaint.top": table.ABSENT}),
    ("add 200px to the top", "upload", "outpaint", {"outpaint.top": 200}),
    # follow-ups
    ("hmm more of a deep burgundy", "edited", "inpaint",
     {"inpaint.prompt": "a realistic deep burgundy dragon"}),
]  # fmt: skip


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[f"{r[1]}-{r[0]}" for r in ROWS])
def test_asked_in_these_voices(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


@pytest.mark.parametrize("message", [r[0] for r in ROWS if r[1] == "upload" and r[2]])
def test_the_plans_validate(message) -> None:
    table.test_plans_validate(message, "upload", default_tools())


def test_too_many_pixels_off_a_side_is_one_sentence_that_says_how_many_fit() -> None:
    plan = table.PLANNER.plan("crop 600px off the left", table.uploaded())
    assert not plan.steps and plan.reply == (
        "image-1 is 512x384 px: cutting 600 px off the left leaves nothing: say fewer than 512 px."
    )


@pytest.mark.parametrize(
    ("said", "text"),
    [
        ("could it be turned into black and white", "turn it into black and white"),
        ("it could be made to look like it's snowing", "make it look like it's snowing"),
        ("could the photo be cropped to a square", "crop the photo to a square"),
        ("could the floor be concrete", "make the floor concrete"),  # a wish, as before
        ("is there a dog", "is there a dog"),  # a question about the photo keeps its words
        ("is there any way you could remove the dog", "remove the dog"),
    ],
)
def test_a_request_asked_in_the_passive_or_very_politely_is_the_request(said, text) -> None:
    assert normalise(said).text == text
