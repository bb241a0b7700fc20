"""``karte serve`` starts a real server on 127.0.0.1 that answers the task API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback(karte_home: Path) -> None:
    port = _free_port()
    env = {**os.environ, "KARTE_HOME": str(karte_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "karte", "serve", "--port", str(port), "--auth", "none"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        r = httpx.post(f"{base}/v1/tasks/sections", json={"id": "n", "text": "【主訴】発熱"}, timeout=30)
        assert r.status_code == 200
        assert r.json()["sections"][0]["name"] == "chief_complaint"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
