"""The ``embedded`` backend: llama.cpp in process (llama-cpp-python), using the GGUF's own chat template.

Structured output uses llama.cpp's JSON-schema → GBNF grammar, so the sampler can only produce JSON that
matches the schema; at temperature 0 it is decoded by :mod:`karte.llm.grammar_decode` (the grammar is
asked about the whole vocabulary only when the model's first choice breaks it). One loaded model is
shared per process (loading is the expensive part).
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
from karte.llm.grammar_decode import greedy_grammar_decode, reuse_prefix
from karte.llm.types import Completion, ContinuationScores, Message

if TYPE_CHECKING:
    from llama_cpp import Llama

DEFAULT_CONTEXT = 4096
_LOADED: dict[tuple[str, int, int], Llama] = {}
_LOAD_LOCK = threading.Lock()


def default_threads() -> int:
    """CPU threads for llama.cpp: the cores this process may use, less those other processes keep busy.

    llama.cpp's worker threads spin-wait for each other at every layer, so one thread more than the
    free cores stalls them all: on this project's shared 2-core machine under a load of 5, a 0.5B
    model decoded 27 tokens in 4.1 s with 1 thread and in 26.5 s with 2. How busy the machine is
    comes from a 0.2 s sample of ``/proc/stat`` taken while this process waits (so its own earlier
    work does not count), else from the 1-minute load average. ``KARTE_LLM_THREADS`` overrides this.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    busy = _busy_cores(os.cpu_count() or cores)
    return max(1, min(cores, int(cores - busy + 0.5)))


def _busy_cores(total_cores: int, window_s: float = 0.2) -> float:
    def sample() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                fields = [int(x) for x in fh.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return idle, sum(fields[:8])

    first = sample()
    time.sleep(window_s)
    second = sample()
    if first is not None and second is not None and second[1] > first[1]:
        idle = (second[0] - first[0]) / (second[1] - first[1])
        return (1.0 - idle) * total_cores
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - platforms without a load average
        return 0.0


def load_llama(path: Path, n_ctx: int = DEFAULT_CONTEXT, n_threads: int | None = None) -> Llama:
    """Load (once per process) the GGUF at ``path``; a clear error if llama.cpp refuses the file."""
    key = (str(path), n_ctx, n_threads or 0)  # the request, not the load-dependent default: loaded once
    with _LOAD_LOCK:
        if key not in _LOADED:
            threads = n_threads or default_threads()
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
        if grammar is not None and temperature == 0.0:
            with self._lock:
                decoded = greedy_grammar_decode(self.llama, tokens, grammar, max_tokens, stops)
            return Completion(
                text=decoded.text,
                tokens_in=len(tokens),
                tokens_out=len(decoded.tokens),
                latency_s=time.perf_counter() - start,
                backend=self.name,
                model_id=self.model_id,
                finish_reason=decoded.finish_reason,
                structured_mode="grammar",
            )
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

    def score_continuations(
        self, messages: Sequence[Message], continuations: Sequence[str]
    ) -> ContinuationScores:
        """Sum of token log-probabilities of each continuation after the prompt (assistant turn opened).

        The prompt is evaluated once (reusing the KV cache of a shared prefix, as generation does);
        each continuation is then read in one batch from the end of the prompt and removed again.
        """
        import numpy as np

        tokens, _ = self.prompt_tokens(messages)
        conts = [self.llama.tokenize(c.encode("utf-8"), add_bos=False, special=False) for c in continuations]
        longest = max((len(c) for c in conts), default=0)
        if any(not c for c in conts):
            raise LLMError("空の選択肢は評価できません (empty continuation)", field="choices")
        if len(tokens) + longest > self.context_length or longest + 1 > self.llama.n_batch:
            raise LLMError(
                f"プロンプト {len(tokens)} + 選択肢 {longest} トークンが文脈長 {self.context_length} を"
                "超えます (prompt too long for the context window)",
                field="prompt",
                type="llm_context_overflow",
            )
        llama = self.llama
        start = time.perf_counter()
        scores: list[float] = []
        with self._lock:
            reuse_prefix(llama, tokens)
            llama.eval(tokens[llama.n_tokens : -1])  # every prompt token but the last (it starts each batch)
            base = llama.n_tokens
            n_vocab = llama.n_vocab()
            try:
                for cont in conts:
                    batch = [tokens[-1], *cont[:-1]]  # row i predicts cont[i]
                    llama._ctx.kv_cache_seq_rm(-1, base, -1)
                    llama._batch.set_batch(batch=batch, n_past=base, logits_all=True)
                    llama._ctx.decode(llama._batch)
                    logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(len(batch) * n_vocab,))
                    rows = logits.reshape(len(batch), n_vocab).astype(np.float64)
                    peak = rows.max(axis=1, keepdims=True)
                    log_z = np.log(np.exp(rows - peak).sum(axis=1)) + peak[:, 0]
                    scores.append(float(sum(rows[i, t] - log_z[i] for i, t in enumerate(cont))))
            finally:
                llama._ctx.kv_cache_seq_rm(-1, base, -1)
                llama.n_tokens = base
        return ContinuationScores(
            logprobs=scores,
            tokens=[len(c) for c in conts],
            tokens_in=len(tokens) + sum(len(c) for c in conts),
            latency_s=time.perf_counter() - start,
            backend=self.name,
            model_id=self.model_id,
        )
