"""Span hygiene: no mention crosses a sentence end, starts with a SOAP marker or ends in punctuation."""

from __future__ import annotations

import pytest

from karte.extract.schema import Mention
from karte.extract.tidy import tidy


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("A) #1 脳梗塞", "A) #1 脳梗塞", "脳梗塞"),
        ("(S) 頭痛", "(S) 頭痛", "頭痛"),
        ("1. 高血圧", "1. 高血圧", "高血圧"),
        ("体温36.9℃", "36.9℃", "36.9℃"),  # a decimal number is not a list marker
        ("室内気)。NIHSS", "室内気)。NIHSS", "NIHSS"),  # the longest piece of a sentence-crossing span
        ("肺炎、", "肺炎、", "肺炎"),
        ("胸水\n腹水", "胸水\n腹水", "腹水"),  # tie: the last piece
        ("(肺炎", "(肺炎", "(肺炎"),
        ("肺炎(", "肺炎(", "肺炎"),
    ],
)
def test_tidy(text: str, span: str, expected: str) -> None:
    start = text.index(span)
    m = Mention(start, start + len(span), "disease", 0.9, "model")
    assert tidy(m, text)
    assert text[m.start : m.end] == expected


def test_nothing_left_is_dropped() -> None:
    m = Mention(0, 2, "disease", 0.9, "model")
    assert not tidy(m, "、。")
