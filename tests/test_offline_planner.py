"""The offline planner: a table of phrasings, each with the plan it must give.

Each row is (message, view, tools, expected). `expected` maps "tool.arg" to a value
(the last step of that tool is checked; a string starting with "~" is a substring, ABSENT
means the argument is not given), and "reply" to a substring of the reply (rows with no
steps). Views are built by the helpers below.
"""

from __future__ import annotations

import copy
import re

import pytest

from pixelsmith.agent.plan import Plan
from pixelsmith.agent.rules import OfflinePlanner
from pixelsmith.agent.rules_shared import help_text
from pixelsmith.agent.validate import validate_plan
from pixelsmith.errors import ToolInputError
from pixelsmith.tools import default_tools
from pixelsmith.views import ArtifactView, BoxView, ConceptView, EditView, WorkspaceView

ABSENT = object()
DRAGON = "a realistic green dragon"
MASKS = ["mask-1", "mask-2", "mask-3"]


# -- views ------------------------------------------------------------------------------------
def _artifact(artifact_id: str, parents: list[str], tool: str, **extra) -> ArtifactView:
    return ArtifactView(artifact_id, artifact_id.split("-")[0], parents, tool, **extra)


def no_image() -> WorkspaceView:
    return WorkspaceView(current_image=None, artifacts=[])


def uploaded() -> WorkspaceView:
    """image-1 uploaded, nothing else."""
    return WorkspaceView("image-1", [_artifact("image-1", [], "upload", size=(512, 384))])


def segmented() -> WorkspaceView:
    """image-1, detection-1 (a cat) and three candidate masks; no edit yet."""
    view = uploaded()
    cat = BoxView("cat", 0.82, (40.0, 60.0, 220.0, 300.0))
    view.artifacts.append(_artifact("detection-1", ["image-1"], "detect", note="cat", boxes=[cat]))
    view.artifacts += [_artifact(m, ["image-1", "detection-1"], "segment", candidates=MASKS) for m in MASKS]
    view.last_masks = list(MASKS)
    return view


def _inpainted(outputs: list[str], **args) -> WorkspaceView:
    view = segmented()
    args = {"image": "image-1", "mask": "mask-1", "prompt": DRAGON, "seed": 5, **args}
    view.artifacts += [_artifact(i, ["image-1", "mask-1"], "inpaint", note=DRAGON) for i in outputs]
    view.current_image, view.last_edit = outputs[0], EditView("inpaint", args, "image-1", outputs)
    return view


def edited() -> WorkspaceView:
    """image-2 made by inpaint from image-1 with mask-1, prompt DRAGON, seed 5."""
    return _inpainted(["image-2"], num_candidates=1)


def edited_many() -> WorkspaceView:
    """As `edited`, but three candidates image-2..4 (seeds 5, 6, 7)."""
    return _inpainted(["image-2", "image-3", "image-4"], num_candidates=3)


def removed() -> WorkspaceView:
    """image-2 made by remove from image-1 with mask-2 (the cat), seed 11."""
    view = segmented()
    view.artifacts.append(_artifact("image-2", ["image-1", "mask-2"], "remove"))
    args = {"image": "image-1", "mask": "mask-2", "object": "cat", "seed": 11}
    view.current_image, view.last_edit = "image-2", EditView("remove", args, "image-1", ["image-2"])
    return view


def generated() -> WorkspaceView:
    """Two generated candidates, image-1 current; no upload, no masks."""
    view = WorkspaceView("image-1", [_artifact(i, [], "generate") for i in ("image-1", "image-2")])
    args = {"prompt": "a castle on a hill", "seed": 100, "num_candidates": 2}
    view.last_edit = EditView("generate", args, None, ["image-1", "image-2"])
    return view


def photos() -> WorkspaceView:
    """Three uploaded photos; rex the dog is taught, spot (a cat) and bolt (a dog) stopped part-way."""
    view = WorkspaceView("image-3", [_artifact(f"image-{i}", [], "upload") for i in (1, 2, 3)])
    view.concepts = [ConceptView("rex", "sks", "dog")]
    view.stopped_concepts = [ConceptView("spot", "zwx", "cat"), ConceptView("bolt", "qlv", "horse")]
    return view


VIEWS = {
    "photos": photos,
    "none": no_image,
    "upload": uploaded,
    "segmented": segmented,
    "edited": edited,
    "many": edited_many,
    "removed": removed,
    "generated": generated,
}
DSI, DSR, DS = "detect segment inpaint", "detect segment remove", "detect segment"

# -- the table ---------------------------------------------------------------------------------
ROWS = [
    # replace / swap / turn / change / make X Y
    ("replace the cat with a realistic green dragon", "upload", DSI,
     {"detect.labels": ["cat"], "detect.image": "image-1", "segment.which": "best", "segment.multimask": True,
      "segment.detection": "$1", "inpaint.prompt": DRAGON, "inpaint.mask": "$2", "inpaint.image": "image-1",
      "inpaint.seed": ABSENT}),
    ("Replace the cat with a realistic green dragon.", "upload", DSI,
     {"detect.labels": ["cat"], "inpaint.prompt": DRAGON}),
    ("swap the dog for a wolf", "upload", DSI, {"detect.labels": ["dog"], "inpaint.prompt": "a wolf"}),
    ("turn the cat into a lion", "upload", DSI, {"detect.labels": ["cat"], "inpaint.prompt": "a lion"}),
    ("change the car into a red sports car", "upload", DSI,
     {"detect.labels": ["car"], "inpaint.prompt": "a red sports car"}),
    ("make the shirt blue", "upload", DSI,
     {"detect.labels": ["shirt"], "inpaint.prompt": "a blue shirt"}),
    ("Make the shirt dark blue, please", "upload", DSI,
     {"detect.labels": ["shirt"], "inpaint.prompt": "a dark blue shirt"}),
    ("paint the wall white", "upload", DSI, {"detect.labels": ["wall"], "inpaint.prompt": "a white wall"}),
    ("change the colour of the car to red", "upload", DSI,
     {"detect.labels": ["car"], "inpaint.prompt": "a red car"}),
    ("make the sky stormy", "upload", "detect segment instruct",
     {"detect.labels": ["sky"], "instruct.prompt": "make the sky stormy", "instruct.mask": "$2"}),
    ("make the cat look like a tiger", "upload", DSI,
     {"detect.labels": ["cat"], "inpaint.prompt": "a tiger"}),
    ("make the sky a sunset", "upload", DSI, {"detect.labels": ["sky"], "inpaint.prompt": "a sunset"}),
    ("recolor the bus yellow", "upload", DSI, {"detect.labels": ["bus"], "inpaint.prompt": "a yellow bus"}),
    ("make the car black and white", "upload", DSI, {"inpaint.prompt": "a black and white car"}),
    ("I want you to replace the horse with a zebra", "upload", DSI,
     {"detect.labels": ["horse"], "inpaint.prompt": "a zebra"}),
    ("replace my cat with an owl", "upload", DSI, {"detect.labels": ["cat"], "inpaint.prompt": "an owl"}),
    ("replace that lamp with a plant", "upload", DSI,
     {"detect.labels": ["lamp"], "inpaint.prompt": "a plant"}),
    ("replace the man in the red shirt with a robot", "upload", DSI,
     {"detect.labels": ["man in the red shirt"]}),
    # several objects, plurals
    ("replace the cat and the dog with two lions", "upload", DSI,
     {"detect.labels": ["cat", "dog"], "segment.which": "all", "inpaint.prompt": "two lions"}),
    ("replace all the apples with oranges", "upload", DSI,
     {"detect.labels": ["apple"], "segment.which": "all"}),
    ("make the cats black", "upload", DSI,
     {"detect.labels": ["cat"], "segment.which": "all", "inpaint.prompt": "black cats"}),
    ("make both cups red", "upload", DSI,
     {"detect.labels": ["cup"], "segment.which": "all", "inpaint.prompt": "red cups"}),
    ("segment the cat and the dog", "upload", DS, {"detect.labels": ["cat", "dog"], "segment.which": "all"}),
    ("remove the cat and the dog", "upload", DSR,
     {"detect.labels": ["cat", "dog"], "segment.which": "all", "remove.object": "cat and dog"}),
    ("detect cats and dogs", "upload", "detect", {"detect.labels": ["cat", "dog"]}),
    ("select every chair", "upload", DS, {"detect.labels": ["chair"], "segment.which": "all"}),
    ("delete all the cars", "upload", DSR,
     {"detect.labels": ["car"], "segment.which": "all", "remove.object": "cars"}),
    ("remove the people", "upload", DSR, {"detect.labels": ["person"], "segment.which": "all"}),
    ("remove the two dogs", "upload", DSR, {"detect.labels": ["dog"], "segment.which": "all"}),
    ("remove the glasses", "upload", DSR, {"detect.labels": ["glasses"], "segment.which": "best"}),
    ("remove the boxes", "upload", DSR, {"detect.labels": ["box"], "segment.which": "all"}),
    # positions
    ("can you please swap the left dog with a cat?", "upload", DSI,
     {"detect.labels": ["dog"], "segment.which": "left"}),
    ("replace the dog on the left with a cat", "upload", DSI,
     {"detect.labels": ["dog"], "segment.which": "left"}),
    ("swap the leftmost cup with a teapot", "upload", DSI,
     {"detect.labels": ["cup"], "segment.which": "left"}),
    ("make the cars on the right green", "upload", DSI, {"detect.labels": ["car"], "segment.which": "right"}),
    ("erase the person on the left", "upload", DSR,
     {"detect.labels": ["person"], "segment.which": "left", "remove.object": "person"}),
    ("mask the dog on the right", "upload", DS, {"detect.labels": ["dog"], "segment.which": "right"}),
    ("select the rightmost bottle", "upload", DS, {"detect.labels": ["bottle"], "segment.which": "right"}),
    ("outline the largest car", "upload", DS, {"detect.labels": ["car"], "segment.which": "largest"}),
    ("remove the biggest tree", "upload", DSR, {"detect.labels": ["tree"], "segment.which": "largest"}),
    ("segment the smallest cup", "upload", DS, {"detect.labels": ["cup"], "segment.which": "smallest"}),
    ("segment the top bird", "upload", DS, {"detect.labels": ["bird"], "segment.which": "top"}),
    ("segment the bird at the bottom", "upload", DS, {"detect.labels": ["bird"], "segment.which": "bottom"}),
    ("mask the dog in the middle", "upload", DS, {"detect.labels": ["dog"], "segment.which": "middle"}),
    ("mask the centre plant", "upload", DS, {"detect.labels": ["plant"], "segment.which": "middle"}),
    ("replace the left one with a dog", "segmented", DSI,
     {"detect.labels": ["cat"], "segment.which": "left"}),
    # remove / erase / delete / get rid of
    ("remove the cat", "upload", DSR,
     {"detect.labels": ["cat"], "remove.object": "cat", "remove.mask": "$2", "remove.image": "image-1"}),
    ("get rid of the trash can", "upload", DSR,
     {"detect.labels": ["trash can"], "remove.object": "trash can"}),
    ("Could you remove the dog from the photo?", "upload", DSR, {"detect.labels": ["dog"]}),
    ("please delete that ugly vase", "upload", DSR, {"detect.labels": ["ugly vase"]}),
    ("make the bird disappear", "upload", DSR, {"detect.labels": ["bird"], "remove.object": "bird"}),
    ("take the lamp out", "upload", DSR, {"detect.labels": ["lamp"]}),
    # find / detect / where is / locate
    ("find the cat", "upload", "detect",
     {"detect.labels": ["cat"], "detect.image": "image-1"}),
    ("where is the dog?", "upload", "detect", {"detect.labels": ["dog"]}),
    ("locate the red car", "upload", "detect", {"detect.labels": ["red car"]}),
    ("how many people are there?", "upload", "detect", {"detect.labels": ["person"]}),
    ("is there a cat in the picture", "upload", "detect", {"detect.labels": ["cat"]}),
    ("draw a box around the dog", "upload", "detect", {"detect.labels": ["dog"]}),
    ("find the cat, threshold 0.05", "upload", "detect",
     {"detect.labels": ["cat"], "detect.threshold": 0.05}),
    # segment / mask / outline / cut out / select
    ("segment the cat", "upload", DS, {"detect.labels": ["cat"], "segment.which": "best"}),
    ("cut out the person", "upload", DS + " cutout", {"detect.labels": ["person"], "cutout.mask": "$2"}),
    ("cut the cat out", "upload", DS + " cutout", {"detect.labels": ["cat"]}),
    ("make a mask of the sofa", "upload", DS, {"detect.labels": ["sofa"]}),
    # generate / draw / create / paint / imagine
    ("generate an image of a castle on a hill", "none", "generate",
     {"generate.prompt": "a castle on a hill", "generate.image": ABSENT}),
    ("draw a cat", "none", "generate", {"generate.prompt": "a cat"}),
    ("create a cyberpunk city at night", "none", "generate",
     {"generate.prompt": "a cyberpunk city at night"}),
    ("paint a sunset over the sea", "none", "generate", {"generate.prompt": "a sunset over the sea"}),
    ("imagine a dragon made of glass", "upload", "generate", {"generate.prompt": "a dragon made of glass"}),
    ("generate 4 images of a red fox", "none", "generate",
     {"generate.prompt": "a red fox", "generate.num_candidates": 4}),
    ("a watercolor painting of a fox", "none", "generate",
     {"generate.prompt": "a watercolor painting of a fox"}),
    ("I want a picture of a lighthouse", "none", "generate", {"generate.prompt": "a lighthouse"}),
    ("show me a photo of a beach", "none", "generate", {"generate.prompt": "a photo of a beach"}),
    ("generate an image of a cat, guidance 5, 3 candidates", "none", "generate",
     {"generate.prompt": "a cat", "generate.guidance_scale": 5.0, "generate.num_candidates": 3}),
    # with no image yet, a description is a picture to make; a question or greeting is not
    ("a watercolour lighthouse", "none", "generate", {"generate.prompt": "a watercolour lighthouse"}),
    ("misty mountains at dawn, seed 3", "none", "generate",
     {"generate.prompt": "misty mountains at dawn", "generate.seed": 3}),
    ("hello there", "none", "", {"reply": "did not understand"}),
    ("what can you do?", "none", "", {"reply": "did not understand"}),
    ("lighthouse", "none", "", {"reply": "did not understand"}),
    ("a watercolour lighthouse", "upload", "", {"reply": "did not understand"}),
    # parameters inline in a first request
    ("replace the cat with a dragon, seed 7, 4 candidates", "upload", DSI,
     {"inpaint.prompt": "a dragon", "inpaint.seed": 7, "inpaint.num_candidates": 4}),
    ("replace the cat with a dragon with seed 7 and 40 steps", "upload", DSI,
     {"inpaint.prompt": "a dragon", "inpaint.seed": 7, "inpaint.num_inference_steps": 40}),
    ("remove the cat, seed 3, guidance 9", "upload", DSR, {"remove.seed": 3, "remove.guidance_scale": 9.0}),
    ("replace the cat with a dog, negative prompt: blurry", "upload", DSI,
     {"inpaint.prompt": "a dog", "inpaint.negative_prompt": "blurry"}),
    ("replace the cat with a dog, strength 0.8", "upload", DSI,
     {"inpaint.prompt": "a dog", "inpaint.strength": 0.8}),
    # follow-ups: another colour or subject
    ("now make it red", "edited", "inpaint",
     {"inpaint.prompt": "a realistic red dragon", "inpaint.image": "image-1", "inpaint.mask": "mask-1",
      "inpaint.seed": 5}),
    ("make it blue instead", "edited", "inpaint", {"inpaint.prompt": "a realistic blue dragon"}),
    ("Change it to dark blue", "edited", "inpaint", {"inpaint.prompt": "a realistic dark blue dragon"}),
    ("what about purple?", "edited", "inpaint", {"inpaint.prompt": "a realistic purple dragon"}),
    ("make it a tiger", "edited", "inpaint", {"inpaint.prompt": "a tiger", "inpaint.mask": "mask-1"}),
    ("make it fluffy", "edited", "inpaint", {"inpaint.prompt": "~fluffy"}),
    ("make it red", "generated", "generate",
     {"generate.prompt": "a red castle on a hill", "generate.image": ABSENT}),
    # follow-ups: another seed
    ("try again", "edited", "inpaint",
     {"inpaint.seed": 6, "inpaint.prompt": DRAGON, "inpaint.image": "image-1"}),
    ("another one", "edited", "inpaint", {"inpaint.seed": 6}),
    ("again with another seed", "edited", "inpaint", {"inpaint.seed": 6}),
    ("different seed", "edited", "inpaint", {"inpaint.seed": 6}),
    ("try again", "many", "inpaint", {"inpaint.seed": 8, "inpaint.num_candidates": 3}),
    ("one more please", "generated", "generate",
     {"generate.seed": 102, "generate.prompt": "a castle on a hill"}),
    ("try it again, seed 9", "edited", "inpaint", {"inpaint.seed": 9}),
    ("try again", "removed", "remove", {"remove.seed": 12, "remove.mask": "mask-2", "remove.object": "cat"}),
    # follow-ups: quality
    ("more realistic", "edited", "inpaint", {"inpaint.prompt": f"{DRAGON}, photorealistic, highly detailed"}),
    ("make it more detailed", "edited", "inpaint", {"inpaint.prompt": "~highly detailed", "inpaint.seed": 5}),
    ("sharper", "edited", "inpaint", {"inpaint.prompt": "~sharp focus"}),
    # follow-ups: parameters
    ("guidance 12", "edited", "inpaint",
     {"inpaint.guidance_scale": 12.0, "inpaint.prompt": DRAGON, "inpaint.seed": 5}),
    ("set guidance to 12", "edited", "inpaint", {"inpaint.guidance_scale": 12.0}),
    ("steps 50", "edited", "inpaint", {"inpaint.num_inference_steps": 50}),
    ("strength 0.6", "edited", "inpaint", {"inpaint.strength": 0.6}),
    ("seed 42", "edited", "inpaint", {"inpaint.seed": 42, "inpaint.image": "image-1"}),
    ("3 candidates", "edited", "inpaint", {"inpaint.num_candidates": 3}),
    ("give me 4 options", "edited", "inpaint", {"inpaint.num_candidates": 4}),
    ("give me 2 more options", "edited", "inpaint", {"inpaint.num_candidates": 2, "inpaint.seed": 5}),
    ("guidance 4", "removed", "remove", {"remove.guidance_scale": 4.0, "remove.mask": "mask-2"}),
    # follow-ups: choosing a mask or an image
    ("use the third", "many", "select", {"select.id": "image-4"}),
    ("I like the 2nd one best", "many", "select", {"select.id": "image-3"}),
    ("pick the second", "segmented", "select", {"select.id": "mask-2"}),
    ("use mask 2", "edited", "select inpaint",
     {"select.id": "mask-2", "inpaint.mask": "mask-2", "inpaint.image": "image-1", "inpaint.prompt": DRAGON}),
    ("the second mask", "edited", "select inpaint", {"select.id": "mask-2", "inpaint.mask": "mask-2"}),
    ("pick mask-3", "edited", "select inpaint", {"select.id": "mask-3", "inpaint.mask": "mask-3"}),
    ("use the last mask", "edited", "select inpaint", {"select.id": "mask-3"}),
    ("use mask 1", "edited", "select", {"select.id": "mask-1"}),
    ("use mask 2", "segmented", "select", {"select.id": "mask-2"}),
    ("the second one", "many", "select", {"select.id": "image-3"}),
    # follow-ups: refining the mask
    ("grow the mask by 10 pixels", "edited", "refine_mask inpaint",
     {"refine_mask.mask": "mask-1", "refine_mask.grow": 10, "inpaint.mask": "$1",
      "inpaint.image": "image-1"}),
    ("shrink the mask by 5", "edited", "refine_mask inpaint", {"refine_mask.grow": -5}),
    ("expand the mask", "edited", "refine_mask inpaint", {"refine_mask.grow": 10}),
    ("feather the mask", "edited", "refine_mask inpaint",
     {"refine_mask.feather": 8.0, "refine_mask.grow": ABSENT}),
    ("invert the mask", "edited", "refine_mask inpaint", {"refine_mask.invert": True}),
    ("make the mask bigger by 20px", "edited", "refine_mask inpaint", {"refine_mask.grow": 20}),
    ("grow the mask by 15", "segmented", "refine_mask",
     {"refine_mask.mask": "mask-1", "refine_mask.grow": 15}),
    ("shrink the mask", "removed", "refine_mask remove", {"refine_mask.mask": "mask-2", "remove.mask": "$1"}),
    # follow-ups: versions
    ("undo", "edited", "undo", {}),
    ("go back", "edited", "undo", {}),
    ("revert", "edited", "undo", {}),
    ("undo twice", "edited", "undo undo", {}),
    ("revert to image-1", "edited", "revert", {"revert.image": "image-1"}),
    ("go back to image 2", "edited", "revert", {"revert.image": "image-2"}),
    ("go back to the original", "edited", "revert", {"revert.image": "image-1"}),
    # "it": the current mask
    ("remove it", "edited", "remove", {"remove.mask": "mask-1", "remove.image": "image-2"}),
    ("replace it with a tiger", "segmented", "inpaint",
     {"inpaint.mask": "mask-1", "inpaint.image": "image-1", "inpaint.prompt": "a tiger"}),
    # personal concepts: teach on the uploads (with training options), continue a stopped one
    ("teach pixelsmith my dog max, 200 steps, no prior preservation", "photos", "train_concept",
     {"train_concept.name": "max", "train_concept.class_word": "dog", "train_concept.steps": 200,
      "train_concept.prior_preservation": False, "train_concept.images": ["image-1", "image-2", "image-3"]}),
    ("train on my cat tom at resolution 256, rank 8", "photos", "train_concept",
     {"train_concept.name": "tom", "train_concept.resolution": 256, "train_concept.rank": 8}),
    ("continue training spot", "photos", "train_concept",
     {"train_concept.name": "spot", "train_concept.resume": True, "train_concept.images": ABSENT}),
    ("resume teaching my horse", "photos", "train_concept", {"train_concept.name": "bolt"}),
    ("keep training bolt with 300 steps", "photos", "train_concept",
     {"train_concept.name": "bolt", "train_concept.steps": 300}),
    ("continue training", "photos", "", {"reply": "Which training should I continue"}),
    ("continue training rex", "photos", "", {"reply": "Which training should I continue"}),
    ("continue training", "upload", "", {"reply": "No training is waiting"}),
    ("teach pixelsmith my dog max", "upload", "", {"reply": "at least 3 photos"}),
    # what the rules cannot do: a reply with examples
    ("replace the cat with a dog", "none", "", {"reply": "no image"}),
    ("remove the cat", "none", "", {"reply": "no image"}),
    ("hello there", "upload", "", {"reply": "did not understand"}),
    ("", "upload", "", {"reply": "did not understand"}),
    ("make it red", "upload", "", {"reply": "no earlier edit"}),
    ("try again", "upload", "", {"reply": "no earlier edit"}),
    ("use mask 2", "upload", "", {"reply": "no candidate masks"}),
    ("use mask 7", "edited", "", {"reply": "only 3 candidate masks"}),
    ("3 candidates", "removed", "", {"reply": "remove does not take"}),
    ("more realistic", "removed", "", {"reply": "no prompt"}),
    ("grow the mask", "upload", "", {"reply": "no mask"}),
    ("replace the left one with a cat", "upload", "", {"reply": "the left one"}),
]  # fmt: skip
IDS = [f"{i:03d}-{view}-{re.sub(r'[^a-z0-9]+', '-', msg.lower()).strip('-')[:40]}" for i, (msg, view, *_) in
       enumerate(ROWS)]  # fmt: skip
PLANNER = OfflinePlanner()


def _plan(message: str, view: str) -> tuple[Plan, WorkspaceView]:
    workspace = VIEWS[view]()
    return PLANNER.plan(message, workspace), workspace


def _arg(plan: Plan, key: str):
    tool, name = key.split(".")
    step = next(s for s in reversed(plan.steps) if s.tool == tool)
    return step.args.get(name, ABSENT)


NO_IMAGE = "There is no image to edit yet: upload one, or ask me to generate one."


@pytest.mark.parametrize(("message", "view", "tools", "expected"), ROWS, ids=IDS)
def test_phrasing(message: str, view: str, tools: str, expected: dict) -> None:
    plan, _ = _plan(message, view)
    assert [s.tool for s in plan.steps] == tools.split(), plan.reply
    for key, want in expected.items():
        if key == "reply":  # with the example requests, unless the request was understood
            assert want in plan.reply  # but there is nothing to do it to (no photo): one sentence
            assert help_text() in plan.reply or plan.reply == NO_IMAGE
        elif isinstance(want, str) and want.startswith("~"):
            assert want[1:] in _arg(plan, key), key
        else:
            assert _arg(plan, key) == want, key
    assert bool(plan.reply) != bool(plan.steps)  # either steps or a reply, never neither


# -- every plan is one the agent can run ---------------------------------------------------------
@pytest.fixture(scope="module")
def tools():

    return default_tools()


STEP_ROWS = [pytest.param(m, v, id=i) for i, (m, v, tools_, _) in zip(IDS, ROWS) if tools_]


@pytest.mark.parametrize(("message", "view"), STEP_ROWS)
def test_plans_validate(message: str, view: str, tools) -> None:
    """Every plan of the table passes the agent's own check before anything runs
    (`validate_plan`: registered tools, valid arguments, ids of the right kind)."""
    plan, workspace = _plan(message, view)
    assert all(step.why for step in plan.steps)

    def exists(artifact_id: str, kind: str | None) -> None:
        found = workspace.get(artifact_id)
        if found is None or (kind is not None and found.kind != kind):
            raise ToolInputError(f"{artifact_id} is not a {kind or 'artifact'} of the view")

    validate_plan(plan, tools, exists)


def test_parsed_parameters_reach_only_the_tools_that_take_them() -> None:
    """ "seed 7, 3 candidates, threshold 0.2" on a removal: remove takes the seed, not the others."""
    view = WorkspaceView("image-1", [ArtifactView("image-1", "image", [], "upload", (64, 48))])
    plan = PLANNER.plan("remove the cat, seed 7, 3 candidates, threshold 0.2, strength 0.5", view)
    by_tool = {step.tool: step.args for step in plan.steps}
    assert by_tool["detect"]["threshold"] == 0.2 and "seed" not in by_tool["detect"]
    assert by_tool["remove"]["seed"] == 7
    assert not {"num_candidates", "strength", "threshold"} & set(by_tool["remove"])


def test_follow_ups_leave_the_view_alone() -> None:
    view = edited()
    before = copy.deepcopy(view)
    for message in ("now make it red", "try again", "use mask 2", "grow the mask", "guidance 12", "sharper"):
        PLANNER.plan(message, view)
    assert view == before


def test_help_gives_three_or_four_examples() -> None:
    examples = [line for line in help_text().splitlines() if line.startswith("- ")]
    assert 3 <= len(examples) <= 4
    assert PLANNER.name == "offline"


def test_an_unfinished_concept_is_refused_with_how_to_go_on() -> None:
    view = WorkspaceView("image-1", [ArtifactView("image-1", "image", [], "upload", (64, 48))])
    view.stopped_concepts = [ConceptView("rex", "sks", "dog")]
    plan = PLANNER.plan("replace the cat with my rex", view)
    assert not plan.steps and plan.reply.startswith("rex is not trained yet")
    assert "continue training rex" in plan.reply
