"""Requests in parts, offline: "remove the person and make it look like sunset" is cut where
each piece is a request of its own, the parts run in order on the result of the one before,
and each part's edit is a version (undo goes back one part)."""

from __future__ import annotations

import pytest
from test_offline_planner import PLANNER, uploaded

from pixelsmith.agent import events as ev
from pixelsmith.agent.rules_parts import split
from pixelsmith.testing import noise_image

# message -> (its parts, the tools they run in order)
TWO_PARTS = {
    "remove the person and make it look like sunset": (
        ["remove the person", "make it look like sunset"], "detect segment remove instruct"),
    "replace the cat with a dog and make the picture 16:9": (
        ["replace the cat with a dog", "make the picture 16:9"], "detect segment inpaint outpaint"),
    "make it winter, then turn it into a watercolour painting": (
        ["make it winter", "turn it into a watercolour painting"], "instruct restyle"),
    "remove the cat; extend it to the right": (
        ["remove the cat", "extend it to the right"], "detect segment remove outpaint"),
    "make the cat black and then make it look like night": (
        ["make the cat black", "make it look like night"], "detect segment inpaint instruct"),
    "erase the dog then zoom out": (["erase the dog", "zoom out"], "detect segment remove outpaint"),
    "Make it look like night. Then extend it to the left.": (
        ["Make it look like night", "Then extend it to the left."], "instruct outpaint"),
    "paint the cat and the dog blue and make it winter": (
        ["paint the cat and the dog blue", "make it winter"], "detect segment inpaint instruct"),
    "replace the cat and the dog with a horse, and then make it 16:9": (
        ["replace the cat and the dog with a horse", "make it 16:9"], "detect segment inpaint outpaint"),
    "replace the cat with a dog and now make it red": (
        ["replace the cat with a dog", "now make it red"], "detect segment inpaint inpaint"),
    "make it snowy and add a rainbow": (["make it snowy", "add a rainbow"], "instruct instruct"),
    "as a pencil sketch, after that zoom out": (["as a pencil sketch", "zoom out"], "restyle outpaint"),
    "make the cat blue and the sofa white": (  # the verb left out of the second part: the first's
        ["make the cat blue", "make the sofa white"], "detect segment inpaint detect segment inpaint"),
    "brighter, then crop it to 4:5": (["brighter", "crop it to 4:5"], "adjust crop"),
    "resize to 50% and convert to black & white": (
        ["resize to 50%", "convert to black & white"], "resize adjust"),
}  # fmt: skip
FOLLOW_UPS = {"replace the cat with a dog and now make it red"}
WHOLE = [
    "remove the cat and the dog",
    "make the cat black and white",
    "replace the cat with a dog and a ball",
    "find the cat and the dog",
    "make the cat black and the dog",
    "draw a cat and a dog",
    "turn the car into a horse and carriage",
    "replace the cat with a realistic green dragon, seed 7, 3 candidates",
]


@pytest.mark.parametrize("message", list(TWO_PARTS))
def test_a_request_is_cut_where_each_piece_is_a_request(message):
    assert split(message) == TWO_PARTS[message][0]


@pytest.mark.parametrize("message", WHOLE)
def test_a_request_whose_pieces_are_not_requests_stays_whole(message):
    assert split(message) == [message]


# tones said together: one adjust (one version, one undo); one tone said twice is no join
ONE_ADJUST = {
    "Contrast +20%, brightness -10%.": {"contrast": 1.2, "brightness": 0.9},
    "make it brighter, contrast up a bit": {"brightness": 1.25, "contrast": 1.1},
    "make it brighter and a little warmer": {"brightness": 1.25, "warmth": 0.2},
    "warmer and black and white": {"warmth": 0.5, "black_and_white": True},
}


@pytest.mark.parametrize("message", ["too dark. brighten it please", "warmer and cooler"])
def test_one_tone_said_twice_is_not_joined(message):
    plan = PLANNER.plan(message, uploaded())
    assert all(s.args.get("brightness", 1.25) in (1.25, 1.5) for s in plan.steps)  # not 1.25 * 1.25
    assert all(s.args.get("warmth") != 0 for s in plan.steps)  # warmer and cooler: no join to nothing


@pytest.mark.parametrize("message", list(ONE_ADJUST))
def test_tones_said_together_are_one_adjust(message):
    assert split(message) == [message]
    plan = PLANNER.plan(message, uploaded())
    assert [s.tool for s in plan.steps] == ["adjust"], plan.reply
    args = plan.steps[0].args
    assert {k: args[k] for k in ONE_ADJUST[message]} == ONE_ADJUST[message]


@pytest.mark.parametrize("message", list(TWO_PARTS))
def test_the_parts_run_in_order_each_a_version_undo_goes_back_one_part(
    message, make_agent, cat_photo, one_torch_thread
):
    agent = make_agent(seed=3, defaults={"num_inference_steps": 2})
    events = list(agent.send(message, cat_photo))
    said = [e for e in events if isinstance(e, (ev.Notice, ev.ErrorEvent, ev.AssistantMessage))]
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == TWO_PARTS[message][1].split(), said
    assert isinstance(events[-1], ev.Done) and events[-1].ok
    notes = [e.text for e in events if isinstance(e, ev.Notice)]
    assert any(n.startswith("Part 1 of 2") for n in notes) and any(n.startswith("Part 2 of 2") for n in notes)
    record = agent.workspace.record
    first_part, second_part = (s for s in record.steps if s.kind == "images")
    if message in FOLLOW_UPS:  # "now make it red" changes the first part's edit, on its photo
        assert second_part.args["image"] == first_part.args["image"]
    else:  # the second part edits the first's result
        assert second_part.args["image"] == first_part.outputs[0]
    assert record.history == ["image-1", first_part.outputs[0], second_part.outputs[0]]
    assert [e.tool for e in agent.send("undo") if isinstance(e, ev.StepFinished)] == ["undo"]
    assert agent.workspace.record.current_image == first_part.outputs[0]
    list(agent.send("undo"))
    assert agent.workspace.record.current_image == "image-1"


def test_a_part_that_fails_stops_the_request_and_says_which(make_agent):
    agent = make_agent(seed=3, defaults={"num_inference_steps": 2})
    events = list(agent.send("make it winter and extend it", noise_image(64, 64)))
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["instruct"]
    said = [e.text for e in events if isinstance(e, ev.AssistantMessage)][-1]
    assert said.startswith("Part 2 of 2 (“extend it”): Which way should I extend it")


def test_parts_pause_for_review_and_carry_on_after_continue(make_agent):
    """Interactive: the first part pauses before its inpaint; Continue runs it and then the
    second part, from the kept turn (a new Agent on the reopened session, as after a restart)."""
    from pixelsmith.workspace import Workspace

    agent = make_agent(seed=3, interactive=True, defaults={"num_inference_steps": 2})
    events = list(agent.send("replace the cat with a dog and make it look like night", noise_image(96, 64)))
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["detect", "segment"]
    assert isinstance(events[-2], ev.ReviewNeeded)
    pending = agent.workspace.record.pending
    assert pending.planner_state == {"parts": ["make it look like night"], "total": 2}
    reopened = make_agent(workspace=Workspace.open(agent.workspace.data_dir, agent.workspace.id))
    reopened.interactive = True
    reopened.choose("mask-2")
    events = list(reopened.resume())
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["inpaint", "instruct"]
    steps = reopened.workspace.record.steps
    assert steps[2].args["mask"] == "mask-2" and steps[3].args["image"] == steps[2].outputs[0]
    notes = [e.text for e in events if isinstance(e, ev.Notice) and not e.text.startswith("loading ")]
    assert notes[0] == "Going on with mask-2: you chose mask-2." and "Part 2 of 2" in notes[1]


# -- what the rules say when they do not understand ------------------------------------------
@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("flip it sideways fast", "Did you mean “flip it sideways”?"),
        ("zoom ot", "Did you mean “zoom out”?"),
    ],
)
def test_not_understood_says_the_nearest_request_it_understands(message, said):
    from pixelsmith.agent.rules import OfflinePlanner
    from pixelsmith.agent.rules_shared import help_text
    from pixelsmith.views import ArtifactView, WorkspaceView

    view = WorkspaceView("image-1", [ArtifactView("image-1", "image", [], "upload", (64, 48))])
    reply = OfflinePlanner().plan(message, view).reply
    assert reply.splitlines()[0].endswith(said) and reply.endswith(help_text())


@pytest.mark.parametrize(
    ("message", "read", "tools"),
    [
        ("remvoe the cat", "remove the cat", ["detect", "segment", "remove"]),
        ("replcae the cat with a dog", "replace the cat with a dog", ["detect", "segment", "inpaint"]),
        ("extnd it to the left", "extend it to the left", ["outpaint"]),
        ("make it blak and white", "make it black and white", ["adjust"]),
        ("brigther pls its to dark", "brighter", ["adjust"]),  # the reason after "pls" left out
        ("crop it sqaure, seed 3", "crop it square", ["crop"]),
        # a rule read "convert it to ..." as a recolour of "it" and asked for a mask: mended all the same
        ("convert it to black and whte", "convert it to black and white", ["adjust"]),
    ],
)
def test_a_typo_is_mended_and_said(message, read, tools):
    """A word a letter or two from one the rules know is read as it, and the plan says so."""
    from pixelsmith.agent.rules import OfflinePlanner
    from pixelsmith.views import ArtifactView, WorkspaceView

    view = WorkspaceView("image-1", [ArtifactView("image-1", "image", [], "upload", (64, 48))])
    plan = OfflinePlanner().plan(message, view)
    assert [s.tool for s in plan.steps] == tools and plan.note == f"I read that as “{read}”."


def test_a_refusal_that_read_the_words_is_not_mended():
    """ "continue training spot" with nothing stopped is read and answered; "training" is
    not mended into "raining", a word of the scene rules."""
    from pixelsmith.agent.rules import OfflinePlanner
    from pixelsmith.views import ArtifactView, WorkspaceView

    view = WorkspaceView("image-1", [ArtifactView("image-1", "image", [], "upload", (64, 48))])
    plan = OfflinePlanner().plan("continue training spot", view)
    assert not plan.steps and plan.reply.startswith("No training is waiting to be continued")


def test_words_the_rules_do_not_know_are_not_mended_into_others():
    """Three or more "typos" in one message are words the rules do not know, not typos: "there's
    a charging cable trailing" was read as "where's a sharing table raining"."""
    from pixelsmith.agent.rules_parts import mend

    assert mend("there's a charging cable trailing behind the stool, zap it", lambda text: True) is None
    assert (
        mend("chnage the cats collar to burgandy", lambda text: True) == "change the cat collar to burgundy"
    )


def test_every_example_it_suggests_is_understood():
    """The examples (data/words/examples.txt) are suggested as requests the rules understand."""
    from pixelsmith.agent.rules import OfflinePlanner
    from pixelsmith.agent.vocabulary import entries
    from pixelsmith.views import ArtifactView, EditView, WorkspaceView

    images = [ArtifactView(f"image-{i}", "image", [], "upload", (64, 48)) for i in (1, 2, 3)]
    masks = [ArtifactView(f"mask-{i}", "mask", ["image-1"], "segment") for i in (1, 2, 3)]
    args = {"image": "image-1", "mask": "mask-1", "prompt": "a dog", "seed": 1}
    edit = EditView("inpaint", args, "image-1", ["image-2"])
    edited = WorkspaceView("image-2", images[:2] + masks, last_edit=edit, last_masks=[m.id for m in masks])
    planner = OfflinePlanner()
    for example in entries("examples", "requests"):
        view = WorkspaceView("image-3", images) if example.startswith("teach") else edited
        assert planner.plan(example, view).steps, example


def test_parameters_said_at_the_end_hold_for_every_part():
    from pixelsmith.agent.rules import OfflinePlanner
    from pixelsmith.views import ArtifactView, WorkspaceView

    view = WorkspaceView("image-1", [ArtifactView("image-1", "image", [], "upload", (64, 48))])
    message = "replace the cat with a fox, seed 3 and then make it look like night, 2 steps, seed 9"
    turn = OfflinePlanner().begin(message, view)
    first = turn.next([], view).steps[-1]
    assert first.tool == "inpaint" and first.args["seed"] == 3 and first.args["num_inference_steps"] == 2
    (second,) = turn.next([], view).steps
    assert second.tool == "instruct" and second.args["seed"] == 9 and second.args["num_inference_steps"] == 2
