from __future__ import annotations

import pytest

from karte.errors import InputError
from karte.reporting.death.interval import interval_days
from karte.reporting.death.manner import parse_manner


@pytest.mark.parametrize(
    ("value", "code", "intent", "group"),
    [
        ("病死及び自然死", 1, "natural", None),
        ("不慮の外因死（交通事故）", 2, "accident", "transport"),
        ("不慮の外因死・転倒・転落", 3, "accident", "fall"),
        ("不慮の外因死（煙、火災及び火焔による傷害）", 5, "accident", "fire"),
        ("不慮の外因死(その他)", 8, "accident", "other"),
        ("自殺", 9, "suicide", None),
        ("その他及び不詳の外因死（他殺）", 10, "assault", None),
        ("その他及び不詳の外因", 11, "undetermined", None),
        ("不詳の死", 12, "unknown", None),
        ("7", 7, "accident", "poisoning"),
        (4, 4, "accident", "drowning"),
    ],
)
def test_manner_values(value: str | int, code: int, intent: str, group: str | None) -> None:
    m = parse_manner(value)
    assert m is not None and m.code == code and m.intent == intent and m.group == group


def test_manner_heading_without_subtype() -> None:
    m = parse_manner("不慮の外因死")
    assert m is not None and m.code is None and m.intent == "accident"


@pytest.mark.parametrize("bad", ["天災", "13", "0"])
def test_unknown_manner_names_the_field(bad: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_manner(bad)
    assert exc.value.field == "manner"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("約3年", 3 * 365.25),
        ("2ヶ月", 2 * 30.44),
        ("10日", 10.0),
        ("5時間", 5 / 24),
        ("1年3か月", 365.25 + 3 * 30.44),
        ("半年", 365.25 / 2),
        ("短時間", 1 / 24),
        ("不詳", None),
        ("", None),
        (None, None),
    ],
)
def test_interval_days(text: str | None, days: float | None) -> None:
    got = interval_days(text)
    assert (got is None) if days is None else (got is not None and abs(got - days) < 1e-6)
