"""Prefill and decode speed through Karte vs bare llama-cpp-python on the same prompt and model.

Both paths use the same loaded ``Llama`` (so the same weights, threads and AMX workaround), the same
chat messages and greedy decoding; the KV cache is cleared before every timed call so each one
prefills the whole prompt. Karte's path is :meth:`LLMClient.ask` without the answer cache (template
rendering, token counting, prompt hash, budget, backend). The overhead ratio is Karte's time over
bare time for the full call (target ≤ 1.10).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel

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

    @property
    def overhead_ratio(self) -> float:
        return self.karte.total_s / self.bare.total_s

    @property
    def prefill_ratio(self) -> float:
        return self.karte.prefill_s / self.bare.prefill_s


def _best(repeats: int, func: Callable[[], int]) -> tuple[float, int]:
    best, produced = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        produced = func()
        best = min(best, time.perf_counter() - start)
    return best, produced


def run_bench(
    settings: Settings, *, prompt_tokens: int = 256, gen_tokens: int = 32, repeats: int = 3
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
    rows = {}
    for name, make in (("bare llama-cpp-python", bare), ("karte", karte)):
        prefill, _ = _best(repeats, make(1))
        total, produced = _best(repeats, make(gen_tokens))
        rows[name] = BenchRow(
            path=name, prompt_tokens=n_prompt, gen_tokens=produced, prefill_s=prefill, total_s=total
        )
    return BenchResult(
        model=backend.model_id,
        threads=int(llama.n_threads) if hasattr(llama, "n_threads") else 0,
        repeats=repeats,
        bare=rows["bare llama-cpp-python"],
        karte=rows["karte"],
    )


def print_report(result: BenchResult) -> None:
    print(f"\n== LLM: {result.model}, best of {result.repeats} ==")
    for row in (result.bare, result.karte):
        print(
            f"{row.path:24s} prompt {row.prompt_tokens} tok: prefill {row.prefill_tps:8.1f} tok/s, "
            f"decode {row.decode_tps:6.1f} tok/s ({row.gen_tokens} tokens, {row.total_s:.2f} s)"
        )
    print(f"prefill ratio karte/bare: {result.prefill_ratio:.3f}")
    print(f"overhead ratio karte/bare (full call): {result.overhead_ratio:.3f} (target <= 1.10)")
