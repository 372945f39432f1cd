"""The offline planner reads where the photo is going as what it needs there, when the message
asks nothing else it understands: a shape ("can u make it fit my insta story": 9:16), a size
("youtube thumbnail"), the subject alone ("profile pic please, just him"; "a whatsapp
sticker"), a print turned the photo's way ("printing it 10x15"), a big print (more pixels).
An edit said beside the place is that edit. The sample photo is 512 x 384 (landscape)."""

from __future__ import annotations

import pytest
import test_offline_planner as table

from pixelsmith.agent.platforms import _turned
from pixelsmith.views import ArtifactView

MAIN = ["person", "dog", "cat", "animal", "car", "bird", "horse", "flower", "building", "child"]


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("gonna put this on my insta story, can u make it fit", "crop", {"crop.aspect": "9:16"}),
        (
            "want to use this as my LinkedIn banner (the long thin one at the top)",
            "crop",
            {"crop.aspect": "4:1"},
        ),
        ("make it work as my phone wallpaper? iphone 13", "crop", {"crop.aspect": "9:19.5"}),
        ("youtube thumbnail please", "crop resize", {"resize.width": 1280, "resize.height": 720}),
        (
            "profile pic please. just him, square",
            "detect crop",
            {"detect.labels": MAIN, "crop.aspect": "1:1"},
        ),
        ("making a whatsapp sticker of him", "detect segment cutout", {}),
        ("printing it 10x15 at the chemist, can you get it the right shape", "crop", {"crop.aspect": "3:2"}),
        ("I want it printed as a big A2 poster for my bedroom wall", "upscale", {"upscale.scale": 4}),
        (
            "hero image for our website, really wide but dont chop him",
            "outpaint",
            {"outpaint.aspect": "21:9"},
        ),
        # an edit said beside the place is that edit, not the place's
        ("discord avatar - zoom right in on his face", "detect crop", {"detect.labels": ["face"]}),
        ("for my insta story: make it black and white", "adjust", {"adjust.black_and_white": True}),
    ],
)
def test_where_the_photo_is_going_says_what_it_needs(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)


def test_a_place_never_takes_a_request_the_rules_understand() -> None:
    plan = table.PLANNER.plan("make the story book on the table red", table.uploaded())
    assert [s.tool for s in plan.steps] == ["detect", "segment", "inpaint"]


def test_the_place_is_said_in_the_note() -> None:
    plan = table.PLANNER.plan("gonna put this on my insta story", table.uploaded())
    assert "story" in plan.note and "9:16" in plan.note  # ("insta" is an app's name, left out)


def test_a_print_is_turned_the_photos_way() -> None:
    view = table.uploaded()
    assert _turned("crop it to 3:2", view) == "crop it to 3:2"  # landscape photo, landscape print
    view.artifacts[0] = ArtifactView("image-1", "image", [], "upload", size=(384, 512))
    assert _turned("crop it to 3:2", view) == "crop it to 2:3"
