"""Issue 27: reference photos ("put the dog from this photo on the sofa"), given beside a
request on every face (the Python API, `edit --reference`, MCP), kept in the session
without becoming the current image, and passed by the planners to `instruct`."""

from __future__ import annotations

import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from pixelsmith.agent.normalise import normalise
from pixelsmith.agent.rules import OfflinePlanner
from pixelsmith.api import Editor
from pixelsmith.cli import main
from pixelsmith.errors import UserError
from pixelsmith.testing import noise_image
from pixelsmith.views import ArtifactView, WorkspaceView

ASK = "make the cat look like this one, 1 steps"


def _view(*, reference_after: bool = True) -> WorkspaceView:
    photo = ArtifactView("image-1", "image", [], "upload", size=(96, 64))
    reference = ArtifactView("image-2", "image", [], "reference", size=(50, 80))
    edited = ArtifactView("image-3", "image", ["image-1"], "instruct", size=(96, 64))
    if reference_after:
        return WorkspaceView("image-1", [photo, reference])
    return WorkspaceView("image-3", [photo, reference, edited])


@pytest.mark.parametrize(
    "said",
    ["put the dog from this photo on the sofa", "make the cat look like this one",
     "use the other picture for the sky", "give her the hat from the reference"],
)  # fmt: skip
def test_the_rules_pass_a_fresh_reference_to_instruct(said):
    plan = OfflinePlanner().plan(said, _view())
    (step,) = plan.steps
    assert (
        step.tool == "instruct" and step.args["image"] == "image-1" and step.args["references"] == ["image-2"]
    )
    assert step.args["prompt"] == said


def test_a_reference_used_before_or_not_pointed_at_is_left_alone():
    assert "references" not in str(OfflinePlanner().plan("make it winter", _view()).steps)
    old = OfflinePlanner().plan("make the cat look like this one", _view(reference_after=False))
    assert all("references" not in s.args for s in old.steps)  # given for an earlier edit
    assert "reference photos the user just gave: image-2" in _view().text()
    assert "reference photos" not in _view(reference_after=False).text()
    assert normalise("the dog from this photo").text  # the phrase survives normalising


@pytest.fixture
def klein(tiny_config, tiny_dir, tmp_path, monkeypatch):
    """The environment of a process whose editor is the tiny FLUX.2 [klein] (references: 3)."""
    env = {
        "PIXELSMITH_CONFIG": str(tiny_config),
        "PIXELSMITH_EDITOR__BACKEND": "flux2-klein",
        "PIXELSMITH_EDITOR__MODEL": str(tiny_dir / "flux2-klein"),
        "PIXELSMITH_EDITOR__MAX_PIXELS": "4096",
        "PIXELSMITH_DATA_DIR": str(tmp_path / "data"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    photos = tmp_path / "photos"
    photos.mkdir()
    noise_image(96, 64, seed=1).save(photos / "cat.png")
    noise_image(50, 80, seed=2).save(photos / "dog.png")
    return photos, env


def test_the_api_keeps_the_reference_beside_the_photo_and_instruct_reads_it(klein):
    photos, _ = klein
    editor = Editor(planner="offline")
    done = editor.edit(photos / "cat.png", ASK, reference=photos / "dog.png")
    assert done.ok, done.messages
    (step,) = done.steps
    assert step.tool == "instruct" and step.args["references"] == ["image-2"]
    record = done.session.workspace.record
    kinds = {a.id: a.tool for a in record.artifacts}
    assert kinds == {"image-1": "upload", "image-2": "reference", "image-3": "instruct"}
    assert record.current_image == "image-3" and done.image.size == (96, 64)
    again = done.session.edit("make the cat look like this one, 1 steps")  # no new reference: not reused
    assert all("references" not in s.args for s in again.steps)


def test_without_an_editor_that_takes_one_the_inpainter_takes_the_reference(tiny_settings, tmp_path):
    """InstructPix2Pix takes no reference: a named object is inpainted with it (IP-Adapter);
    a request that names none is refused in one sentence that says both ways."""
    photo, dog = noise_image(96, 64, seed=1), noise_image(50, 80, seed=2)
    editor = Editor(settings=tiny_settings.model_copy(update={"data_dir": tmp_path}), planner="offline")
    done = editor.edit(photo, ASK, reference=dog)
    assert done.ok, done.messages
    assert [s.tool for s in done.steps] == ["detect", "segment", "inpaint"]
    assert done.steps[-1].args["references"] == ["image-2"] and done.image_id == "image-3"

    done = editor.edit(photo, "use the colours of this picture, 1 steps", reference=dog)
    assert not done.ok
    said = " ".join(done.messages)
    assert "cannot use a reference photo" in said and "flux-kontext, qwen-image-edit, flux2-klein" in said
    assert "replace the cat with the dog from this photo" in said
    assert done.session.workspace.record.current_image == "image-1"  # the photo, unchanged
    with pytest.raises(UserError, match="notes.txt: not a readable image"):
        (tmp_path / "notes.txt").write_text("not a picture")
        editor.edit(photo, ASK, reference=tmp_path / "notes.txt")


def test_edit_reference_on_the_command_line(klein, tmp_path, capsys):
    photos, _ = klein
    out = tmp_path / "out.png"
    code = main(
        ["edit", str(photos / "cat.png"), ASK, "--reference", str(photos / "dog.png"), "-o", str(out)]
    )
    assert code == 0, capsys.readouterr()
    assert Image.open(out).size == (96, 64)
    assert "instruct" in capsys.readouterr().out


def test_an_mcp_client_gives_a_reference(klein):
    pytest.importorskip("mcp")
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    photos, env = klein
    params = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from pixelsmith.cli import run; run()", "mcp", "--allow-dir", str(photos)],
        env={**os.environ, **env, "HF_HUB_OFFLINE": "1"},
    )

    async def talk() -> dict:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            done = await session.call_tool(
                "edit",
                {
                    "instruction": ASK,
                    "image": str(photos / "cat.png"),
                    "reference": [str(photos / "dog.png")],
                },
            )
            assert not done.is_error, done.content
            return done.structured_content

    with ThreadPoolExecutor(1) as pool:
        summary = pool.submit(asyncio.run, talk()).result(timeout=300)
    assert summary["ok"] and [s["tool"] for s in summary["steps"]] == ["instruct"]
    from pixelsmith.workspace import Workspace

    kept = Workspace.open(Path(env["PIXELSMITH_DATA_DIR"]), summary["session_id"]).record
    assert kept.steps[-1].args["references"] == ["image-2"]
    assert [a.tool for a in kept.artifacts if a.id == "image-2"] == ["reference"]


def test_a_planned_reference_must_be_an_image_of_the_session():
    from pixelsmith.agent.plan import Plan, Step
    from pixelsmith.agent.validate import PlanError, validate_plan
    from pixelsmith.errors import ToolInputError
    from pixelsmith.tools import default_tools

    view = _view()
    known = {a.id: a.kind for a in view.artifacts} | {"mask-1": "mask"}

    def exists(artifact: str, kind: str | None = None) -> None:  # as the workspace answers
        if known.get(artifact) is None or (kind and known[artifact] != kind):
            raise ToolInputError(f"there is no {kind or 'artifact'} {artifact}")

    for wrong in ("mask-1", "image-9"):
        args = {"image": "image-1", "prompt": "like this", "references": [wrong]}
        with pytest.raises(PlanError, match=f"no image {wrong}"):
            validate_plan(Plan(steps=[Step(tool="instruct", args=args)]), default_tools(), exists)
    args = {"image": "image-1", "prompt": "like this", "references": ["image-2"]}
    validate_plan(Plan(steps=[Step(tool="instruct", args=args)]), default_tools(), exists)


@pytest.mark.parametrize(
    "said, tools, prompt",
    [("replace the cat with the dog from this photo", ["detect", "segment", "inpaint"], "the dog"),
     ("make the cat look like this one", ["detect", "segment", "inpaint"], "the cat"),
     ("swap the cat for the one in this picture", ["detect", "segment", "inpaint"], "a cat"),
     ("put this dog on the sofa", ["detect", "segment", "place", "inpaint"], "a dog"),
     ("give the cat the collar from the other photo", ["detect", "segment", "place", "inpaint"], "a collar")],
)  # fmt: skip
def test_when_the_editor_takes_none_the_rules_inpaint_the_named_object_with_it(said, tools, prompt):
    view = _view()
    view.reference_tool = "inpaint"
    steps = OfflinePlanner().plan(said, view).steps
    assert [s.tool for s in steps] == tools
    assert steps[-1].args["references"] == ["image-2"] and steps[-1].args["prompt"] == prompt
    assert all("references" not in s.args for s in steps[:-1])
    assert "then pass references=[one id] to inpaint" in view.text()
    (step,) = OfflinePlanner().plan("use the colours of this picture", view).steps  # names nothing
    assert step.tool == "instruct" and step.args["references"] == ["image-2"]
