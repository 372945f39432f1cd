"""The offline planner reads everyday wording of requests it has tools for: particles and
set phrases ("bump the contrast up a touch", "lift the shadows", "tone down the
saturation"), a ratio or a room said around the verb ("widen it to 16:9 by filling in the
sides", "add some space above the cat"), a reason or a remark around the request, a typo, a
gerund after "would you mind", a follow-up that names only a new object ("and the plant
too"). Rows as in `test_offline_planner`; the "uploaded" photo is 512x384."""

from __future__ import annotations

import pytest
import test_offline_planner as table

from pixelsmith.agent.rules_parts import split
from pixelsmith.tools import default_tools
from pixelsmith.views import ArtifactView, BoxView, WorkspaceView

ADJ, DSI, DSR = "adjust", "detect segment inpaint", "detect segment remove"
BACKDROP = "detect segment refine_mask inpaint"  # the subject's mask, inverted, painted
MAIN_SUBJECTS = ["person", "dog", "cat", "animal", "car", "bird", "horse", "flower", "building", "child"]

ROWS = [
    # tones with a particle or a set phrase
    ("bump the contrast up a touch", "upload", ADJ, {"adjust.contrast": 1.1}),
    ("tone down the saturation a bit, it's really garish", "upload", ADJ, {"adjust.saturation": 0.9}),
    ("lift the shadows, i can barely see the cat's face", "upload", ADJ, {"adjust.gamma": 1.25}),
    ("it looks washed out, can you fix the levels", "upload", ADJ, {"adjust.auto_levels": True}),
    ("the colours look a bit dull, can you punch them up", "upload", ADJ, {"adjust.saturation": 1.2}),
    ("cooler tones please, it's way too orange from the lamp", "upload", ADJ, {"adjust.warmth": -0.5}),
    ("Could I get a black and white version please?", "upload", ADJ, {"adjust.black_and_white": True}),
    ("make it sepia toned like grandad's old photos", "upload", ADJ, {"adjust.sepia": True}),
    ("soften the whole picture slightly", "upload", ADJ, {"adjust.blur": 1.2}),
    ("sharpen it up a bit", "upload", ADJ, {"adjust.sharpness": 1.4}),
    # geometry said around the verb
    ("tilt it about 5 degrees anticlockwise", "upload", "rotate", {"rotate.degrees": -5.0}),
    ("the shelf looks a bit wonky, tilt it about 5 degrees anticlockwise", "upload", "rotate",
     {"rotate.degrees": -5.0}),
    ("shrink it to half the size, the file's massive", "upload", "resize", {"resize.scale": 0.5}),
    ("make the image bigger without it going all pixelated", "upload", "upscale", {"upscale.scale": 2}),
    ("I need this as a 9:16 story, crop it down", "upload", "crop", {"crop.aspect": "9:16"}),
    ("crop the photo to 16 by 9", "upload", "crop", {"crop.aspect": "16:9"}),
    ("crop the cat", "upload", "detect crop", {"crop.around": "$1"}),
    ("crop out the cat", "upload", "detect segment", {"detect.labels": ["cat"]}),  # a cut-out
    ("crop in tight on the cat, lose the rest of the room", "upload", "detect crop",
     {"detect.labels": ["cat"]}),
    ("crop it to a square around the cat", "upload", "detect crop",
     {"crop.aspect": "1:1", "crop.around": "$1"}),
    ("honestly I think it'd work better as a square with the cat in the middle, if that makes sense",
     "upload", "detect crop", {"crop.aspect": "1:1"}),
    ("widen it to 16:9 by filling in the sides", "upload", "outpaint", {"outpaint.aspect": "16:9"}),
    ("add some empty space above the cat so I can put text on it", "upload", "outpaint",
     {"outpaint.top": 96, "outpaint.bottom": table.ABSENT}),
    ("leave more room on the left", "upload", "outpaint", {"outpaint.left": 128}),
    ("pull back a bit so there's more room around the cat", "upload", "outpaint", {"outpaint.left": 64}),
    # objects
    ("make the background see-through", "upload", "detect segment cutout", {"segment.which": "largest"}),
    ("there's a tv remote on the sofa, lose it", "upload", DSR, {"detect.labels": ["tv remote"]}),
    ("sofa in burgundy velvet please", "upload", DSI, {"inpaint.prompt": "a burgundy velvet sofa"}),
    ("make the table dark oak", "upload", DSI,
     {"detect.labels": ["table"], "inpaint.prompt": "a dark oak table"}),
    ("the cat in sage green", "upload", DSI, {"inpaint.prompt": "a sage green cat"}),
    ("make the cat look like a cartoon", "upload", DSI, {"inpaint.prompt": "a cartoon cat"}),
    ("pop a ball of yarn next to the cat", "upload", "detect segment place inpaint",
     {"place.object": "a ball of yarn"}),
    ("keep just the cat in colour and turn everything else grey", "upload", "detect segment adjust",
     {"adjust.black_and_white": True, "adjust.invert": True}),
    ("can you take the cat off the sofa so it's just the sofa", "upload", DSR, {"detect.labels": ["cat"]}),
    # looks and styles
    ("make it look hand painted in watercolours", "upload", "instruct",
     {"instruct.prompt": "make it look hand painted in watercolours"}),
    ("make it red", "upload", "", {"reply": "no earlier edit"}),  # "it" is what an edit made
    ("pixar style 3d cartoon version of this", "upload", "restyle",
     {"restyle.prompt": "pixar style 3d cartoon"}),
    ("golden hour lighting please", "upload", "instruct", {"instruct.prompt": "make it golden hour"}),
    ("give it a faded 70s polaroid look", "upload", "restyle", {"restyle.prompt": "~polaroid"}),
    # the request among context
    ("so my mum sent me this pic of her cat and it's really gloomy, is there any way to make it brighter",
     "upload", ADJ, {"adjust.brightness": 1.25, "adjust.mask": table.ABSENT}),
    ("my landlord wants photos for the inventory and the cat's food bowl is in the way, would you mind "
     "making it disappear?", "upload", DSR, {"detect.labels": ["food bowl"]}),
    ("I'm making a card for my sister, could you make just the cat look like a cartoon but keep the room "
     "realistic", "upload", DSI, {"detect.labels": ["cat"], "inpaint.prompt": "a cartoon cat"}),
    # typos and chat spellings
    ("can u get rid of teh lamp", "upload", DSR, {"detect.labels": ["lamp"]}),
    ("chnage the sofa to burgandy", "upload", DSI, {"inpaint.prompt": "a burgundy sofa"}),
    # a follow-up naming only the next object
    ("and the plant too please", "removed", DSR, {"detect.labels": ["plant"], "remove.object": "plant"}),
    ("the plant", "removed", "", {"reply": "did not understand"}),  # without "too", not a follow-up
    # the seventh blind set's wording
    ("looks really washed out, can u fix", "upload", ADJ, {"adjust.saturation": 1.5}),
    ("auto-fix the levels", "upload", ADJ, {"adjust.auto_levels": True}),
    ("tone the brightness down a touch, its overexposed", "upload", ADJ, {"adjust.brightness": 0.9}),
    ("its upside down lol, turn it the right way up", "upload", "rotate", {"rotate.degrees": 180}),
    ("add some more floor at the bottom, about 200 pixels", "upload", "outpaint", {"outpaint.bottom": 200}),
    ("crop it to 4:5 for insta", "upload", "crop", {"crop.aspect": "4:5"}),
    ("ugh can u delete the remote thats lying on the sofa", "upload", DSR, {"detect.labels": ["remote"]}),
    ("There's a charging cable trailing behind the sofa - could you take it out for me?", "upload", DSR,
     {"detect.labels": ["charging cable"]}),
    ("can I get just the cat with a see-through background", "upload", "detect segment cutout",
     {"detect.labels": ["cat"]}),
    ("Plain white backdrop behind the cat, please - it's for a shop listing.", "upload", BACKDROP,
     {"detect.labels": ["cat"], "refine_mask.invert": True, "inpaint.prompt": "a plain white background"}),
    ("swap the background for a sunny beach", "upload", BACKDROP,
     {"detect.labels": MAIN_SUBJECTS, "segment.which": "largest", "refine_mask.mask": "$2",
      "inpaint.mask": "$3"}),
    ("put the cat in a pine forest instead of the living room", "upload", BACKDROP,
     {"detect.labels": ["cat"], "inpaint.prompt": "a pine forest in the background"}),
    ("hmm actually green would be nicer", "edited", "inpaint", {"inpaint.prompt": "~green"}),
    ("now add a bit more contrast", "upload", ADJ, {"adjust.contrast": 1.1}),
    ("I'd love a sepia tone on this, like an old family photo from my gran's album", "upload", ADJ,
     {"adjust.sepia": True}),
    ("give it a faded vintage film look", "upload", "restyle", {"restyle.prompt": "vintage film style"}),
    ("pixel art, like an old 16-bit video game", "upload", "restyle", {"restyle.prompt": "pixel art style"}),
    ("give the sofa a pop art look", "upload", DSI,
     {"detect.labels": ["sofa"], "inpaint.prompt": "a pop art sofa"}),
    ("only the cat in cartoon style, leave the rest as a normal photo", "upload", DSI,
     {"detect.labels": ["cat"], "inpaint.prompt": "a cartoon cat"}),
    ("make me a brand new picture: a red fox in a snowy forest at dawn", "upload", "generate",
     {"generate.prompt": "a red fox in a snowy forest at dawn"}),
    ("generate a 768x512 image of a cosy reading nook", "upload", "generate",
     {"generate.prompt": "a cosy reading nook", "generate.width": 768, "generate.height": 512}),
    # "it" after "find the cushion" is what was found; the selection is "this" and "the selection"
    ("remove it", "found", "segment remove", {"segment.detection": "detection-1", "remove.mask": "$1",
                                              "remove.object": "cushion"}),
    ("crop to the selection", "selected", "crop", {"crop.around": "mask-1"}),
    ("cut this out as a png with no background", "selected", "cutout", {"cutout.mask": "mask-1"}),
    ("keep this sharp and blur everything else", "selected", ADJ,
     {"adjust.mask": "mask-1", "adjust.invert": True}),
]  # fmt: skip


def _found() -> WorkspaceView:
    """The uploaded photo and detection-1 (a cushion), with no mask yet."""
    view = table.uploaded()
    cushion = BoxView("cushion", 0.7, (10.0, 20.0, 90.0, 80.0))
    view.artifacts.append(ArtifactView("detection-1", "detection", ["image-1"], "detect", boxes=[cushion]))
    return view


def _selected() -> WorkspaceView:
    """The uploaded photo with mask-1 marked on it (a selection)."""
    view = table.uploaded()
    view.artifacts.append(ArtifactView("mask-1", "mask", ["image-1"], "select", size=(512, 384)))
    view.selection = "mask-1"
    return view


table.VIEWS.update(found=_found, selected=_selected)


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[f"{r[1]}-{r[0]}" for r in ROWS])
def test_everyday_wording(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


@pytest.mark.parametrize("message", [r[0] for r in ROWS if r[2] and r[1] == "upload"])
def test_the_plans_validate(message) -> None:
    table.test_plans_validate(message, "upload", default_tools())


def test_a_one_word_tone_is_a_part_of_its_own() -> None:
    """ "make it 16:9 and warmer" is two edits; "warmer and a touch more contrast" one adjust
    (`test_request_parts`); "remove the cat and dog" stays one."""
    assert split("make it 16:9 and warmer") == ["make it 16:9", "warmer"]
    assert split("warmer and a touch more contrast") == ["warmer and a touch more contrast"]
    assert split("remove the cat and dog") == ["remove the cat and dog"]


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("crop to the cat and then make it 16:9", ["crop to the cat", "make it 16:9"]),
        ("remove the cat, then crop it to 4:5", ["remove the cat", "crop it to 4:5"]),
        ("crop to 4:5 and make it brighter", ["crop to 4:5", "make it brighter"]),
        ("crop to the cat and the dog", ["crop to the cat and the dog"]),  # one crop around both
        ("I need this as a 9:16 story, crop it down", ["I need this as a 9:16 story, crop it down"]),
    ],
)
def test_a_crop_does_not_swallow_the_request_after_it(message, parts) -> None:
    assert split(message) == parts
