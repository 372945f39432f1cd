"""The offline planner reads where the photo is going as what it needs there, when the message
asks nothing else it understands: a shape ("can u make it fit my insta story": 9:16), a size
("youtube thumbnail"), the subject alone ("profile pic please, just him"; "a whatsapp
sticker"), a print turned the photo's way ("printing it 10x15"), a big print (more pixels).
An edit said beside the place is that edit. A look said by what it is like ("like a 90s
disposable camera shot") is a restyle. The sample photo is 512 x 384 (landscape)."""

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


@pytest.mark.parametrize(
    ("message", "prompt"),
    [
        ("like a 90s disposable camera shot, flash and everything", "a 90s disposable camera shot"),
        ("like an anime background, ghibli-ish", "an anime background"),
        ("like one of those tilt shift photos", "a tilt shift photos"),
        ("could it look like a photo from the 1920s? brown and old", "a photo from the 1920s"),
        ("as if someone had painted it in watercolours", "painted in watercolours"),
        ("banksy stencil style", "banksy stencil style"),
        ("give it that warm faded 70s look", "a warm faded 70s look"),
    ],
)
def test_a_look_said_by_what_it_is_like_is_a_restyle(message, prompt) -> None:
    table.test_phrasing(message, "upload", "restyle", {"restyle.prompt": f"~{prompt}"})


@pytest.mark.parametrize("message", ["like before", "like the other one", "like this"])
def test_like_without_a_look_is_no_restyle(message) -> None:
    assert all(s.tool != "restyle" for s in table.PLANNER.plan(message, table.uploaded()).steps)


def test_a_warm_look_is_still_a_tone() -> None:
    table.test_phrasing("give it a warm look", "upload", "adjust", {"adjust.warmth": 0.5})
