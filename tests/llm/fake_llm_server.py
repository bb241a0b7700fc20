"""A tiny local HTTP server that misbehaves on purpose (down, slow, HTML, invalid JSON, 5xx, 401).

Each request takes the next behaviour from ``script`` (the last one repeats). Bound to 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def chat_body(content: str) -> dict[str, Any]:
    return {
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 5},
    }


class FakeServer:
    def __init__(self, script: list[tuple[str, Any]]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def next_step(self, body: dict[str, Any]) -> tuple[str, Any]:
        with self._lock:
            self.requests.append(body)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def _handler(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            kind, arg = fake.next_step(body)
            with fake._lock:
                fake.active += 1
                fake.max_active = max(fake.max_active, fake.active)
            try:
                if kind == "sleep":  # answer late, then with arg (content) if still connected
                    time.sleep(arg[0])
                    kind, arg = "content", arg[1]
                if kind == "content":
                    self._reply(200, json.dumps(chat_body(arg)).encode(), "application/json")
                elif kind == "html":
                    self._reply(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
                elif kind == "garbage":
                    self._reply(200, b'{"choices": [', "application/json")
                elif kind == "status":
                    self._reply(arg, b'{"error": "nope"}', "application/json")
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with fake._lock:
                    fake.active -= 1

    return Handler


@contextmanager
def fake_server(script: list[tuple[str, Any]]) -> Iterator[tuple[str, FakeServer]]:
    fake = FakeServer(script)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", fake
    finally:
        httpd.shutdown()
        httpd.server_close()
