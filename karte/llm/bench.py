"""Prefill and decode speed through Karte vs bare llama-cpp-python on the same prompt and model.

Both paths use the same loaded ``Llama`` (so the same weights, threads and AMX workaround), the same
chat messages and greedy decoding; the KV cache is cleared before every timed call so each one
prefills the whole prompt. Karte's path is :meth:`LLMClient.ask` without the answer cache (template
rendering, token counting, prompt hash, budget, backend). The overhead ratio is Karte's time over
bare time for the full call (target ≤ 1.10).

The two paths run in alternating pairs (bare then Karte, Karte then bare on the next round), so a
change of load on a shared machine hits both alike; the ratios are medians of the per-pair ratios,
and the tokens/s shown are each path's best time.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from karte.config import Settings
from karte.llm.budget import Budget
from karte.llm.client import LLMClient
from karte.llm.embedded import EmbeddedBackend
from karte.llm.models import installed_model_path
from karte.llm.prompts import render
from karte.llm.types import GenerationParams

SENTENCE = "既往歴に高血圧症と2型糖尿病があり、近医で内服加療中である。"
BENCH_SEED = 7


class BenchRow(BaseModel):
    path: str
    prompt_tokens: int
    gen_tokens: int
    prefill_s: float
    total_s: float

    @property
    def prefill_tps(self) -> float:
        return self.prompt_tokens / self.prefill_s

    @property
    def decode_tps(self) -> float:
        return max(0, self.gen_tokens - 1) / max(1e-9, self.total_s - self.prefill_s)


class BenchResult(BaseModel):
    model: str
    threads: int
    repeats: int
    bare: BenchRow
    karte: BenchRow
    prefill_ratio: float = Field(description="Median over alternating pairs of Karte/bare prefill time")
    overhead_ratio: float = Field(description="Median over alternating pairs of Karte/bare full-call time")


def _timed(func: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    produced = func()
    return time.perf_counter() - start, produced


def _paired(
    repeats: int, bare: Callable[[], int], karte: Callable[[], int]
) -> tuple[list[float], list[float], list[int]]:
    """Times of ``repeats`` alternating pairs: (bare times, Karte times, tokens produced by Karte)."""
    bare_s: list[float] = []
    karte_s: list[float] = []
    produced: list[int] = []
    for i in range(repeats):
        order = ((bare, bare_s), (karte, karte_s)) if i % 2 == 0 else ((karte, karte_s), (bare, bare_s))
        for func, times in order:
            seconds, n = _timed(func)
            times.append(seconds)
            if func is karte:
                produced.append(n)
    return bare_s, karte_s, produced


def _median_ratio(numerators: list[float], denominators: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(numerators, denominators, strict=True))


def run_bench(
    settings: Settings, *, prompt_tokens: int = 256, gen_tokens: int = 32, repeats: int = 5
) -> BenchResult:
    backend = EmbeddedBackend(installed_model_path(settings.llm_model, settings.model_cache))
    llama = backend.llama
    text = SENTENCE * max(1, prompt_tokens // 20)
    history = [{"role": "user", "content": f"次の文を要約してください。\n{text}"}]
    messages = [m.model_dump() for m in render("chat", {"history": history}).messages]
    client = LLMClient(backend, cache=None, budget=Budget(10**6, 10**12))
    n_prompt = backend.count_tokens(render("chat", {"history": history}).messages)

    def bare(max_tokens: int) -> Callable[[], int]:
        def call() -> int:
            llama.reset()
            out = llama.create_chat_completion(
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=0.0,
                seed=BENCH_SEED,
                repeat_penalty=1.0,
            )
            return int(out["usage"]["completion_tokens"])  # type: ignore[index]

        return call

    def karte(max_tokens: int) -> Callable[[], int]:
        params = GenerationParams(max_tokens=max_tokens, seed=BENCH_SEED)

        def call() -> int:
            llama.reset()
            return client.ask("chat", {"history": history}, params=params).audit.tokens_out

        return call

    bare(2)(), karte(2)()  # warm-up: first calls allocate buffers
    bare_prefill, karte_prefill, _ = _paired(repeats, bare(1), karte(1))
    bare_total, karte_total, produced = _paired(repeats, bare(gen_tokens), karte(gen_tokens))

    def row(name: str, prefill: list[float], total: list[float]) -> BenchRow:
        return BenchRow(
            path=name,
            prompt_tokens=n_prompt,
            gen_tokens=produced[-1],
            prefill_s=min(prefill),
            total_s=min(total),
        )

    return BenchResult(
        model=backend.model_id,
        threads=int(llama.n_threads) if hasattr(llama, "n_threads") else 0,
        repeats=repeats,
        bare=row("bare llama-cpp-python", bare_prefill, bare_total),
        karte=row("karte", karte_prefill, karte_total),
        prefill_ratio=_median_ratio(karte_prefill, bare_prefill),
        overhead_ratio=_median_ratio(karte_total, bare_total),
    )


def print_report(result: BenchResult) -> None:
    print(f"\n== LLM: {result.model}, {result.repeats} alternating pairs (tokens/s of the best) ==")
    for row in (result.bare, result.karte):
        print(
            f"{row.path:24s} prompt {row.prompt_tokens} tok: prefill {row.prefill_tps:8.1f} tok/s, "
            f"decode {row.decode_tps:6.1f} tok/s ({row.gen_tokens} tokens, {row.total_s:.2f} s)"
        )
    print(f"prefill ratio karte/bare (median of pairs): {result.prefill_ratio:.3f}")
    print(f"overhead ratio karte/bare (full call, median): {result.overhead_ratio:.3f} (target <= 1.10)")
