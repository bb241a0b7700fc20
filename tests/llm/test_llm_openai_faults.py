"""The openai backend against a misbehaving local server: retried, then a clear per-record error."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from fake_llm_server import fake_server
from pydantic import BaseModel

from karte.config import reset_settings_cache
from karte.llm import LLMError, LLMUnavailableError, Message, StructuredOutputError
from karte.llm.openai_backend import OpenAIBackend
from karte.tasks import run

HELLO = [Message(role="user", content="こんにちは")]


class Answer(BaseModel):
    answer: str


def _backend(url: str, **kw: float) -> OpenAIBackend:
    args = {"retries": 2, "backoff_s": 0.01, "timeout_s": 5.0, **kw}
    return OpenAIBackend(url, model="fake", **args)  # type: ignore[arg-type]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_endpoint_down_is_retried_then_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    with pytest.raises(LLMUnavailableError, match="3 回") as info:
        _backend(url).generate(HELLO)
    assert url in info.value.message and "接続できません" in info.value.message


def test_slow_endpoint_times_out_and_is_retried() -> None:
    with fake_server([("sleep", (1.5, "遅い"))]) as (url, fake):
        with pytest.raises(LLMUnavailableError, match="時間切れ"):
            _backend(url, timeout_s=0.3, retries=1).generate(HELLO)
        assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("kind", "arg", "why"), [("html", None, "JSON ではありません"), ("status", 503, "503")]
)
def test_html_or_5xx_is_retried_then_reported(kind: str, arg: object, why: str) -> None:
    with fake_server([(kind, arg)]) as (url, fake):
        with pytest.raises(LLMUnavailableError, match=why):
            _backend(url).generate(HELLO)
        assert len(fake.requests) == 3


def test_transient_faults_recover_within_the_retries() -> None:
    with fake_server([("status", 500), ("html", None), ("content", "はい")]) as (url, fake):
        completion = _backend(url).generate(HELLO)
    assert completion.text == "はい" and len(fake.requests) == 3
    assert completion.tokens_in == 11 and completion.tokens_out == 5


def test_auth_failure_is_not_retried() -> None:
    with fake_server([("status", 401)]) as (url, fake):
        with pytest.raises(LLMError, match="KARTE_LLM_API_KEY") as info:
            _backend(url).generate(HELLO)
    assert info.value.type == "llm_auth" and len(fake.requests) == 1


def test_invalid_structured_answer_gets_one_repair_round() -> None:
    fenced = '```json\n{"answer": "b"}\n```'  # never accepted by stripping the fence
    with fake_server([("content", fenced), ("content", '{"answer": "b"}')]) as (url, fake):
        completion = _backend(url).generate(HELLO, schema=Answer)
    assert completion.parsed == {"answer": "b"} and completion.repaired
    assert completion.structured_mode == "json_schema"
    assert fake.requests[0]["response_format"]["type"] == "json_schema"
    repair_prompt = fake.requests[1]["messages"][-1]["content"]
    assert "スキーマ" in repair_prompt and fake.requests[1]["messages"][-2]["content"] == fenced


def test_still_invalid_after_repair_is_a_clear_error() -> None:
    with fake_server([("content", "答えは b です")]) as (url, fake):
        with pytest.raises(StructuredOutputError, match="修正後も"):
            _backend(url).generate(HELLO, schema=Answer)
    assert len(fake.requests) == 2


def test_server_without_schema_support_falls_back() -> None:
    script = [("status", 422), ("status", 400), ("content", '{"answer": "c"}')]
    with fake_server(script) as (url, fake):
        backend = _backend(url)
        completion = backend.generate(HELLO, schema=Answer)
        assert completion.structured_mode == "prompt" and completion.parsed == {"answer": "c"}
        assert "response_format" not in fake.requests[2]
        assert "スキーマ" in fake.requests[2]["messages"][-1]["content"]
        backend.generate(HELLO, schema=Answer)  # the working mode is remembered
        assert len(fake.requests) == 4


def test_concurrency_limit_is_respected() -> None:
    with fake_server([("sleep", (0.2, "ok"))]) as (url, fake):
        backend = _backend(url, max_concurrency=2)
        threads = [threading.Thread(target=backend.generate, args=(HELLO,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    # Never more than the limit at once (how many overlap below it depends on the machine's load).
    assert len(fake.requests) == 6 and 1 <= fake.max_active <= 2


def test_batch_goes_on_when_one_record_fails(monkeypatch: pytest.MonkeyPatch, karte_home: Path) -> None:
    # The model answers with the text of the choice it picked; the task maps it back to the letter.
    script = [("status", 500), ("status", 500), ("content", '{"answer": "y"}')]
    with fake_server(script) as (url, _fake):
        for key, value in {
            "KARTE_LLM": "openai",
            "KARTE_LLM_BASE_URL": url,
            "KARTE_LLM_MODEL": "fake",
            "KARTE_LLM_RETRIES": "1",
        }.items():
            monkeypatch.setenv(key, value)
        reset_settings_cache()
        records = [
            {"id": i, "question": f"問{i}。正しいのはどれか。", "choices": {"a": "x", "b": "y"}}
            for i in range(3)
        ]
        out = run("qa", records)
    assert out[0]["error"]["type"] == "llm_unavailable" and url in out[0]["error"]["message"]
    assert out[1]["answer"] == ["b"] and out[2]["answer"] == ["b"]
    assert out[1]["llm"]["backend"] == "openai"
