"""Determinism, the on-disk answer cache, the per-task budget and context trimming on the real engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from karte.llm import Budget, BudgetExceededError, GenerationParams, LLMClient, PromptSection
from karte.llm.cache import CompletionCache
from karte.tasks import run

QUESTION = {
    "question": "インスリンを分泌する臓器はどれか。",
    "choices": {"a": "肝臓", "b": "膵臓", "c": "腎臓", "d": "脾臓", "e": "胃"},
}


def test_same_prompt_twice_is_deterministic_without_cache(small_backend: Any) -> None:
    client = LLMClient(small_backend, cache=None, budget=Budget(10, 10**5))
    variables = {"history": [{"role": "user", "content": "血圧の正常値を一言で。"}]}
    params = GenerationParams(max_tokens=24)
    first, second = client.ask("chat", variables, params=params), client.ask("chat", variables, params=params)
    assert first.text == second.text and first.text.strip()
    assert client.budget.calls == 2


def test_rerun_is_served_from_the_cache_at_no_cost(small_backend: Any, tmp_path: Path) -> None:
    cache = CompletionCache(tmp_path / "cache")
    variables = {"history": [{"role": "user", "content": "発熱の定義は？"}]}
    short = GenerationParams(max_tokens=16)
    first = LLMClient(small_backend, cache, Budget(5, 10**5)).ask("chat", variables, params=short)
    rerun_budget = Budget(5, 10**5)
    rerun = LLMClient(small_backend, CompletionCache(tmp_path / "cache"), rerun_budget)
    again = rerun.ask("chat", variables, params=short)
    assert not first.audit.cached and again.audit.cached
    assert again.text == first.text and again.audit.prompt_sha256 == first.audit.prompt_sha256
    assert rerun_budget.calls == 0 and rerun_budget.tokens == 0
    different = LLMClient(small_backend, cache, Budget(5, 10**5)).ask(
        "chat", variables, params=GenerationParams(max_tokens=12)
    )
    assert not different.audit.cached  # parameters are part of the key


def test_task_rerun_hits_the_cache(llm_env: Path) -> None:
    records = [{"id": 1, **QUESTION}, {"id": 2, **QUESTION, "question": "尿を作る臓器はどれか。"}]
    first = run("qa", records)
    second = run("qa", records)
    assert all("error" not in r for r in first + second)
    assert [r["llm"]["cached"] for r in first] == [False, False]
    assert [r["llm"]["cached"] for r in second] == [True, True]
    assert [r["answer"] for r in first] == [r["answer"] for r in second]


def test_budget_exceeded_is_a_clear_per_record_error(llm_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from karte.config import reset_settings_cache

    monkeypatch.setenv("KARTE_LLM_BUDGET_CALLS", "1")
    reset_settings_cache()
    records = [{"id": i, **QUESTION, "question": f"{QUESTION['question']} ({i})"} for i in range(3)]
    out = run("qa", records)
    assert "error" not in out[0]
    for r in out[1:]:
        assert r["error"]["type"] == "llm_budget_exceeded"
        assert "上限 1 回" in r["error"]["message"]


def test_token_budget_is_checked_before_the_call(small_backend: Any) -> None:
    client = LLMClient(small_backend, cache=None, budget=Budget(max_calls=10, max_tokens=20))
    with pytest.raises(BudgetExceededError, match="トークン"):
        client.ask(
            "chat",
            {"history": [{"role": "user", "content": "こんにちは"}]},
            params=GenerationParams(max_tokens=8),
        )
    assert client.budget.calls == 0


def test_context_overflow_trims_passages_and_records_the_warning(small_backend: Any) -> None:
    client = LLMClient(small_backend, cache=None, budget=Budget(10, 10**6))
    passages = [f"資料{i}: " + "糖尿病は血糖値が高い状態が続く病気です。" * 15 for i in range(6)]
    room = small_backend.context_length - 400  # leave ~400 tokens for the prompt
    from karte.tasks.qa_task import answer_model

    result = client.ask(
        "qa_answer",
        {
            "question": QUESTION["question"],
            "choices": [{"letter": k, "text": v} for k, v in QUESTION["choices"].items()],
            "count": 1,
        },
        sections={"passages": PromptSection(items=passages, priority=0)},
        schema=answer_model(list("abcde")),
        params=GenerationParams(max_tokens=room),
    )
    assert result.audit.warnings and "passages" in result.audit.warnings[0]
    assert result.parsed is not None and result.parsed["answer"] in "abcde"
