"""`pixelsmith mcp` as a subprocess, driven by the MCP SDK's own client over stdio and
streamable HTTP: the tools and their schemas, `edit` on a photo with the tiny checkpoints,
a follow-up and an undo in the same session, a registered tool on a session artifact, the
session resources, and a path outside the allowed folders refused."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

COMMAND = [sys.executable, "-c", "from pixelsmith.cli import run; run()", "mcp"]


def _env(tiny_config: Path) -> dict[str, str]:
    return {**os.environ, "PIXELSMITH_CONFIG": str(tiny_config), "HF_HUB_OFFLINE": "1"}


@asynccontextmanager
async def _stdio(tiny_config: Path, photos: Path, *more: str):
    params = StdioServerParameters(
        command=COMMAND[0], args=[*COMMAND[1:], "--allow-dir", str(photos), *more], env=_env(tiny_config)
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def _http(tiny_config: Path, photos: Path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [*COMMAND, "--port", str(port), "--allow-dir", str(photos)],
        env=_env(tiny_config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # listening yet?
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.3)
        url = f"http://127.0.0.1:{port}/mcp"
        async with streamable_http_client(url) as (read, write, *_), ClientSession(read, write) as session:
            await session.initialize()
            yield session
    finally:
        server.terminate()
        server.wait(timeout=20)


def _summary(result) -> dict:
    return json.loads(next(c.text for c in result.content if c.type == "text"))


async def _conversation(session: ClientSession, photo: Path, outside: Path) -> None:
    listed = {t.name: t for t in (await session.list_tools()).tools}
    assert {"edit", "detect", "segment", "refine_mask", "inpaint", "remove", "generate"} <= set(listed)
    schema = listed["inpaint"].input_schema
    assert schema["properties"]["strength"]["maximum"] == 1.0 and "session_id" in schema["properties"]
    assert set(schema["required"]) == {"prompt", "image", "mask"}
    takes = {name for name, t in listed.items() if "image" in t.input_schema["properties"]}
    assert {"edit", "detect", "segment", "inpaint", "remove"} <= takes  # one name for the photo

    progress: list[float] = []

    async def seen(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    first = await session.call_tool(
        "edit",
        {"instruction": "replace the cat with a realistic green dragon, 3 steps", "image": str(photo)},
        progress_callback=seen,
    )
    assert not first.is_error, first.content
    done = _summary(first)
    assert done["ok"] and [s["tool"] for s in done["steps"]] == ["detect", "segment", "inpaint"]
    image = next(c for c in first.content if c.type == "image")
    assert image.mime_type == "image/jpeg" and Path(done["file"]).is_file() and progress
    assert first.structured_content == done
    sid = done["session_id"]

    red = _summary(await session.call_tool("edit", {"instruction": "now make it red", "session_id": sid}))
    assert red["ok"] and red["session_id"] == sid and red["image_id"] != done["image_id"]
    back = _summary(await session.call_tool("edit", {"instruction": "undo", "session_id": sid}))
    assert back["image_id"] == done["image_id"]

    found = await session.call_tool("detect", {"image": "image-1", "labels": ["cat"], "session_id": sid})
    assert not found.is_error and _summary(found)["steps"][0]["outputs"][0].startswith("detection-")

    transcript = await session.read_resource(f"pixelsmith://sessions/{sid}")
    assert "now make it red" in transcript.contents[0].text
    for uri, said in [  # what is not there is named (the SDK said "Error creating resource from template")
        ("pixelsmith://sessions/nope", "no session 'nope'"),
        (f"pixelsmith://sessions/{sid}/artifacts/image-99", "image-99"),
    ]:
        with pytest.raises(Exception, match=said):
            await session.read_resource(uri)

    for name in ("image", "image_path"):  # image_path: its old name, still taken
        refused = await session.call_tool("edit", {"instruction": "remove the cat", name: str(outside)})
        assert refused.is_error and "outside the allowed folders" in refused.content[0].text


@pytest.mark.parametrize("transport", [_stdio, _http], ids=["stdio", "streamable-http"])
def test_an_mcp_client_edits_follows_up_and_is_refused_outside_the_allowed_folders(
    transport, tiny_config, cat_photo, tmp_path
) -> None:
    photos, elsewhere = tmp_path / "photos", tmp_path / "elsewhere"
    photos.mkdir(), elsewhere.mkdir()
    cat_photo.save(photos / "cat.png")
    cat_photo.save(elsewhere / "cat.png")

    async def main() -> None:
        async with transport(tiny_config, photos) as session:
            await _conversation(session, photos / "cat.png", elsewhere / "cat.png")

    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result(timeout=600)


def test_a_big_result_is_a_preview_hosts_accept_and_a_full_size_resource(tiny_config, tmp_path) -> None:
    """Issue 22: a 4000x3000 edit comes back as a JPEG preview of at most 1568 px and 1 MB
    (base64), a resource link whose read gives the full-size PNG, and the full-size file
    copied into --output-dir; `structuredContent` names the session, the image and the file."""
    import base64
    import io

    from PIL import Image
    from skimage import data

    photos, results = tmp_path / "photos", tmp_path / "results"
    photos.mkdir()
    Image.fromarray(data.chelsea()).resize((4000, 3000), Image.BICUBIC).save(photos / "big.jpg", quality=90)

    async def main() -> None:
        async with _stdio(tiny_config, photos, "--output-dir", str(results)) as session:
            done = await session.call_tool(
                "edit", {"instruction": "make it winter, 2 steps", "image": str(photos / "big.jpg")}
            )
            assert not done.is_error, done.content
            shown = next(c for c in done.content if c.type == "image")
            assert shown.mime_type == "image/jpeg" and len(shown.data) <= 1_000_000
            preview = Image.open(io.BytesIO(base64.b64decode(shown.data)))
            assert max(preview.size) <= 1568 and preview.size == (1568, 1176)
            link = next(c for c in done.content if c.type == "resource_link")
            summary = done.structured_content
            sid, image = summary["session_id"], summary["image_id"]
            assert str(link.uri) == f"pixelsmith://sessions/{sid}/artifacts/{image}"
            full = await session.read_resource(link.uri)
            opened = Image.open(io.BytesIO(base64.b64decode(full.contents[0].blob)))
            assert opened.size == (4000, 3000) and opened.format == "PNG"
            assert summary["file"] == str(results / f"{sid}-{image}.png") and Path(summary["file"]).is_file()
            assert link.size == Path(summary["file"]).stat().st_size

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result(timeout=600)


def test_mcp_beyond_loopback_needs_a_token_and_checks_host_and_origin(tiny_config, tmp_path) -> None:
    """Issue 23 (10): `--host 0.0.0.0` without a token is refused in one line; with one, it
    warns, a request without the token gets 401, one naming another host 421, one from
    another origin 403, and a client with the token works."""
    import httpx
    import httpx2
    from mcp.client.streamable_http import create_mcp_http_client

    refused = subprocess.run(
        [*COMMAND, "--port", "1", "--host", "0.0.0.0"], env=_env(tiny_config), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2 and "set a token (--token, or PIXELSMITH_MCP_TOKEN)" in refused.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**_env(tiny_config), "PIXELSMITH_MCP_TOKEN": "s3cret"}
    server = subprocess.Popen(
        [*COMMAND, "--port", str(port), "--host", "0.0.0.0"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/mcp"
    hello = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        ask = {"accept": "application/json, text/event-stream"}
        assert httpx.post(url, json=hello, headers=ask).status_code == 401
        signed = {**ask, "authorization": "Bearer s3cret"}
        assert httpx.post(url, json=hello, headers={**signed, "host": "evil.example"}).status_code == 421
        assert (
            httpx.post(url, json=hello, headers={**signed, "origin": "http://evil.example"}).status_code
            == 403
        )

        async def listed() -> set[str]:
            client = create_mcp_http_client(headers={"authorization": "Bearer s3cret"})
            assert isinstance(client, httpx2.AsyncClient)
            async with (
                client,
                streamable_http_client(url, http_client=client) as (read, write, *_),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                return {t.name for t in (await session.list_tools()).tools}

        with ThreadPoolExecutor(1) as pool:
            assert "edit" in pool.submit(asyncio.run, listed()).result(timeout=120)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=20)
    assert "warning: MCP on 0.0.0.0 is reachable beyond this machine" in err
