"""A tiny OpenAI-compatible chat server on 127.0.0.1 that replays scripted answers.

Lets tests drive the real `ChatOpenAI` client offline. Script entries:
  `calls(("detect", {...}), ...)`  an assistant message with tool calls (`say=`: with text),
  `text("...")`                    a plain assistant answer,
  `status(500)`                    an HTTP error,
  `raw_calls(("detect", "{not json"))` tool calls with raw argument strings,
  `sleep(seconds)`                 answer after a delay (for client timeouts),
  `drip(seconds)`                  the headers at once, then the answer one byte per `seconds`.
When the script runs out, every request gets `text("done")`.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def calls(*items: tuple[str, dict], say: str | None = None) -> dict:
    return {"calls": [(name, json.dumps(args)) for name, args in items], "text": say}


def raw_calls(*items: tuple[str, str]) -> dict:
    return {"calls": list(items)}


def text(content: str) -> dict:
    return {"text": content}


def status(code: int) -> dict:
    return {"status": code}


def sleep(seconds: float) -> dict:
    return {"sleep": seconds}


def drip(seconds: float, entry: dict | None = None) -> dict:
    """A server that answers, but one byte per `seconds` (each read comes in time, the whole never)."""
    return {"drip": seconds, "entry": entry or text("done")}


def body(raw: str | bytes, code: int = 200) -> dict:
    """A reply of exactly `raw` (a hostile or broken server: not JSON, no choices, ...)."""
    return {"body": raw.encode() if isinstance(raw, str) else raw, "code": code}


class OpenAIStub:
    """`with OpenAIStub([...]) as stub:` then use `stub.base_url`; `stub.requests` logs bodies."""

    def __init__(self, script: list[dict]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> dict:
        with self._lock:
            return self.script.pop(0) if self.script else text("done")

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(body)
                entry = stub._next()
                if "sleep" in entry:
                    time.sleep(entry["sleep"])
                    entry = stub._next()
                if "status" in entry:
                    self._send(entry["status"], {"error": {"message": "scripted failure"}})
                    return
                if "body" in entry:
                    self._send(entry["code"], entry["body"])
                    return
                if "drip" in entry:
                    answer = _completion(body.get("model", "stub"), entry["entry"])
                    self._drip(json.dumps(answer).encode(), entry)
                    return
                self._send(200, _completion(body.get("model", "stub"), entry))

            def _drip(self, data: bytes, entry: dict) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    for i in range(len(data)):
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                        time.sleep(entry["drip"])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up

            def _send(self, code: int, payload: dict | bytes) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        return Handler


def _completion(model: str, entry: dict) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": entry.get("text")}
    finish = "stop"
    if "calls" in entry:
        message["tool_calls"] = [
            {
                "id": f"call_{i}_{time.monotonic_ns()}",
                "type": "function",
                "function": {"name": name, "arguments": args},
            }
            for i, (name, args) in enumerate(entry["calls"])
        ]
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
