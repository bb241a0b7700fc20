"""The ``embedded`` backend: llama.cpp in process (llama-cpp-python), using the GGUF's own chat template.

Structured output uses llama.cpp's JSON-schema → GBNF grammar, so the sampler can only produce JSON that
matches the schema. One loaded model is shared per process (loading is the expensive part).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from karte.llm.backend import BaseBackend
from karte.llm.errors import LLMError, ModelNotInstalledError
from karte.llm.types import Completion, Message

if TYPE_CHECKING:
    from llama_cpp import Llama

DEFAULT_CONTEXT = 4096
_LOADED: dict[tuple[str, int, int], Llama] = {}
_LOAD_LOCK = threading.Lock()


def load_llama(path: Path, n_ctx: int = DEFAULT_CONTEXT, n_threads: int | None = None) -> Llama:
    """Load (once per process) the GGUF at ``path``; a clear error if llama.cpp refuses the file."""
    threads = n_threads or max(1, os.cpu_count() or 1)
    key = (str(path), n_ctx, threads)
    with _LOAD_LOCK:
        if key not in _LOADED:
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise LLMError(
                    "llama-cpp-python がありません: pip install 'llama-cpp-python==0.3.36' "
                    "(embedded backend needs llama-cpp-python)",
                    field="llm",
                ) from exc
            from karte.llm.llama_compat import safe_model_params

            try:
                with safe_model_params():
                    _LOADED[key] = Llama(
                        model_path=str(path),
                        n_ctx=n_ctx,
                        n_threads=threads,
                        n_threads_batch=threads,
                        seed=0,
                        verbose=False,
                    )
            except (ValueError, RuntimeError) as exc:
                raise ModelNotInstalledError(
                    f"モデル {path} を読み込めません ({exc})。"
                    "`karte models install --force` で入れ直してください "
                    f"(cannot load model file)",
                    field="llm_model",
                ) from exc
        return _LOADED[key]


class EmbeddedBackend(BaseBackend):
    name = "embedded"

    def __init__(self, path: Path, *, n_ctx: int = DEFAULT_CONTEXT, n_threads: int | None = None) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.path = path
        self.llama = load_llama(path, n_ctx, n_threads)
        meta = self.llama.metadata
        template = meta.get("tokenizer.chat_template")
        if not template:
            raise LLMError(
                f"モデル {path.name} にチャットテンプレートがありません (GGUF has no chat template)",
                field="llm_model",
            )
        eos = self.llama.token_eos()
        bos = self.llama.token_bos()
        model = self.llama._model
        self.formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "",
            stop_token_ids=[eos],
        )
        self._lock = threading.Lock()
        self._grammars: dict[str, Any] = {}

    @property
    def model_id(self) -> str:
        return self.path.name

    @property
    def context_length(self) -> int:
        return int(self.llama.n_ctx())

    def prompt_tokens(self, messages: Sequence[Message]) -> tuple[list[int], Any]:
        """The prompt as tokens, rendered with the GGUF chat template, and the formatter's result."""
        result = self.formatter(messages=[m.model_dump() for m in messages])  # type: ignore[misc]
        tokens = self.llama.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )
        return tokens, result

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return len(self.prompt_tokens(messages)[0])

    def _grammar(self, json_schema: dict[str, Any]) -> Any:
        import json

        from llama_cpp import LlamaGrammar

        key = json.dumps(json_schema, sort_keys=True)
        if key not in self._grammars:
            # Unsorted: the grammar keeps the schema's property order (the pydantic field order).
            self._grammars[key] = LlamaGrammar.from_json_schema(json.dumps(json_schema), verbose=False)
        return self._grammars[key]

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
        tokens, fmt = self.prompt_tokens(messages)
        if len(tokens) + max_tokens > self.context_length:
            raise LLMError(
                f"プロンプト {len(tokens)} + 生成 {max_tokens} トークンが"
                f"文脈長 {self.context_length} を超えます "
                f"(prompt too long for the context window)",
                field="prompt",
                type="llm_context_overflow",
            )
        stops = list(stop) + ([fmt.stop] if isinstance(fmt.stop, str) else list(fmt.stop or []))
        grammar = self._grammar(json_schema) if json_schema is not None else None
        start = time.perf_counter()
        with self._lock:  # one llama context: calls are serialised
            out: Any = self.llama.create_completion(
                prompt=tokens,
                max_tokens=max_tokens,
                temperature=temperature,
                seed=seed,
                stop=stops,
                stopping_criteria=fmt.stopping_criteria,
                grammar=grammar,
                repeat_penalty=1.0,
            )
        latency = time.perf_counter() - start
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Completion(
            text=choice["text"],
            tokens_in=int(usage.get("prompt_tokens", len(tokens))),
            tokens_out=int(usage.get("completion_tokens", 0)),
            latency_s=latency,
            backend=self.name,
            model_id=self.model_id,
            finish_reason=choice.get("finish_reason"),
            structured_mode="grammar" if grammar is not None else None,
        )
