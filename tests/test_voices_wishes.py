"""The offline planner reads a wish as the request it asks for ("i wish it was brighter",
"if only the sky was bluer", "it'd be lovely if it felt still and peaceful", "i'd love it if
the bin wasn't there"), and a thing added after an edit ("…, with a bit of mist over the
lake") as a second edit, not lost. The sample photo is 512 x 384."""

from __future__ import annotations

import pytest
import test_offline_planner as table

from pixelsmith.agent.rules_parts import split
from pixelsmith.agent.wishes import granted

DS = "detect segment"


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("i wish it was brighter", "adjust", {"adjust.brightness": 1.25}),
        ("If only the sky was bluer", f"{DS} adjust", {"detect.labels": ["sky"], "adjust.warmth": -0.5}),
        ("It'd be lovely if it felt still and peaceful", "adjust", {"adjust.contrast": 0.75}),
        ("it would be nice if you could make it brighter", "adjust", {"adjust.brightness": 1.25}),
        ("i'd love it if the bin wasn't there", f"{DS} remove", {"detect.labels": ["bin"]}),
        ("i really wish the car wasn't in the photo", f"{DS} remove", {"detect.labels": ["car"]}),
        ("i wish i looked younger", "instruct", {"instruct.prompt": "make me look younger"}),
        ("it'd be so cool if it looked like a comic book", "restyle", {"restyle.prompt": "a comic book"}),
        ("add a bit of mist over the lake", "instruct", {"instruct.prompt": "add mist over the lake"}),
        ("add a few clouds", "instruct", {"instruct.prompt": "add clouds"}),
    ],
)
def test_a_wish_is_read_as_the_request_it_asks_for(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)


@pytest.mark.parametrize(
    "said",
    ["i wish i had a dog", "i wish i could go back there", "if only, sigh", "it'd be nice to go there"],
)
def test_a_wish_for_no_edit_is_left_as_it_was_said(said) -> None:
    assert granted(said) == said or not table.PLANNER.plan(said, table.uploaded()).steps


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "make it brighter, with some mist over the lake",
            ["make it brighter", "add some mist over the lake"],
        ),
        (
            "It'd be lovely if it felt still and peaceful, with a bit of mist hanging over the lake",
            ["It'd be lovely if it felt still and peaceful", "add a bit of mist hanging over the lake"],
        ),
        ("make it calmer and add snow", ["make it calmer", "add snow"]),
        ("replace the cat with a dog, with a red collar", ["replace the cat with a dog, with a red collar"]),
    ],
)
def test_a_thing_added_with_with_is_an_edit_of_its_own(message, parts) -> None:
    assert split(message) == parts


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("it should look like it was shot at night", "instruct", {"instruct.prompt": "make it night"}),
        ("nobody should be able to tell there was a bin there", f"{DS} remove", {"detect.labels": ["bin"]}),
        ("nobody should be able to read the number plate", f"{DS} adjust", {"adjust.blur": 16.0}),
        (
            "there should be a dog sitting next to him",
            "detect segment place inpaint",
            {"place.relation": "next to"},
        ),
        ("there needs to be more space above his head", "outpaint", {"outpaint.top": 96}),
        ("I want the skater to be the only thing people look at", f"{DS} adjust", {"adjust.invert": True}),
        ("make the skater stand out", f"{DS} adjust", {"detect.labels": ["skater"], "adjust.invert": True}),
        ("make it pop", "adjust", {"adjust.saturation": 1.2}),  # the colours, not a subject
    ],
)
def test_an_outcome_is_read_as_the_request_that_gets_it(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)


@pytest.mark.parametrize(
    ("message", "tools", "expected"),
    [
        ("sky is grey n boring as hell, make it blue", f"{DS} inpaint", {"detect.labels": ["sky"]}),
        ("everything is too dark", "adjust", {"adjust.brightness": 1.25}),
        ("just give me a rough preview of the car in red", f"{DS} inpaint", {"inpaint.preview": True}),
        (
            "the car is cut off on the right and it looks dumb. extend the picture so its all in",
            "outpaint",
            {},
        ),
        (
            "can it look like he's actually at the beach?",
            f"{DS} refine_mask inpaint",
            {"inpaint.prompt": "~beach"},
        ),
        (
            "the bin should look like there was never anything there",
            f"{DS} remove",
            {"detect.labels": ["bin"]},
        ),
    ],
)
def test_an_outcome_said_loosely_is_read(message, tools, expected) -> None:
    table.test_phrasing(message, "upload", tools, expected)
