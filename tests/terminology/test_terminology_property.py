"""Whatever the input, every code the coders output is valid in the loaded table."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PIECES = [
    "右",
    "左",
    "両側",
    "急性",
    "慢性",
    "重症",
    "軽度",
    "全介助",
    "支援",
    "高血圧",
    "DM",
    "AMI",
    "肺炎",
    "骨折",
    "卵",
    "ｸﾚｱﾁﾆﾝ",
    "座位保持",
    "疼痛",
    "癌",
    "s/o",
    "#1",
    "の疑い",
    "&",
    "/",
    "+",
    ".",
    "XK9K",
]
phrases = st.one_of(
    st.text(min_size=1, max_size=20),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("".join),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=phrases)
def test_never_an_invalid_code(icd10: Any, icd11: Any, icf: Any, jfagy: Any, jlac: Any, text: str) -> None:
    for system in (icd10, icd11, icf, jfagy, jlac):
        for m in system.search(text, 5):
            assert system.validate(m.code).ok, (system.name, text, m.code)
            assert 0.0 <= m.score <= 1.0
            for s in m.spans:
                assert 0 <= s.start <= s.end <= len(text)
