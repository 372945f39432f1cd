"""The offline planner reads the twelfth blind set's voices: a child ("can u make a shark in
the sea!!!", "its to dark i cant see my face make it brighter"), emoji and hashtags ("sky = 🌈
pls", "bye bye seagull 👋", "sepia vibes #throwback"), a voice assistant ("hey pixelsmith",
"sixteen by nine", "twenty percent", "by, uh, fifteen percent"), a retoucher ("heal the
footprints", "denoise", "vibrance +15", "a slight keystone correction"), and follow-ups
("make it a parrot" after a find, "start again from the original"). Rows as in
`test_offline_planner`; the sample photo is 512 x 384."""

from __future__ import annotations

import pytest
import test_offline_planner as table
import test_voices  # noqa: F401  (its views: "selected")

from pixelsmith.agent.normalise import normalise
from pixelsmith.tools import default_tools

ADJ, DSA, DSR, DSI = "adjust", "detect segment adjust", "detect segment remove", "detect segment inpaint"

ROWS = [
    # a child
    ("can u make a shark in the sea!!! a big one with teeth", "upload", "detect segment place inpaint",
     {"detect.labels": ["sea"], "place.object": "a shark"}),
    ("make granny have sunglases", "upload", "instruct", {"instruct.prompt": "~sunglasses"}),
    ("make my bukit purple its my favrit colour", "upload", DSI,
     {"detect.labels": ["bukit"], "inpaint.prompt": "~purple"}),
    ("flip it so granny is on the other side lol", "upload", "flip", {}),
    ("its to dark i cant see my face make it brighter!!!", "upload", ADJ, {"adjust.brightness": 1.25}),
    ("make it snow on the beach that would be so funny", "upload", "instruct", {"instruct.prompt": "~snow"}),
    ("turn it upside down hahaha", "upload", "rotate", {"rotate.degrees": 180}),
    ("make it super super big so i can print it for my bedroom wall", "upload", "upscale", {}),
    # emoji and hashtags
    ("bye bye seagull 👋", "upload", DSR, {"detect.labels": ["seagull"]}),
    ("black & white 🖤🤍 #classic", "upload", ADJ, {"adjust.black_and_white": True}),
    ("sky = 🌈 pls", "upload", DSI, {"detect.labels": ["sky"], "inpaint.prompt": "~rainbow"}),
    ("sepia vibes 🤎📜 #throwback", "upload", ADJ, {"adjust.sepia": True}),
    ("lil vignette 🌑 around the edges", "upload", ADJ, {"adjust.vignette": 0.28}),
    ("blur the bg 🌫️ so granny + the kid pop 💥", "upload", DSA,
     {"detect.labels": ["granny", "kid"], "adjust.invert": True}),
    ("🎨 watercolour painting version pls #art", "upload", "restyle", {"restyle.prompt": "~watercolour"}),
    ("make it ✨dreamy✨", "upload", "instruct", {"instruct.prompt": "make it look dreamy"}),
    ("make it night time 🌙⭐ with loads of stars", "upload", "instruct", {"instruct.prompt": "~stars"}),
    ("#nofilter but warmer 🌅", "upload", ADJ, {"adjust.warmth": 0.5}),  # a decoration, not a sunset
    ("zoom out 🔍 show more of the beach #wide", "upload", "outpaint", {}),
    # the sky's colours: "sky" is no shade of blue here, and its prompt keeps the noun
    ("make the sky pink", "upload", DSI, {"detect.labels": ["sky"], "inpaint.prompt": "a pink sky"}),
    ("make the sky all pink and purple like candy floss", "upload", DSI,
     {"detect.labels": ["sky"], "inpaint.prompt": "a pink and purple sky"}),
    ("make the red car blue", "upload", DSI, {"inpaint.prompt": "a blue car"}),
    ("Hi! This is for our holiday let's listing page. The sky came out really hazy and grey that day, which "
     "doesn't do the place justice - could you swap it for a clear blue summer sky with a few soft clouds? "
     "Thanks so much.", "upload", DSI,
     {"detect.labels": ["sky"], "inpaint.prompt": "~clear blue summer sky"}),
    ("We need a wide banner for the homepage header. Can you make it 16:9 without cutting off the family or "
     "the pier?", "upload", "outpaint", {"outpaint.aspect": "16:9"}),
    # a voice assistant
    ("okay now crop to sixteen by nine", "upload", "crop", {"crop.aspect": "16:9"}),
    ("hey pixelsmith make it twenty percent brighter", "upload", ADJ, {"adjust.brightness": 1.2}),
    ("increase the contrast by, uh, fifteen percent", "upload", ADJ, {"adjust.contrast": 1.15}),
    ("computer, rotate it ninety degrees", "upload", "rotate", {"rotate.degrees": 90.0}),
    ("rotate it twenty-five degrees", "upload", "rotate", {"rotate.degrees": 25.0}),
    # a retoucher
    ("Heal the footprints in the sand.", "upload", DSR, {"detect.labels": ["footprint in the sand"]}),
    ("Denoise. There's visible luminance noise in the sky from the high ISO.", "upload", "upscale",
     {"upscale.keep_size": True}),
    ("Recover the sky - it's blown out, pull the highlights down in the sky only.", "upload", DSA,
     {"detect.labels": ["sky"], "adjust.brightness": 0.75}),
    ("Boost vibrance +15.", "upload", ADJ, {"adjust.saturation": 1.15}),
    ("Apply a slight keystone correction, the pier pilings converge toward the top.", "upload", "perspective",
     {"perspective.vertical": 0.15}),
    ("White balance reads too cool for a summer beach; warm it about 10%.", "upload", ADJ,
     {"adjust.warmth": 0.2}),
    ("Add moderate output sharpening for web.", "upload", ADJ, {"adjust.sharpness": 2.0}),
    ("Add a subtle vignette, around 0.3.", "upload", ADJ, {"adjust.vignette": 0.3}),
    ("Crop to 16:9 for the hero slot on the listing", "upload", "crop", {"crop.aspect": "16:9"}),
    # follow-ups
    ("make it a parrot", "segmented", "inpaint", {"inpaint.mask": "mask-1", "inpaint.prompt": "a parrot"}),
    ("make it a square", "segmented", "outpaint", {"outpaint.aspect": "1:1"}),  # a shape, not a new thing
    ("make it a watercolour", "segmented", "restyle", {}),  # a style, not a new thing
    ("hmm no, start again from the original photo", "edited", "revert", {"revert.image": "image-1"}),
    ("make the writing bigger and white", "edited", "instruct",
     {"instruct.prompt": "make the writing bigger and white"}),
    # with a selection: "this person" is the one selected
    ("remove this person", "selected", "remove", {"remove.mask": "mask-1"}),
    ("make this person smile", "selected", "instruct", {"instruct.prompt": "make it smile"}),
    ("make this red", "selected", "instruct", {"instruct.prompt": "make it red"}),
]  # fmt: skip


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[f"{r[1]}-{r[0]}" for r in ROWS])
def test_said_in_these_voices(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


@pytest.mark.parametrize("message", [r[0] for r in ROWS if r[1] == "upload" and r[2]])
def test_the_plans_validate(message) -> None:
    table.test_plans_validate(message, "upload", default_tools())


@pytest.mark.parametrize(
    ("said", "text"),
    [
        ("okay now crop to sixteen by nine", "crop to 16 by 9"),
        ("make it twenty-five percent brighter", "make it 25 percent brighter"),
        ("one of the cats", "one of the cats"),  # a number word with no unit stays a word
        ("add two hats", "add two hats"),
        ("sky = 🌈", "sky becomes rainbow"),
        ("make the dress #ff8800 #ootd", "make the dress dark orange"),  # a colour code: its named colour
        ("blur the background so the dog stands out", "blur the background behind the dog"),
        ("slightly turn it into a watercolor", "slightly turn it into a watercolor"),  # no remark before it
        ("i want to make it brighter", "make it brighter"),
    ],
)
def test_spoken_words_become_the_written_request(said, text) -> None:
    assert normalise(said).text == text


# a review of the new readings found messages they read wrongly; each is read as before now
LEFT_ALONE = [
    ("make it look like it's a bit foggy", "upload", "instruct", {"instruct.prompt": "~foggy"}),
    ("remove the dog because it's really distracting", "upload", DSR, {"detect.labels": ["dog"]}),
    ("swap the dog for a cat on the wall", "upload", DSI, {"inpaint.prompt": "~on the wall"}),
    ("brighten it, no vignette", "upload", ADJ, {"adjust.vignette": table.ABSENT}),
    ("bye for now", "upload", "", {}),
    ("bye everyone", "upload", "", {}),
    ("this will be cropped to a square for instagram, so make it brighter", "upload", ADJ, {}),
    ("i hate how filters make it look fake", "upload", "", {}),
    ("put sunglasses on this man", "selected", "instruct", {"instruct.mask": table.ABSENT}),
    ("remove this background", "selected", "detect segment refine_mask remove", {}),  # not the selection
    ("blur the background so she stands out", "upload", DSA, {"segment.which": "largest"}),
    ("make a watercolour in the style of monet", "upload", "", {}),
    ("make it have a vintage look", "upload", "instruct", {}),
    ("make it a black and white photo", "segmented", ADJ, {"adjust.black_and_white": True}),
    ("make the photo pop", "upload", ADJ, {"adjust.contrast": 1.15}),
    ("the tower leans, that's the point of the photo, make it warmer", "upload", ADJ, {"adjust.warmth": 0.5}),
    ("add snow on the mountains", "upload", "instruct", {"instruct.prompt": "add snow on the mountains"}),
    ("brightness = high", "upload", "", {}),
    ("it's a bit dark but i like it", "upload", "", {}),
    ("make a cat in the garden", "none", "generate", {"generate.prompt": "make a cat in the garden"}),
]


@pytest.mark.parametrize(("message", "view", "tools", "expected"), LEFT_ALONE, ids=[r[0] for r in LEFT_ALONE])
def test_what_the_new_readings_leave_alone(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)
