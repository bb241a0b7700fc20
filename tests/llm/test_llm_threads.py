"""The embedded backend's default thread count: the free cores, never more (llama.cpp threads spin-wait)."""

from __future__ import annotations

import pytest

from karte.llm import embedded


@pytest.mark.parametrize(("busy", "expected"), [(0.0, 2), (0.4, 2), (0.6, 1), (1.7, 1), (5.0, 1)])
def test_threads_leave_busy_cores_alone(monkeypatch: pytest.MonkeyPatch, busy: float, expected: int) -> None:
    monkeypatch.setattr(embedded.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(embedded, "_busy_cores", lambda _total: busy)
    assert embedded.default_threads() == expected


def test_busy_cores_is_a_share_of_the_machine() -> None:
    busy = embedded._busy_cores(4, window_s=0.05)
    assert 0.0 <= busy <= 4.0
