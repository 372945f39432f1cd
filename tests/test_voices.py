"""The offline planner reads requests said in other voices (the eighth blind set's): speech
with its fillers and run-on sentences, questions, terse notes, and the English of someone who
learnt another language first. Rows as in `test_offline_planner`; "rotated" is the uploaded
photo turned 90 degrees clockwise into image-2."""

from __future__ import annotations

import pytest
import test_everyday_wording
import test_offline_planner as table

from pixelsmith.agent.normalise import normalise
from pixelsmith.tools import default_tools
from pixelsmith.views import ArtifactView, EditView, WorkspaceView

ADJ, DSR = "adjust", "detect segment remove"
PLACE = "detect segment place inpaint"

ROWS = [
    # speech: fillers out, a run-on "can you" a new clause
    ("um so can you like make it half the size so i can email it to my mom", "upload", "resize",
     {"resize.scale": 0.5}),
    ("okay so the lamp in the back is kind of distracting can you just get rid of it", "upload", DSR,
     {"detect.labels": ["lamp"]}),
    ("so yeah um i want it in black and white please", "upload", ADJ, {"adjust.black_and_white": True}),
    ("can you uh make the cat look like hes wearing a little party hat", "upload", PLACE,
     {"place.object": "a little party hat", "place.relation": "on"}),
    ("cool it down a bit", "upload", ADJ, {"adjust.warmth": -0.2}),  # "cool" is no "cool, thanks"
    # questions
    ("could this be a bit brighter?", "upload", ADJ, {"adjust.brightness": 1.1}),
    ("could the cat be wearing a hat?", "upload", PLACE, {"detect.labels": ["cat"], "place.object": "a hat"}),
    ("I wonder if the lamp could be a tall plant instead?", "upload", "detect segment inpaint",
     {"detect.labels": ["lamp"], "inpaint.prompt": "a tall plant"}),
    ("How would this look as a charcoal drawing?", "upload", "restyle", {"restyle.prompt": "~charcoal"}),
    ("what if the cat was sitting on a beach at sunset instead?", "upload",
     "detect segment refine_mask inpaint", {"detect.labels": ["cat"], "inpaint.prompt": "~beach at sunset"}),
    ("Could there be a cup of coffee on the table next to him?", "upload", PLACE,
     {"place.object": "~a cup of coffee", "place.relation": "next to"}),
    ("Wouldn't it look nicer with the colours a bit more vivid?", "upload", ADJ, {"adjust.saturation": 1.1}),
    ("Can I see how it looks with the whole photo in sepia?", "upload", ADJ, {"adjust.sepia": True}),
    ("I'd love it if the lamp just wasn't there. Thanks in advance!", "upload", DSR,
     {"detect.labels": ["lamp"]}),
    ("For this one I was thinking it might look amazing as an oil painting.", "upload", "restyle",
     {"restyle.prompt": "an oil painting"}),
    # terse
    ("bw", "upload", ADJ, {"adjust.black_and_white": True}),
    ("lamp gone", "upload", DSR, {"detect.labels": ["lamp"]}),
    ("cushion → red", "upload", "detect segment inpaint", {"inpaint.prompt": "a red cushion"}),
    ("bg -> beach", "upload", "detect segment refine_mask inpaint", {"refine_mask.invert": True}),
    ("hat on cat", "upload", PLACE, {"detect.labels": ["cat"], "place.object": "a hat"}),
    ("blur bg", "upload", "detect segment adjust", {"adjust.invert": True}),
    ("4:5 crop", "upload", "crop", {"crop.aspect": "4:5"}),
    # another first language
    ("please to remove the lamp from photo", "upload", DSR, {"detect.labels": ["lamp"]}),
    ("make more bright the picture", "upload", ADJ, {"adjust.brightness": 1.25}),
    ("the cat color change to orange", "upload", "detect segment inpaint",
     {"inpaint.prompt": "an orange cat"}),
    ("put one small red ball next of the cat", "upload", PLACE, {"place.relation": "next to"}),
    # formal: the frame of a request asked formally, greetings before it and remarks after it
    ("I wonder if you would be so kind as to remove the lamp", "upload", DSR, {"detect.labels": ["lamp"]}),
    ("Would you be good enough to crop it square?", "upload", "crop", {"crop.aspect": "1:1"}),
    ("Might it be possible to paint the sofa dark green?", "upload", "detect segment inpaint",
     {"detect.labels": ["sofa"], "inpaint.prompt": "~dark green"}),
    ("Might you add a small clock above the sofa? We never know the time.", "upload", PLACE,
     {"place.object": "a small clock", "place.relation": "above"}),
    ("Good morning. I should be most grateful if you could make it a little brighter. Many thanks.",
     "upload", ADJ, {"adjust.brightness": 1.1}),
    ("I should very much like the cushion to be yellow, if that is at all possible.", "upload",
     "detect segment inpaint", {"inpaint.prompt": "a yellow cushion"}),
    ("Make it black and white, but please leave the cushion in its colour.", "upload",
     "detect segment adjust", {"detect.labels": ["cushion"], "adjust.invert": True}),
    ("make it sepia but keep the cushion red", "upload", "detect segment adjust",
     {"detect.labels": ["cushion"], "adjust.sepia": True}),
    # poses and looks of a person or a pet
    ("make the dog sit up", "upload", "instruct", {"instruct.prompt": "make the dog sit up"}),
    ("can the cat look at the camera", "upload", "instruct",
     {"instruct.prompt": "make the cat look at the camera"}),
    ("I wonder whether the cat could be shown sleeping, rather than staring", "upload", "instruct",
     {"instruct.prompt": "make the cat sleeping"}),
    ("make our little one wave", "upload", "instruct", {"instruct.prompt": "make our little one wave"}),
    # follow-ups
    ("no, the other way", "rotated", "rotate", {"rotate.image": "image-1", "rotate.degrees": -90.0}),
    ("actually put it back to how it was originally", "rotated", "revert", {"revert.image": "image-1"}),
    ("give me 4 versions of it as a watercolor painting", "upload", "restyle",
     {"restyle.num_candidates": 4, "restyle.prompt": "a watercolor painting"}),
    # a parent on a phone, a seller's figures
    ("blk n white pls", "upload", ADJ, {"adjust.black_and_white": True}),
    ("make it a cartoon 4 the kids", "upload", "restyle", {"restyle.prompt": "~cartoon"}),
    ("make my son smile hes grumpy in every pic lol", "upload", "instruct",
     {"instruct.prompt": "make my son smile"}),
    ("need it bigger to print for nana thx", "upload", "upscale", {"upscale.scale": 2}),
    ("lift the sofa a little", "upload", "detect segment adjust", {"adjust.brightness": 1.1}),
    ("flip it upside down", "upload", "flip", {"flip.direction": "vertical"}),
    ("turn it upside down", "upload", "rotate", {"rotate.degrees": 180}),
    ("Contrast +20%", "upload", ADJ, {"adjust.contrast": 1.2}),
    ("brightness -10%", "upload", ADJ, {"adjust.brightness": 0.9}),
    ("Scale it down to 50% of the current size.", "upload", "resize", {"resize.scale": 0.5}),
    ("Extend the canvas to 16:9, don't crop anything.", "upload", "outpaint", {"outpaint.aspect": "16:9"}),
    ("the round red cushion, make it green", "upload", "detect segment inpaint",
     {"detect.labels": ["round red cushion"], "inpaint.prompt": "~green"}),  # a thing named, then "it"
    ("that white lamp, can it go?", "upload", DSR, {"detect.labels": ["white lamp"]}),
    ("that, gone", "selected", "remove", {"remove.mask": "mask-1"}),
    ("Crop to the selected area exactly.", "selected", "crop", {"crop.around": "mask-1"}),
    # follow-ups in a word or two, read against the last edit
    ("actually a tiger instead", "edited", "inpaint",
     {"inpaint.prompt": "a tiger", "inpaint.mask": "mask-1"}),
    ("hmm, more orange", "edited", "inpaint", {"inpaint.prompt": "~orange", "inpaint.seed": 5}),
    ("try a tiger", "generated", "generate", {"generate.prompt": "~tiger"}),
    ("no, the other one, the lamp", "edited", "undo detect segment inpaint",
     {"detect.labels": ["lamp"], "detect.image": "image-1", "inpaint.image": "image-1", "inpaint.mask": "$3",
      "inpaint.prompt": table.DRAGON}),
    ("more blur", "blurred", ADJ, {"adjust.image": "image-1", "adjust.blur": 12.0, "adjust.invert": True}),
    ("more contrast", "blurred", ADJ, {"adjust.contrast": 1.25, "adjust.blur": table.ABSENT}),
    ("even warmer", "upload", ADJ, {"adjust.warmth": 0.5}),
    ("no, I meant portrait, 9:16", "cropped", "undo crop", {"crop.image": "image-1", "crop.aspect": "9:16"}),
    ("now 512 px wide", "upload", "resize", {"resize.width": 512}),
    ("no, the other one, the lamp", "recoloured", "undo detect segment inpaint",
     {"inpaint.prompt": "a black lamp", "inpaint.image": "image-1"}),  # the edit's words said of the lamp
    ("do the same to the sofa", "recoloured", "detect segment inpaint", {"inpaint.prompt": "a black sofa"}),
    ("now the lamp", "removed", DSR, {"detect.labels": ["lamp"], "remove.object": "lamp"}),
]  # fmt: skip


def _rotated() -> WorkspaceView:
    view = table.uploaded()
    view.artifacts.append(ArtifactView("image-2", "image", ["image-1"], "rotate", size=(384, 512)))
    view.current_image = "image-2"
    view.last_edit = EditView("rotate", {"image": "image-1", "degrees": 90.0}, "image-1", ["image-2"])
    return view


def _after(tool: str, args: dict) -> WorkspaceView:
    """The uploaded photo, and image-2 made from it by `tool` with `args`."""
    view = table.uploaded()
    view.artifacts.append(ArtifactView("image-2", "image", ["image-1"], tool, size=(512, 384)))
    view.current_image = "image-2"
    view.last_edit = EditView(tool, {"image": "image-1", **args}, "image-1", ["image-2"])
    return view


def _recoloured() -> WorkspaceView:
    """As `edited`, the cat (mask-1, found as "cat") painted "a black cat"."""
    view = table.edited()
    view.last_edit.args["prompt"] = "a black cat"
    return view


table.VIEWS.update(
    recoloured=_recoloured,
    rotated=_rotated,
    selected=test_everyday_wording._selected,
    blurred=lambda: _after("adjust", {"blur": 8.0, "mask": "mask-1", "invert": True}),
    cropped=lambda: _after("crop", {"aspect": "16:9"}),
)


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=[f"{r[1]}-{r[0]}" for r in ROWS])
def test_other_voices(message, view, tools, expected) -> None:
    table.test_phrasing(message, view, tools, expected)


@pytest.mark.parametrize("message", [r[0] for r in ROWS if r[1] == "upload"])
def test_the_plans_validate(message) -> None:
    table.test_plans_validate(message, "upload", default_tools())


def test_greetings_before_and_remarks_after_the_request_are_left_out() -> None:
    from pixelsmith.agent.rules_parts import without_chatter

    said = "Hello there. Remove the lamp. It has been there for years. Thank you so much!"
    assert without_chatter(said) == "Remove the lamp."
    for kept in ("Remove the lamp. Use seed 7.", "Remove the lamp. It's too dark.",
                 "Make it an oil painting. The whole picture, not just him.", "Hello."):  # fmt: skip
        assert without_chatter(kept) == kept
    assert without_chatter("The lamp is ugly. Replace it with a plant.") == (
        "The lamp is ugly. Replace it with a plant."  # a remark before: what "it" is
    )


def test_a_sentence_ends_a_clause_and_speech_loses_its_fillers() -> None:
    said = "It's so yellow. Could you cool it down um a bit? My sister says it looks like a streetlight"
    assert normalise(said).text == "cool it down a bit, my sister says it looks like a streetlight"
    assert (
        normalise("the lamp is ugly can you remove it i guess").text == "the lamp is ugly, can you remove it"
    )


def test_a_message_read_in_part_says_which_part() -> None:
    """Where one clause of a message is read and the rest is not, the plan says what it read:
    nothing the person asked for is dropped without a word."""
    plan = table.PLANNER.plan("make it brighter, and zorblax the cat", table.uploaded())
    assert [s.tool for s in plan.steps] == ["adjust"]
    assert plan.note == "I read that as “make it brighter”."


def test_more_of_a_tone_is_that_tone_again_only_after_it_was_changed() -> None:
    """ "more warmth" strengthens a warming; after a blur it is a warming of its own."""
    from pixelsmith.agent.rules_voices import _changed

    assert _changed({"warmth": 0.2}, "warmth") and _changed({"blur": 8.0}, "bokeh")
    assert not _changed({"warmth": 0.0, "blur": 8.0}, "warmth") and not _changed({"blur": 8.0}, "contrast")
    assert _changed({"saturation": 1.2}, "colours") and not _changed({"saturation": 1.0}, "colours")
