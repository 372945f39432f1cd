"""Issue 15: limits that hold and failures that are one line: exit codes through the real
console script, a hostile LLM server, forty tool calls in one reply, a tool crash inside
`edit`, huge values in errors, a bad -o found before any model runs."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from pixelsmith.agent import events as ev
from pixelsmith.agent.agent import Agent
from pixelsmith.agent.planners import make_planner
from pixelsmith.cli import main
from pixelsmith.config import load_settings
from pixelsmith.testing import noise_image
from pixelsmith.testing.openai_stub import OpenAIStub, body, calls, text
from pixelsmith.workspace import Workspace


def _cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess:
    """The installed console script's code path, in a process of its own."""
    code = "from pixelsmith.cli import run; run()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, cwd=env_dir
    )


def test_exit_codes_through_the_console_script(tiny_settings, tmp_path) -> None:
    noise_image(96, 64).save(tmp_path / "photo.png")
    done = _cli("edit", "photo.png", "find the cat, threshold 0", env_dir=tmp_path)
    nothing = _cli("edit", "photo.png", "remove the cat, threshold 1", env_dir=tmp_path)
    unclear = _cli("edit", "photo.png", "what is the meaning of life", env_dir=tmp_path)
    missing = _cli("edit", "nope.png", "remove the cat", env_dir=tmp_path)
    usage = _cli("edit", "--bogus", env_dir=tmp_path)
    codes = [p.returncode for p in (done, nothing, unclear, missing, usage)]
    assert codes == [0, 1, 1, 2, 2], [p.stderr[-300:] for p in (done, nothing, unclear, missing, usage)]
    assert missing.stderr.strip() == "error: nope.png: no such file; check the path"
    assert "Traceback" not in "".join(p.stderr for p in (done, nothing, unclear, missing, usage))


def _llm_agent(stub: OpenAIStub, tiny_config, tiny_registry, tmp_path, **settings) -> Agent:
    current = load_settings(
        tiny_config, llm_model="stub", llm_base_url=stub.base_url, data_dir=tmp_path / "data", **settings
    )
    return Agent(Workspace.create(current.data_dir), tiny_registry, planner=make_planner(current))


@pytest.mark.parametrize(
    "reply",
    [body("<html>gateway</html>"), body('{"choices": []}'), body('{"id": "x"}'), body(b"\xff\xfe")],
    ids=["not-json", "no-choices", "no-fields", "bytes"],
)
def test_a_broken_llm_reply_falls_back_to_offline_with_a_note(reply, tiny_config, tiny_registry, tmp_path):
    with OpenAIStub([reply] * 4) as stub:
        agent = _llm_agent(stub, tiny_config, tiny_registry, tmp_path, llm_max_retries=0)
        events = list(agent.send("find the cat", image=noise_image(80, 48)))
    notices = [e.text for e in events if isinstance(e, ev.Notice)]
    assert notices and "did not answer" in notices[0] and "offline planner" in notices[0]
    assert [e.tool for e in events if isinstance(e, ev.StepFinished)] == ["detect"]
    assert isinstance(events[-1], ev.Done) and events[-1].ok


def test_forty_tool_calls_in_one_reply_are_refused_not_run(tiny_config, tiny_registry, tmp_path) -> None:
    forty = calls(*[("detect", {"image": "image-1", "labels": ["cat"]})] * 40)
    with OpenAIStub([forty, text("Sorry.")]) as stub:
        agent = _llm_agent(stub, tiny_config, tiny_registry, tmp_path)
        events = list(agent.send("find every cat", image=noise_image(64, 48)))
    assert agent.workspace.record.steps == []
    told = [m["content"] for m in stub.requests[1]["messages"] if m["role"] == "tool"]
    assert "the plan has 40 steps, more than the 12 left of this request's limit of 12; plan fewer" in told[0]
    assert not events[-1].ok


def test_a_tool_crash_in_edit_is_one_line_and_the_traceback_goes_to_the_log(
    tiny_settings, tmp_path, capsys, monkeypatch
) -> None:
    from pixelsmith.tools import default_tools

    tools = default_tools()
    detect = tools.get("detect")

    def crash(inputs: detect.input_model, ctx) -> detect.output_type:
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    crash.__annotations__ = dict(detect.run.__annotations__)
    monkeypatch.setitem(tools._tools, "detect", dataclasses.replace(detect, run=crash))
    photo = tmp_path / "photo.png"
    noise_image(64, 48).save(photo)
    assert main(["edit", str(photo), "find the cat"]) == 1
    out = capsys.readouterr()
    assert "detect failed (RuntimeError: CUDA error" in out.out
    assert "Traceback" not in out.err + out.out
    log = (tiny_settings.data_dir / "logs" / "pixelsmith.log").read_text()
    assert "Traceback" in log and "illegal memory access" in log


def test_a_huge_value_is_cut_in_the_error_line(tiny_settings, tmp_path, capsys) -> None:
    prompt = "x" * 100_000
    assert main(["generate", prompt, "-o", str(tmp_path / "out.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: generate: prompt") and len(err) < 700 and "more characters" in err


@pytest.mark.parametrize(
    ("output", "expected"),
    [("{tmp}", "is a folder"), ("{tmp}/new/out.xyz", "cannot tell the image format from '.xyz'")],
)
def test_a_bad_output_path_is_refused_before_any_model_runs(output, expected, tiny_settings, tmp_path, capsys):
    photo = tmp_path / "photo.png"
    noise_image(64, 48).save(photo)
    target = output.format(tmp=tmp_path)
    assert main(["edit", str(photo), "remove the cat", "-o", target]) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "new").exists() and not (tiny_settings.data_dir / "sessions").exists()
