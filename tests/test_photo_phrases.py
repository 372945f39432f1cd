"""Issue 24: the offline planner's table for the everyday photo operations: tones (whole
photo or a part), black and white, crop, rotate, flip, resize, upscale, cut-outs and placing
a new object. The rows use the views and checks of `test_offline_planner`."""

from __future__ import annotations

import pytest
import test_offline_planner as table

from pixelsmith.agent.rules_parts import split

ADJ, DSA, DSC, DSPI = (
    "adjust",
    "detect segment adjust",
    "detect segment cutout",
    "detect segment place inpaint",
)

ROWS = [
    # tones on the whole photo
    ("make it brighter", "upload", ADJ, 
     {"adjust.brightness": 1.25, "adjust.image": "image-1", "adjust.mask": table.ABSENT}),
    ("make the photo a little darker", "upload", ADJ, {"adjust.brightness": 0.9}),
    ("brighten it a lot", "upload", ADJ, {"adjust.brightness": 1.5}),
    ("darker by 30%", "upload", ADJ, {"adjust.brightness": 0.7}),
    ("increase the contrast a little", "upload", ADJ, {"adjust.contrast": 1.1}),
    ("lower the saturation", "upload", ADJ, {"adjust.saturation": 0.75}),
    ("more vivid", "upload", ADJ, {"adjust.saturation": 1.25}),
    ("desaturate it", "upload", ADJ, {"adjust.saturation": 0.75}),
    ("make it warmer", "upload", ADJ, {"adjust.warmth": 0.5}),
    ("make it slightly cooler", "upload", ADJ, {"adjust.warmth": -0.2}),
    ("make it black and white", "upload", ADJ, {"adjust.black_and_white": True}),
    ("convert the photo to black & white", "upload", ADJ, {"adjust.black_and_white": True}),
    ("grayscale", "upload", ADJ, {"adjust.black_and_white": True}),
    ("make it sepia", "upload", ADJ, {"adjust.sepia": True}),
    ("auto levels", "upload", ADJ, {"adjust.auto_levels": True}),
    ("add a vignette", "upload", ADJ, {"adjust.vignette": 0.4}),
    ("add a subtle vignette to it", "upload", ADJ, {"adjust.vignette": 0.28}),
    ("darken the corners", "upload", ADJ, {"adjust.vignette": 0.4}),
    ("brighter and a heavy vignette", "upload", ADJ, {"adjust.brightness": 1.25, "adjust.vignette": 0.68}),
    ("fix the exposure", "upload", ADJ, {"adjust.auto_levels": True}),
    ("sharpen it", "upload", ADJ, {"adjust.sharpness": 2.0}),
    ("blur the whole image", "upload", ADJ, {"adjust.blur": 3.0}),
    ("make it brighter, seed 3", "upload", ADJ, {"adjust.brightness": 1.25, "adjust.seed": table.ABSENT}),
    # tones on a part, or outside the subject
    ("make the sky brighter", "upload", DSA,
     {"detect.labels": ["sky"], "adjust.mask": "$2", "adjust.brightness": 1.25}),
    ("blur the background", "upload", DSA,
     {"segment.which": "largest", "adjust.invert": True, "adjust.blur": 8.0}),
    ("blur the background", "segmented", DSA, {"detect.labels": ["cat"]}),
    ("portrait mode", "upload", DSA, {"adjust.invert": True}),
    # geometry
    ("crop to square", "upload", "crop", {"crop.aspect": "1:1"}),
    ("crop it to 4:5", "upload", "crop", {"crop.aspect": "4:5"}),
    ("crop the photo to 16 by 9", "upload", "crop", {"crop.aspect": "16:9"}),
    ("crop to the dog", "upload", "detect crop", {"detect.labels": ["dog"], "crop.around": "$1"}),
    ("rotate 90 degrees", "upload", "rotate", {"rotate.degrees": 90.0}),
    ("rotate it left", "upload", "rotate", {"rotate.degrees": -90.0}),
    ("rotate the picture 15 degrees counter-clockwise", "upload", "rotate", {"rotate.degrees": -15.0}),
    ("turn it upside down", "upload", "rotate", {"rotate.degrees": 180}),
    ("flip it", "upload", "flip", {"flip.direction": "horizontal"}),
    ("fix the perspective a little", "upload", "perspective", {"perspective.vertical": 0.15}),
    ("keystone correction", "upload", "perspective", {"perspective.vertical": 0.3}),
    ("the walls lean out, fix it", "upload", "perspective", {"perspective.vertical": -0.3}),
    ("make the buildings upright", "upload", "perspective", {"perspective.vertical": 0.3}),
    ("flip the image vertically", "upload", "flip", {"flip.direction": "vertical"}),
    ("mirror it", "upload", "flip", {"flip.direction": "horizontal"}),
    ("resize to 800 wide", "upload", "resize", {"resize.width": 800, "resize.height": table.ABSENT}),
    ("resize it to 1024x768", "upload", "resize", {"resize.width": 1024, "resize.height": 768}),
    ("scale it to 50%", "upload", "resize", {"resize.scale": 0.5}),
    ("make it half the size", "upload", "resize", {"resize.scale": 0.5}),
    ("upscale it", "upload", "upscale", {"upscale.scale": 2}),
    ("upscale 4x", "upload", "upscale", {"upscale.scale": 4}),
    ("upscale the image by three", "upload", "upscale", {"upscale.scale": 3}),
    ("increase the resolution", "upload", "upscale", {"upscale.scale": 2}),
    ("make it sharper", "upload", "upscale", {"upscale.keep_size": True}),
    # cut-outs
    ("cut out the cat", "upload", DSC, {"detect.labels": ["cat"], "cutout.mask": "$2"}),
    ("cut the dog out and make the background transparent", "upload", DSC, {"detect.labels": ["dog"]}),
    ("remove the background", "upload", DSC, {"segment.which": "largest"}),
    ("make the background transparent", "segmented", DSC, {"detect.labels": ["cat"]}),
    # a new object on, by or in another
    ("add a hat to the dog", "upload", DSPI,
     {"detect.labels": ["dog"], "place.anchor": "$2", "place.object": "a hat", "place.relation": "on",
      "inpaint.mask": "$3", "inpaint.prompt": "a hat"}),
    ("put a vase on the table", "upload", DSPI, {"place.relation": "on", "place.object": "a vase"}),
    ("place a lamp next to the sofa", "upload", DSPI, {"place.relation": "next to"}),
    ("add a boat on the lake", "upload", DSPI, {"place.surface": True}),
    ("give the cat a bow tie", "upload", DSPI, {"detect.labels": ["cat"], "place.object": "a bow tie"}),
    ("add a rainbow in the sky", "upload", "instruct", {}),
    ("paint a sunset over the sea", "none", "generate", {}),
    # what the object intents still read
    ("make the cat black and white", "upload", "detect segment inpaint",
     {"inpaint.prompt": "~black and white"}),
    ("make the cat red", "upload", "detect segment inpaint", {"inpaint.prompt": "a red cat"}),
    ("make it brighter", "none", "", {"reply": "no image"}),
]  # fmt: skip


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[f"{r[1]}-{r[0]}" for r in ROWS])
def test_photo_phrasing(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "make it warmer and increase the contrast",
            ["make it warmer and increase the contrast"],
        ),  # one adjust
        ("make it warmer and crop it square", ["make it warmer", "crop it square"]),
        ("make it black and white and rotate it left", ["make it black and white", "rotate it left"]),
        ("make it black and white", ["make it black and white"]),
        (
            "cut the dog out and make the background transparent",
            ["cut the dog out and make the background transparent"],
        ),
        ("remove the cat, then crop to square", ["remove the cat", "crop to square"]),
    ],
)
def test_photo_requests_in_parts(message, parts) -> None:
    assert split(message) == parts


def test_a_size_of_nothing_is_one_sentence():
    plan, _ = table._plan("resize it to 0%", "upload")
    assert not plan.steps
    assert plan.reply == "A size of 0% leaves nothing; say how big, e.g. 'resize it to 50%'."


def test_an_edit_with_no_photo_says_so_in_one_sentence():
    """It was followed by "Did you mean “it brighter”?" and the example requests."""
    for request in ("make it brighter", "rotate it left", "crop to square"):
        plan, _ = table._plan(request, "none")
        assert plan.reply == "There is no image to edit yet: upload one, or ask me to generate one."
