"""A Hugging Face hub on 127.0.0.1 for the download tests: it serves local folders as model
repos through the parts of the hub's HTTP API that `snapshot_download` and `from_pretrained`
use (revision info, the file tree, HEAD and GET of a file), at a chosen speed, so a first
load really downloads (slowly, when asked) without the internet.

    with FakeHub({"tiny/owlv2": folder}, bytes_per_second=100_000) as hub:
        env HF_ENDPOINT=hub.url, an empty HF_HOME, and `detector.model = "tiny/owlv2"`
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

CHUNK = 16_384


class FakeHub:
    def __init__(
        self, repos: dict[str, Path], *, bytes_per_second: float | None = None, gated: tuple[str, ...] = ()
    ) -> None:
        self.repos = {name: Path(folder) for name, folder in repos.items()}
        self.gated = set(gated)  # repos this account has not been granted: 403 "GatedRepo", as the hub says
        self.bytes_per_second = bytes_per_second
        self.requests: list[str] = []  # "GET /path <monotonic time>", in order
        self.finished: list[str] = []  # the paths of the files sent whole, in order
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def commit(self, repo: str) -> str:
        return hashlib.sha1(repo.encode()).hexdigest()

    def files(self, repo: str) -> list[Path]:
        root = self.repos[repo]
        return sorted(p for p in root.rglob("*") if p.is_file())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet test output
                pass

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def do_GET(self) -> None:
                self._answer(body=True)

            def _answer(self, body: bool) -> None:
                hub.requests.append(f"{self.command} {self.path} {time.monotonic():.2f}")
                path = unquote(urlparse(self.path).path)
                for repo in hub.repos:
                    if repo in hub.gated and f"/{repo}/" in f"{path}/":
                        return self._refuse(body)
                    if path == f"/api/models/{repo}" or path.startswith(f"/api/models/{repo}/revision/"):
                        return self._json(hub._info(repo), body)
                    if path.startswith(f"/api/models/{repo}/tree/"):
                        return self._json(hub._tree(repo), body)
                    if path.startswith(f"/{repo}/resolve/"):
                        name = path.removeprefix(f"/{repo}/resolve/").split("/", 1)[1]
                        return self._file(repo, name, body)
                self._missing("RepoNotFound", body)

            def _json(self, value: object, body: bool) -> None:
                data = json.dumps(value).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def _missing(self, code: str, body: bool) -> None:
                self.send_response(404)
                self.send_header("X-Error-Code", code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _refuse(self, body: bool) -> None:
                message = (
                    b"Access to this model is restricted. You must have access to it and be authenticated."
                )
                self.send_response(403)
                self.send_header("X-Error-Code", "GatedRepo")
                self.send_header("X-Error-Message", message.decode())
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                if body:
                    self.wfile.write(message)

            def _file(self, repo: str, name: str, body: bool) -> None:
                file = hub.repos[repo] / name
                if not file.is_file():
                    return self._missing("EntryNotFound", body)
                data = file.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Repo-Commit", hub.commit(repo))
                self.send_header("ETag", f'"{hashlib.sha1(data).hexdigest()}"')
                self.end_headers()
                if not body:
                    return
                for start in range(0, len(data), CHUNK):
                    self.wfile.write(data[start : start + CHUNK])
                    if hub.bytes_per_second:
                        time.sleep(CHUNK / hub.bytes_per_second)
                hub.finished.append(f"{repo}/{name}")

        return Handler

    def _info(self, repo: str) -> dict:
        siblings = [{"rfilename": str(p.relative_to(self.repos[repo]))} for p in self.files(repo)]
        return {"id": repo, "modelId": repo, "sha": self.commit(repo), "private": False, "siblings": siblings}

    def _tree(self, repo: str) -> list[dict]:
        root = self.repos[repo]
        return [
            {
                "type": "file",
                "path": str(p.relative_to(root)),
                "size": p.stat().st_size,
                "oid": hashlib.sha1(p.read_bytes()).hexdigest(),
            }
            for p in self.files(repo)
        ]


def hub_config(tiny_config: Path, folder: Path) -> Path:
    """The tiny config with the detector named by a hub id ("tiny/owlv2"), not a folder, so
    its first load goes through the hub."""
    text = tiny_config.read_text()
    owlv2 = next(line for line in text.splitlines() if line.startswith("model = ") and "owlv2" in line)
    config = folder / "hub.toml"
    config.write_text(text.replace(owlv2, 'model = "tiny/owlv2"'))
    return config
