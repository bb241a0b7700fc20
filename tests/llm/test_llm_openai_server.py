"""The openai backend against a real ``llama_cpp.server`` on 127.0.0.1 serving the small model.

The server is llama-cpp-python's own (``python -m karte.llm.llama_server`` runs ``llama_cpp.server``'s
``main`` with Karte's AMX workaround applied), started by the test with an API key.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from karte.config import reset_settings_cache
from karte.llm import LLMError, Message
from karte.llm.openai_backend import OpenAIBackend
from karte.tasks import run

API_KEY = "karte-test-key"
START_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(small_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("sse_starlette", reason="llama-cpp-python[server] extras are not installed")
    pytest.importorskip("starlette_context", reason="llama-cpp-python[server] extras are not installed")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "karte.llm.llama_server",
        "--model", str(small_model), "--model_alias", "karte-small",
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--api_key", API_KEY,
    ]  # fmt: skip
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ})
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}): {tail}")
            try:
                headers = {"Authorization": f"Bearer {API_KEY}"}
                if httpx.get(f"{url}/models", headers=headers, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start in {START_TIMEOUT_S}s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Organ(BaseModel):
    organ: str
    confident: bool


def test_plain_chat_and_model_discovery(server_url: str) -> None:
    backend = OpenAIBackend(server_url, api_key=API_KEY)
    hello = [Message(role="user", content="「はい」とだけ答えてください。")]
    completion = backend.generate(hello, max_tokens=8)
    assert backend.model_id == "karte-small"
    assert completion.text.strip() and completion.tokens_in > 0 and completion.tokens_out > 0
    assert completion.backend == "openai" and completion.model_id == "karte-small"


def test_structured_output_falls_back_to_the_servers_json_object_schema(server_url: str) -> None:
    backend = OpenAIBackend(server_url, api_key=API_KEY)
    messages = [Message(role="user", content="インスリンを分泌する臓器を JSON で答えてください。")]
    completion = backend.generate(messages, schema=Organ, max_tokens=40)
    # llama_cpp.server refuses response_format json_schema (HTTP 422) but enforces json_object + schema.
    assert completion.structured_mode == "json_object"
    assert completion.parsed is not None and Organ.model_validate(completion.parsed)


def test_wrong_api_key_is_a_clear_error(server_url: str) -> None:
    backend = OpenAIBackend(server_url, model="karte-small", api_key="wrong")
    with pytest.raises(LLMError, match="KARTE_LLM_API_KEY"):
        backend.generate([Message(role="user", content="こんにちは")], max_tokens=4)


def test_qa_task_through_the_server(server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KARTE_LLM", "openai")
    monkeypatch.setenv("KARTE_LLM_BASE_URL", server_url)
    monkeypatch.setenv("KARTE_LLM_API_KEY", API_KEY)
    reset_settings_cache()
    record = {
        "id": "q1",
        "question": "インスリンを分泌する臓器はどれか。",
        "choices": {"a": "肝臓", "b": "膵臓", "c": "腎臓"},
    }
    (out,) = run("qa", [record])
    assert "error" not in out, out
    assert out["answer"][0] in "abc" and out["llm"]["backend"] == "openai"
    assert out["llm"]["model"] == "karte-small"
