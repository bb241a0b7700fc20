"""A per-task budget of model calls and tokens; exceeding it is a clear, per-record error."""

from __future__ import annotations

import threading

from karte.llm.errors import BudgetExceededError

DEFAULT_MAX_CALLS = 5000  # = Settings.llm_budget_calls default
DEFAULT_MAX_TOKENS = 5_000_000


class Budget:
    """Counts calls and tokens (prompt + generated); cached answers cost nothing."""

    def __init__(self, max_calls: int = DEFAULT_MAX_CALLS, max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        self.max_calls = max_calls
        self.max_tokens = max_tokens
        self.calls = 0
        self.tokens = 0
        self._lock = threading.Lock()

    def check(self, planned_tokens: int = 0) -> None:
        """Refuse a call that would exceed the budget (before it is made)."""
        with self._lock:
            if self.calls + 1 > self.max_calls:
                raise BudgetExceededError(
                    f"LLM 呼び出し回数の上限 {self.max_calls} 回に達しました "
                    f"(call budget of {self.max_calls} exhausted; raise KARTE_LLM_BUDGET_CALLS)",
                    field="llm",
                )
            if self.tokens + planned_tokens > self.max_tokens:
                raise BudgetExceededError(
                    f"LLM トークン数の上限 {self.max_tokens} に達します (使用済み {self.tokens}、"
                    f"今回 {planned_tokens}) (token budget exceeded; raise KARTE_LLM_BUDGET_TOKENS)",
                    field="llm",
                )

    def charge(self, tokens: int) -> None:
        with self._lock:
            self.calls += 1
            self.tokens += tokens

    def summary(self) -> str:
        return f"{self.calls}/{self.max_calls} calls, {self.tokens}/{self.max_tokens} tokens"
