"""`karte llm bench`: Karte and bare llama-cpp-python timed in alternating pairs on the same model."""

from __future__ import annotations

from pathlib import Path

from karte.config import get_settings
from karte.llm.bench import _median_ratio, _paired, run_bench


def test_pairs_alternate_which_path_goes_first() -> None:
    calls: list[str] = []

    def bare() -> int:
        calls.append("bare")
        return 1

    def karte() -> int:
        calls.append("karte")
        return 2

    bare_s, karte_s, produced = _paired(4, bare, karte)
    assert calls == ["bare", "karte", "karte", "bare", "bare", "karte", "karte", "bare"]
    assert len(bare_s) == len(karte_s) == 4
    assert produced == [2, 2, 2, 2]


def test_ratio_is_the_median_of_pairs() -> None:
    # one pair disturbed by load (the 3rd) does not move the median
    assert _median_ratio([1.0, 2.2, 9.0], [1.0, 2.0, 1.0]) == 1.1


def test_bench_on_the_real_engine(llm_env: Path) -> None:
    result = run_bench(get_settings(), prompt_tokens=20, gen_tokens=3, repeats=2)
    assert result.model == llm_env.name
    assert result.bare.prompt_tokens == result.karte.prompt_tokens > 20
    assert result.karte.gen_tokens >= 1
    assert result.bare.prefill_tps > 0 and result.karte.prefill_tps > 0
    assert result.overhead_ratio > 0 and result.prefill_ratio > 0
