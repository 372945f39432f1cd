"""Issue 12: the offline planner's table for whole-image edits: instructions (whole image or
a part), restyling, extending the canvas, and their follow-ups; ambiguity gets a question.
The rows use the views and checks of `test_offline_planner` (image-1 is 512x384 there)."""

from __future__ import annotations

import pytest
import test_offline_planner as table

from pixelsmith.views import EditView

INS, RES, OUT = "instruct", "restyle", "outpaint"
DSN = "detect segment instruct"


def restyled():
    view = table.VIEWS["upload"]()
    view.artifacts.append(table._artifact("image-2", ["image-1"], "restyle", size=(512, 384)))
    args = {"image": "image-1", "prompt": "a pencil sketch", "strength": 0.6, "seed": 3}
    view.current_image, view.last_edit = "image-2", EditView("restyle", args, "image-1", ["image-2"])
    return view


def instructed():
    view = table.VIEWS["upload"]()
    view.artifacts.append(table._artifact("image-2", ["image-1"], "instruct", size=(512, 384)))
    args = {"image": "image-1", "prompt": "make it winter", "seed": 4}
    view.current_image, view.last_edit = "image-2", EditView("instruct", args, "image-1", ["image-2"])
    return view


table.VIEWS.update(restyled=restyled, instructed=instructed)

ROWS = [
    # instructions on the whole image
    ("make it winter", "upload", INS, {"instruct.prompt": "make it winter", "instruct.image": "image-1"}),
    ("make it look like night", "upload", INS, {"instruct.prompt": "make it night"}),
    ("make the photo look like it's autumn", "upload", INS, {"instruct.prompt": "make it autumn"}),
    ("turn it into a snowy scene", "upload", INS, {"instruct.prompt": "make it snowy"}),
    ("could you make this picture foggy please", "upload", INS, {"instruct.prompt": "make it foggy"}),
    ("make it sunset", "upload", INS, {"instruct.prompt": "make it sunset"}),
    ("make the image look like golden hour", "upload", INS, {"instruct.prompt": "make it golden hour"}),
    ("what if it was raining", "upload", INS, {"instruct.prompt": "make it raining"}),
    ("imagine it were underwater", "upload", INS, {"instruct.prompt": "make it underwater"}),
    ("add snow", "upload", INS, {"instruct.prompt": "add snow"}),
    ("add fireworks to the picture", "upload", INS, {"instruct.prompt": "add fireworks"}),
    ("put a rainbow in it", "upload", INS, {"instruct.prompt": "add a rainbow"}),
    (
        "make it winter, seed 7, 2 candidates",
        "upload",
        INS,
        {"instruct.seed": 7, "instruct.num_candidates": 2},
    ),
    # instructions on a part: detect, segment, instruct inside the mask
    ("make the sky stormy", "upload", DSN, {"detect.labels": ["sky"], "instruct.mask": "$2"}),
    (
        "make the trees look snowy",
        "upload",
        DSN,
        {"detect.labels": ["tree"], "instruct.prompt": "make the trees snowy"},
    ),
    ("make the water frozen", "upload", DSN, {"detect.labels": ["water"], "instruct.prompt": "~frozen"}),
    # restyle
    ("turn it into a watercolour painting", "upload", RES, {"restyle.prompt": "a watercolour painting"}),
    ("make it look like an oil painting", "upload", RES, {"restyle.prompt": "an oil painting"}),
    ("as a pencil sketch", "upload", RES, {"restyle.prompt": "a pencil sketch"}),
    ("redraw it as a charcoal drawing", "upload", RES, {"restyle.prompt": "a charcoal drawing"}),
    ("anime style", "upload", RES, {"restyle.prompt": "anime style"}),
    ("make it a cartoon", "upload", RES, {"restyle.prompt": "cartoon style"}),
    ("convert the photo to pixel art", "upload", RES, {"restyle.prompt": "pixel art style"}),
    ("in the style of van gogh", "upload", RES, {"restyle.prompt": "in the style of van gogh"}),
    (
        "paint it in the style of a renaissance fresco",
        "upload",
        RES,
        {"restyle.prompt": "in the style of a renaissance fresco"},
    ),
    ("restyle it as a neon synthwave poster", "upload", RES, {"restyle.prompt": "a neon synthwave poster"}),
    ("slightly turn it into a watercolor", "upload", RES, {"restyle.strength": 0.4}),
    ("make it completely a comic book", "upload", RES, {"restyle.strength": 0.85}),
    ("turn it into a watercolour, strength 0.5", "upload", RES, {"restyle.strength": 0.5}),
    ("make it look like a vintage photo", "upload", RES, {"restyle.prompt": "a vintage photo"}),
    ("ukiyo-e version", "upload", RES, {"restyle.prompt": "ukiyo-e style"}),
    # extend the canvas
    ("extend the picture to the left", "upload", OUT, {"outpaint.left": 128, "outpaint.right": table.ABSENT}),
    ("extend it to the right by 200 px", "upload", OUT, {"outpaint.right": 200}),
    ("expand the image upwards", "upload", OUT, {"outpaint.top": 96}),
    ("extend the canvas at the bottom by 50%", "upload", OUT, {"outpaint.bottom": 192}),
    ("extend it on both sides", "upload", OUT, {"outpaint.left": 128, "outpaint.right": 128}),
    ("outpaint all sides", "upload", OUT, {"outpaint.left": 128, "outpaint.top": 96, "outpaint.bottom": 96}),
    ("make it 16:9", "upload", OUT, {"outpaint.aspect": "16:9"}),
    ("make it 16 by 9", "upload", OUT, {"outpaint.aspect": "16:9"}),
    ("change the picture to 4:3 format", "upload", OUT, {"outpaint.aspect": "4:3"}),
    ("make it square", "upload", OUT, {"outpaint.aspect": "1:1"}),
    ("widescreen", "upload", OUT, {"outpaint.aspect": "16:9"}),
    ("zoom out", "upload", OUT, {"outpaint.left": 128, "outpaint.top": 96}),
    ("zoom out a bit", "upload", OUT, {"outpaint.left": 64, "outpaint.top": 48}),
    (
        "make it wider",
        "upload",
        OUT,
        {"outpaint.left": 128, "outpaint.right": 128, "outpaint.top": table.ABSENT},
    ),
    ("make the picture taller", "upload", OUT, {"outpaint.top": 96, "outpaint.bottom": 96}),
    ("add more sky", "upload", OUT, {"outpaint.top": 96, "outpaint.prompt": "~more sky"}),
    ("show more of the scene", "upload", OUT, {"outpaint.left": 128, "outpaint.bottom": 96}),
    ("uncrop it to the left, seed 3", "upload", OUT, {"outpaint.left": 128, "outpaint.seed": 3}),
    # follow-ups
    ("stronger", "restyled", RES, {"restyle.strength": 0.8, "restyle.image": "image-1", "restyle.seed": 3}),
    ("less", "restyled", RES, {"restyle.strength": 0.4}),
    ("a bit more", "restyled", RES, {"restyle.strength": 0.8}),
    ("make it stronger", "instructed", INS, {"instruct.image_guidance_scale": 1.05}),
    ("not so much", "instructed", INS, {"instruct.image_guidance_scale": 2.1}),
    ("undo", "restyled", "undo", {}),
    ("try again", "instructed", INS, {"instruct.seed": 5}),
    # what needs a question or an image first
    ("extend it", "upload", "", {"reply": "Which way should I extend it"}),
    ("make it winter", "none", "", {"reply": "no image"}),
    ("stronger", "upload", "", {"reply": "no restyle or instruction"}),
    ("turn the cat into a dragon", "upload", "detect segment inpaint", {"inpaint.prompt": "~dragon"}),
    ("make the sky a sunset", "upload", "detect segment inpaint", {"inpaint.prompt": "a sunset"}),
]


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_whole_image_phrasing(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


def test_outpaint_sides_follow_the_current_images_size() -> None:
    view = table.VIEWS["upload"]()
    view.artifacts[0].size = (1000, 200)
    plan = table.PLANNER.plan("extend it to the left", view)
    assert table._arg(plan, "outpaint.left") == 250
