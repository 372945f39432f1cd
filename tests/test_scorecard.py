"""`pixelsmith eval planner`: the planner scorecard on the shipped example set and on a
file of one's own, for the offline rules and for an LLM (a scripted local server)."""

from __future__ import annotations

import json

import pytest

from pixelsmith.agent.scorecard import load_cases, shipped_cases
from pixelsmith.cli import main
from pixelsmith.errors import UserError
from pixelsmith.testing.openai_stub import OpenAIStub, calls, status, text

NAMED = {"background", "colour", "material", "expression", "portrait", "style", "add", "remove", "replace",
         "tone", "photo", "parts", "counting", "follow-up"}  # fmt: skip


def _cases(tmp_path, *rows: str):
    path = tmp_path / "cases.tsv"
    path.write_text("# mine\ncategory\trequest\texpected\tchecks\n" + "\n".join(rows) + "\n")
    return path


def test_the_shipped_set_has_everyday_requests_in_twelve_or_more_categories():
    cases = load_cases(shipped_cases())
    categories = {c.category for c in cases}
    assert len(cases) >= 60 and len(categories) >= 12 and categories >= NAMED
    assert len({c.request for c in cases}) == len(cases)  # no request twice
    assert all(c.expected and all(c.expected) for c in cases)
    follow = [c for c in cases if c.category == "follow-up"]
    assert follow and all(c.setup for c in follow)


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("remove\tremove the cat", ":2: a case is category, request and expected tools"),
        ("remove\tremove the cat\tdetect segment remove\tlabels cat", ":2: a check is arg=value or arg~text"),
    ],
)
def test_a_malformed_case_names_its_line(tmp_path, row, said):
    path = tmp_path / "bad.tsv"
    path.write_text(f"category\trequest\texpected\n{row}\n")
    with pytest.raises(UserError, match=said):
        load_cases(path)


def test_offline_scorecard_counts_right_and_names_the_misses(tiny_settings, tmp_path, capsys):
    cases = _cases(
        tmp_path,
        "remove\tremove the cat on the left\tfind segment remove\tlabels=cat; which=left",
        "remove\terase the dog\tfind segment remove\tlabels=cat",  # a check that fails
        "style\tas a pencil sketch\trestyle | instruct\tprompt~pencil",
        "other\tfly me to the moon\tgenerate",  # not understood
        "follow-up\treplace the cat with a dog >> now make it red\tinpaint\tprompt~red dog",
    )
    assert main(["eval", "planner", str(cases), "--planner", "offline"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("planner offline: 5 cases (planned, not run)")
    assert "remove             1 / 2     50%" in out and "style              1 / 1     100%" in out
    assert "follow-up          1 / 1     100%" in out and "overall            3 / 5     60%" in out
    assert "expected find segment remove; planned detect segment remove, but not labels=cat" in out
    assert "expected generate; planned nothing; it said: I did not understand “fly me to the moon”." in out
    assert main(["eval", "planner", str(cases), "--planner", "offline", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["overall"] == {"right": 3, "cases": 5} and record["ran"] is False
    assert [c["tools"] for c in record["cases"]][0] == ["detect", "segment", "remove"]
    assert record["cases"][4]["setup"] == ["replace the cat with a dog"]


def test_run_runs_the_tools_and_a_scene_that_cannot_be_set_is_not_scored(tiny_settings, tmp_path, capsys):
    cases = _cases(
        tmp_path,
        "remove\tremove the cat\tfind segment remove",
        "follow-up\tfly me to the moon >> now make it red\tinpaint",
    )
    assert main(["eval", "planner", str(cases), "--planner", "offline", "--run", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["ran"] and record["overall"] == {"right": 1, "cases": 1}
    skipped = record["cases"][1]
    assert not skipped["scored"] and skipped["why"].startswith("“fly me to the moon” did not work")


def test_an_llm_is_scored_on_what_it_would_call_one_per_reply(tiny_settings, tmp_path, monkeypatch, capsys):
    """Nothing runs: each call is answered with the id it would make, so the next call can use it."""
    script = [
        calls(("detect", {"image": "image-1", "labels": ["cat"]})),
        calls(("segment", {"image": "image-1", "detection": "detection-1"})),
        calls(("inpaint", {"image": "image-1", "mask": "mask-1", "prompt": "a dog"})),
        text("done"),
        calls(("instruct", {"image": "image-1", "prompt": "make it winter"})),
        text("done"),
    ]
    cases = _cases(
        tmp_path,
        "replace\treplace the cat with a dog\tfind segment inpaint\tlabels=cat; prompt~dog",
        "scene\tmake it winter\trestyle",
    )
    with OpenAIStub(script) as stub:
        monkeypatch.setenv("PIXELSMITH_LLM_MODEL", "stub")
        monkeypatch.setenv("PIXELSMITH_LLM_BASE_URL", stub.base_url)
        assert main(["eval", "planner", str(cases), "--planner", "llm"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("planner llm: 2 cases") and "overall            1 / 2     50%" in out
    assert "expected restyle; planned instruct" in out
    told = [m["content"] for m in stub.requests[2]["messages"] if m["role"] == "tool"]
    assert told[-1].startswith("dry run (planning only): segment was not run; take it that it made mask-1")


def test_an_llm_that_does_not_answer_is_a_miss_not_a_fallback(tiny_settings, tmp_path, monkeypatch, capsys):
    cases = _cases(tmp_path, "remove\tremove the cat\tfind segment remove")
    with OpenAIStub([status(500)] * 4) as stub:
        monkeypatch.setenv("PIXELSMITH_LLM_MODEL", "stub")
        monkeypatch.setenv("PIXELSMITH_LLM_BASE_URL", stub.base_url)
        monkeypatch.setenv("PIXELSMITH_LLM_MAX_RETRIES", "0")
        assert main(["eval", "planner", str(cases), "--planner", "llm", "--json"]) == 0
    (case,) = json.loads(capsys.readouterr().out)["cases"]
    assert not case["right"] and "did not answer" in case["why"] and case["tools"] == []
