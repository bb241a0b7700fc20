"""The ``openai`` backend: any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama …).

Timeouts, retries with exponential backoff (connection errors, timeouts, 429/5xx, bodies that are not
JSON such as an HTML error page) and a limit on concurrent requests. Structured output: the first of
``response_format`` ``json_schema`` (OpenAI), ``json_object`` + ``schema`` (llama.cpp, vLLM) that the
server accepts is remembered; when neither is accepted the schema goes into the prompt, and the shared
validation + one repair round of :class:`BaseBackend` applies.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx

from karte.llm.backend import BaseBackend
from karte.llm.errors import LLMError, LLMUnavailableError
from karte.llm.prompts import render
from karte.llm.types import Completion, Message

DEFAULT_CONTEXT = 8192
STRUCTURED_MODES = ("json_schema", "json_object", "prompt")


class _Rejected(Exception):
    """The server refused the request as malformed (HTTP 400/422): not worth retrying."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class OpenAIBackend(BaseBackend):
    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        connect_timeout_s: float = 5.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        max_concurrency: int = 4,
        context_length: int = DEFAULT_CONTEXT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
        )
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._model = model
        self._context_length = context_length
        self._mode: str | None = None

    @property
    def model_id(self) -> str:
        if self._model is None:
            models = self._send("GET", "/models", None).get("data") or []
            if not models or not isinstance(models[0], dict) or "id" not in models[0]:
                raise LLMError(
                    f"{self.base_url}/models にモデルがありません。KARTE_LLM_MODEL を指定してください "
                    "(server lists no model; set KARTE_LLM_MODEL)",
                    field="llm_model",
                )
            self._model = str(models[0]["id"])
        return self._model

    @property
    def context_length(self) -> int:
        return self._context_length

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """A conservative estimate (no tokenizer here): one token per 3 UTF-8 bytes, i.e. per kanji."""
        return sum(len(m.content.encode("utf-8")) // 3 + 4 for m in messages) + 2

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        """One request with retries; returns the JSON body or raises a clear error."""
        url = f"{self.base_url}{path}"
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))
            try:
                with self._slots:
                    response = self._http.request(method, path, json=payload)
            except httpx.TimeoutException as exc:
                last = f"時間切れ (timeout: {type(exc).__name__})"
                continue
            except httpx.TransportError as exc:
                last = f"接続できません (connection failed: {exc})"
                continue
            status = response.status_code
            if status in (400, 422) or _refuses_response_format(status, payload, response.text):
                raise _Rejected(status, response.text[:300])
            if status in (401, 403):
                raise LLMError(
                    f"{url} が認証を拒否しました (HTTP {status})。KARTE_LLM_API_KEY を確認してください "
                    "(authentication refused; check KARTE_LLM_API_KEY)",
                    field="llm",
                    type="llm_auth",
                )
            if status == 429 or status >= 500:
                last = f"HTTP {status}: {response.text[:120]!r}"
                continue
            if status >= 300:
                raise LLMError(
                    f"{url} が HTTP {status} を返しました: {response.text[:200]!r} (unexpected HTTP status)",
                    field="llm",
                )
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                kind = response.headers.get("content-type", "?")
                last = f"応答が JSON ではありません ({kind}: {response.text[:80]!r}) (response is not JSON)"
                continue
            if not isinstance(body, dict):
                last = "応答が JSON オブジェクトではありません (response is not a JSON object)"
                continue
            return body
        raise LLMUnavailableError(
            f"LLM サーバー {url} が {self.retries + 1} 回試行しても応答しません: {last} "
            f"(endpoint failed after {self.retries + 1} attempts)",
            field="llm",
        )

    def _chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = self._send("POST", "/chat/completions", payload)
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise LLMUnavailableError(
                f"{self.base_url}/chat/completions の応答に choices がありません: {str(body)[:160]} "
                "(malformed chat completion)",
                field="llm",
            )
        return body

    def complete(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
        seed: int,
        stop: Sequence[str],
    ) -> Completion:
        base: dict[str, Any] = {
            "model": self.model_id,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
        }
        if stop:
            base["stop"] = list(stop)
        start = time.perf_counter()
        if json_schema is None:
            try:
                body, mode = self._chat({**base, "messages": _dump(messages)}), None
            except _Rejected as exc:
                raise LLMError(
                    f"{self.base_url} がリクエストを拒否しました: HTTP {exc.status} {exc.detail[:200]} "
                    "(server rejected the request)",
                    field="llm",
                ) from None
        else:
            body, mode = self._structured(base, messages, json_schema)
        latency = time.perf_counter() - start
        choice = body["choices"][0]
        text = (choice.get("message") or {}).get("content") or ""
        usage = body.get("usage") or {}
        return Completion(
            text=text,
            tokens_in=int(usage.get("prompt_tokens") or self.count_tokens(messages)),
            tokens_out=int(usage.get("completion_tokens") or 0),
            latency_s=latency,
            backend=self.name,
            model_id=self.model_id,
            finish_reason=choice.get("finish_reason"),
            structured_mode=mode,
        )

    def _structured(
        self, base: dict[str, Any], messages: Sequence[Message], schema: dict[str, Any]
    ) -> tuple[dict[str, Any], str]:
        modes = [self._mode] if self._mode else list(STRUCTURED_MODES)
        refusals = []
        for mode in modes:
            payload = {**base, "messages": _dump(messages)}
            if mode == "json_schema":
                payload["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "karte_output", "schema": schema, "strict": True},
                }
            elif mode == "json_object":
                payload["response_format"] = {"type": "json_object", "schema": schema}
            else:
                hint = render("json_instruction", {"schema": json.dumps(schema, ensure_ascii=False)})
                last = messages[-1]
                extended = Message(role=last.role, content=f"{last.content}\n\n{hint.messages[-1].content}")
                payload["messages"] = _dump([*messages[:-1], extended])
            try:
                body = self._chat(payload)
            except _Rejected as exc:
                refusals.append(f"{mode}: HTTP {exc.status} {exc.detail[:120]}")
                continue
            self._mode = mode
            return body, mode
        raise LLMError(
            f"{self.base_url} がリクエストを拒否しました: {'; '.join(refusals)} "
            "(server rejected the request)",
            field="llm",
        )


def _refuses_response_format(status: int, payload: dict[str, Any] | None, text: str) -> bool:
    """Some servers (llama_cpp.server) answer an unsupported ``response_format`` with HTTP 500."""
    asked = payload is not None and "response_format" in payload
    return status >= 500 and asked and "response_format" in text


def _dump(messages: Sequence[Message]) -> list[dict[str, str]]:
    return [m.model_dump() for m in messages]
