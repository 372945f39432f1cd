"""Issue 26: the built-in local planner on a tiny random Qwen3 (a real byte-level tokenizer,
Qwen3's tool-call template). Random weights plan at random, but every call must be valid:
the grammar built from the tools' schemas guarantees it, and the validator checks it. A
missing, broken or out-of-memory model is one sentence, and the rules take over."""

from __future__ import annotations

import json

import pytest

from pixelsmith.agent import events as ev
from pixelsmith.agent.local_llm import LocalChatModel, LocalPlanner, constrain, known_ids
from pixelsmith.agent.planner_choice import make_planner
from pixelsmith.agent.validate import validate_plan
from pixelsmith.config import load_settings
from pixelsmith.testing import noise_image
from pixelsmith.testing.tiny import PLANNER_DIR
from pixelsmith.tools import default_tools
from pixelsmith.views import ArtifactView, WorkspaceView

REQUESTS = """remove the cat | replace the cat with a dog | make it brighter | black and white |
crop to square | rotate it left | upscale it | cut out the cat | make the sky stormy |
add a hat to the cat | extend it to the left | make it 16:9 | generate a lighthouse |
make the cat red | blur the background | sepia please | flip it | make it winter |
as a pencil sketch | find the dogs | segment the cat | use mask 2 | undo | go back to the original |
sharpen it | make the wall blue | remove the person on the left | put a vase on the table |
make her smile | resize it to 50% | a watercolour of a fox | turn the car into a tank |
erase the text | make the photo warmer | increase the contrast | zoom out | make it a square crop |
paint the door green | remove the background | make the cat look like gold | try another seed |
grow the mask by 10 pixels | feather the mask | invert the mask | auto levels | make it pop |
the cat, but fluffier | replace the sky with a sunset | add snow | make it night""".replace("\n", " ")


def _requests() -> list[str]:
    return [r.strip() for r in REQUESTS.split("|") if r.strip()]


@pytest.fixture(scope="module")
def local_settings(tiny_config, tiny_dir, tmp_path_factory):
    return load_settings(
        tiny_config,
        data_dir=tmp_path_factory.mktemp("local-planner"),
        planner_model={"model": str(tiny_dir / PLANNER_DIR), "max_new_tokens": 1024, "max_string_chars": 24,
                       "temperature": 1.0},  # sampled: random weights then call many tools, not one
    )  # fmt: skip


def _view() -> WorkspaceView:
    masks = ["mask-1", "mask-2", "mask-3"]
    artifacts = [
        ArtifactView("image-1", "image", [], "upload", size=(96, 64)),
        ArtifactView("detection-1", "detection", ["image-1"], "detect"),
        *(ArtifactView(m, "mask", ["image-1", "detection-1"], "segment", size=(96, 64)) for m in masks),
    ]
    return WorkspaceView("image-1", artifacts, last_masks=masks)


def test_fifty_requests_on_random_weights_give_only_valid_calls(local_settings, tiny_registry):
    """The grammar's guarantee, call by call: a registered tool, arguments its schema and the
    validator accept, ids that exist in the session. Nothing is run."""
    import torch

    torch.manual_seed(0)
    requests = _requests()
    assert len(set(requests)) == 50
    models = tiny_registry.for_session(local_settings)
    planner = make_planner(local_settings, "local", models=models)
    assert isinstance(planner, LocalPlanner)
    view, tools, calls = _view(), default_tools(), 0
    names = {s["function"]["name"] for s in planner.specs}
    for request in requests:
        plan = planner.begin(request, view).next([], view)
        assert plan.steps, f"{request!r}: the first reply of a request must call a tool"
        for step in plan.steps:
            assert step.tool in names, step.tool
        validate_plan(plan, tools, lambda i, kind=None: view.get(i))  # raises on any invalid call
        calls += len(plan.steps)
    assert calls >= 50


def test_the_grammar_narrows_ids_strings_and_lists():
    spec = {
        "type": "function",
        "function": {
            "name": "inpaint",
            "parameters": {
                "type": "object",
                "properties": {
                    "image": {"type": "string"},
                    "mask": {"type": "string"},
                    "prompt": {"type": "string", "maxLength": 1000},
                    "labels": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["image", "mask"],
            },
        },
    }
    (narrowed,) = (
        f["function"]["parameters"]
        for f in constrain(spec, {"image": ["image-1"], "mask": ["mask-2"]}, 24, 4)
    )
    assert narrowed["properties"]["image"] == {"type": "string", "enum": ["image-1"]}
    assert narrowed["properties"]["mask"] == {"type": "string", "enum": ["mask-2"]}
    assert narrowed["properties"]["prompt"]["maxLength"] == 24
    assert narrowed["properties"]["labels"]["maxItems"] == 4
    assert constrain(spec, {"image": ["image-1"]}, 24, 4) == []  # no mask yet: inpaint cannot be called
    assert spec["function"]["parameters"]["properties"]["image"] == {"type": "string"}  # a copy was narrowed
    assert known_ids(_view())["mask"] == ["mask-1", "mask-2", "mask-3"]


def test_undo_and_revert_are_offered_only_after_an_edit():
    """On the photo as given there is nothing to go back to: the grammar leaves the two out
    (a random model once planned 'undo' first, and the step failed)."""
    undo = {
        "type": "function",
        "function": {"name": "undo", "parameters": {"type": "object", "properties": {}}},
    }
    first = known_ids(_view())
    assert "edited" not in first and constrain(undo, first, 24, 4) == []
    edited = _view()
    edited.artifacts.append(ArtifactView("image-2", "image", ["image-1", "mask-1"], "inpaint", size=(96, 64)))
    edited.current_image = "image-2"
    assert known_ids(edited)["edited"] == ["image-2"]
    assert [f["function"]["name"] for f in constrain(undo, known_ids(edited), 24, 4)] == ["undo"]


def test_an_edit_runs_end_to_end_with_planner_local(local_settings, tiny_settings, capsys, monkeypatch):
    from pixelsmith.cli import main

    folder = local_settings.planner_model.model
    monkeypatch.setenv("PIXELSMITH_PLANNER_MODEL__MODEL", folder)
    monkeypatch.setenv("PIXELSMITH_PLANNER_MODEL__MAX_NEW_TOKENS", "1024")
    monkeypatch.setenv("PIXELSMITH_PLANNER_MODEL__MAX_STRING_CHARS", "24")
    photo = local_settings.data_dir / "photo.png"
    noise_image(96, 64).save(photo)
    code = main(["edit", str(photo), "remove the cat", "--planner", "local", "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code in (0, 1)  # random weights: the plan may not carry out the request
    assert record["plan"] and all(name in {t.name for t in default_tools()} | {"select", "undo", "revert"}
                                  for name in record["plan"])  # fmt: skip
    assert record["steps"][0]["error"] is None  # a valid call, run
    assert not any("offline planner" in n for n in record["notices"]), record["notices"]


@pytest.mark.parametrize("broken", ["missing", "folder", "memory"])
def test_a_missing_broken_or_too_big_model_is_one_sentence_and_the_rules_plan(
    broken, local_settings, tiny_registry, make_agent, tmp_path
):
    if broken == "missing":
        settings = local_settings.model_copy(update={"planner_model": local_settings.planner_model.model_copy(
            update={"model": "Qwen/Qwen3-1.7B"})})  # fmt: skip
        planner = make_planner(settings, "local", models=tiny_registry.for_session(settings))
        said = "the planner model 'Qwen/Qwen3-1.7B' cannot be loaded: it is not in the Hugging Face cache"
    elif broken == "folder":
        (tmp_path / "config.json").write_text("{not json")
        settings = local_settings.model_copy(update={"planner_model": local_settings.planner_model.model_copy(
            update={"model": str(tmp_path)})})  # fmt: skip
        planner = make_planner(settings, "local", models=tiny_registry.for_session(settings))
        said = "planner"
    else:

        def too_big():
            raise MemoryError("could not allocate 3.4 GB")

        planner = LocalPlanner(LocalChatModel(load=too_big), where="the local planner")
        said = "the local planner ran out of memory; use a smaller planner_model.model, or --planner offline"
    agent = make_agent(planner=planner)
    events = list(agent.send("make it brighter", image=noise_image(96, 64)))
    notices = [e.text for e in events if isinstance(e, ev.Notice)]
    assert any(said in n and n.endswith("using the offline planner for this message") for n in notices), (
        notices
    )
    assert [s.tool for s in agent.workspace.record.steps] == ["adjust"]  # the rules planned it


def test_eval_planner_runs_with_the_local_planner(
    local_settings, tiny_settings, tmp_path, capsys, monkeypatch
):  # noqa: E501
    """`pixelsmith eval planner --planner local` scores it like any planner (the shipped set
    runs the same way; three of its cases here)."""
    from pixelsmith.agent.scorecard import shipped_cases
    from pixelsmith.cli import main

    for name, value in (("MODEL", local_settings.planner_model.model), ("MAX_NEW_TOKENS", "64"),
                        ("MAX_STRING_CHARS", "24")):  # fmt: skip
        monkeypatch.setenv(f"PIXELSMITH_PLANNER_MODEL__{name}", value)
    lines = shipped_cases().read_text().splitlines()
    header = [line for line in lines if line.startswith(("#", "category"))]
    firsts = ("remove\t", "tone\t", "canvas\t")  # no setup to run first: seconds, not a minute
    chosen = [next(line for line in lines if line.startswith(c)) for c in firsts]
    cases = tmp_path / "cases.tsv"
    cases.write_text("\n".join([*header, *chosen]) + "\n")
    assert main(["eval", "planner", str(cases), "--planner", "local", "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["planner"] == "local" and len(scored["cases"]) == 3


def test_the_grammar_holds_the_rules_the_validators_check():
    """A combine names its kind (not null: it goes with `other`), and a concept's name and class
    word are what the concept store takes: random weights found both gaps."""
    from pixelsmith.agent.llm import tool_specs
    from pixelsmith.concepts.store import CLASS_RE, NAME_RE

    specs = {s["function"]["name"]: s for s in tool_specs(default_tools())}
    known = {"mask": ["mask-1", "mask-2"], "image": ["image-1", "image-2", "image-3"]}
    refine = constrain(specs["refine_mask"], known, 24, 8)
    combined = [
        f["function"]["parameters"] for f in refine if "combine" in f["function"]["parameters"]["properties"]
    ]
    assert combined and all("null" not in json.dumps(p["properties"]["combine"]) for p in combined)
    for form in constrain(specs["train_concept"], known, 24, 8):
        properties = form["function"]["parameters"]["properties"]
        assert properties["name"]["pattern"] == f"^(?:{NAME_RE.pattern})$"
        if "class_word" in properties:
            assert CLASS_RE.pattern in properties["class_word"]["pattern"]


def test_concepts_named_in_a_call_are_ones_that_exist():
    """A concept to paint is a taught one, and a training to continue is one that stopped;
    with none, neither is offered (random weights continued a made-up name before)."""
    from pixelsmith.agent.llm import tool_specs
    from pixelsmith.views import ConceptView

    specs = {s["function"]["name"]: s for s in tool_specs(default_tools())}
    view = _view()
    bare = known_ids(view)
    assert not any(f["function"]["parameters"]["properties"].get("resume") for f in
                   constrain(specs["train_concept"], bare, 24, 8))  # fmt: skip
    assert all("concept" not in f["function"]["parameters"]["properties"]
               for f in constrain(specs["inpaint"], bare, 24, 8))  # fmt: skip
    view.concepts = [ConceptView("rex", "sks", "dog"), ConceptView("tom", "pxq", "cat")]
    view.stopped_concepts = [ConceptView("spot", "zwx", "dog")]
    known = known_ids(view)
    resumes = [f["function"]["parameters"] for f in constrain(specs["train_concept"], known, 24, 8)
               if "resume" in f["function"]["parameters"]["properties"]]  # fmt: skip
    assert [p["properties"]["name"] for p in resumes] == [{"type": "string", "enum": ["spot"]}]
    (paint,) = constrain(specs["inpaint"], known, 24, 8)
    concept = json.dumps(paint["function"]["parameters"]["properties"]["concept"])
    assert concept.count('"enum": ["rex", "tom"]') == 1
    (select,) = constrain(specs["select"], known, 24, 8)
    assert "rex" not in json.dumps(select) and "spot" not in json.dumps(select)  # an artifact's id only


def test_every_form_keeps_numbers_inside_the_tools_own_bounds():
    """A form's "not 1" or "more than 0" narrows an argument, never widens it: random weights
    wrote `gamma: 0` (its floor is 0.1) through the "gamma changed" form before."""
    from pixelsmith.agent.llm import tool_specs

    known = {"mask": ["mask-1"], "image": ["image-1", "image-2"], "detection": ["detection-1"]}
    checked = 0
    for spec in tool_specs(default_tools()):
        own = spec["function"]["parameters"].get("properties", {})
        for form in constrain(spec, known, 24, 8):
            for name, prop in form["function"]["parameters"]["properties"].items():
                low, high = own.get(name, {}).get("minimum"), own.get(name, {}).get("maximum")
                for branch in prop.get("anyOf", [prop]):
                    floor = branch.get("minimum", branch.get("exclusiveMinimum"))
                    ceiling = branch.get("maximum", branch.get("exclusiveMaximum"))
                    if low is not None and branch.get("type") in ("number", "integer"):
                        assert floor is not None and floor >= low, (spec["function"]["name"], name, branch)
                        checked += 1
                    if high is not None and branch.get("type") in ("number", "integer"):
                        assert ceiling is not None and ceiling <= high, (
                            spec["function"]["name"],
                            name,
                            branch,
                        )
    assert checked > 20
