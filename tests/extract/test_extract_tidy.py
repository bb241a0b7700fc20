"""Span hygiene: no mention crosses a sentence end, starts with a SOAP marker, ends in punctuation,
has an unbalanced bracket or ends with the person who has the finding."""

from __future__ import annotations

import pytest

from karte.extract.schema import Mention
from karte.extract.tidy import split_at_routes, tidy


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
        ("(肺炎", "(肺炎", "肺炎"),  # a lone bracket is cut off
        ("肺炎(", "肺炎(", "肺炎"),
        ("x(肺炎)", "肺炎)", "肺炎"),  # never taken in so that brackets wrap the whole span
        ("気管支喘息(以下喘息)児に", "気管支喘息(以下喘息", "気管支喘息(以下喘息)"),  # partner right after
        ("皮疹(紅斑)を", "紅斑)を", "紅斑"),
        ("右肺(S6)に", "肺(S6", "肺(S6)"),
        ("S-1/CDDP(S-1:120mg", "S-1/CDDP(S-1", "S-1/CDDP"),  # no partner: the longest piece
        ("胃癌(tub2)", "胃癌(tub2)", "胃癌(tub2)"),  # balanced: unchanged
        ("重症の喘息児であった", "喘息児", "喘息"),  # the finding, not the child
        ("肺癌患者に", "肺癌患者", "肺癌"),
        ("胃癌症例の", "胃癌症例", "胃癌"),
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


@pytest.mark.parametrize(("text", "type_"), [("患児", "disease"), ("小児", "disease"), ("乳児", "anatomy")])
def test_person_words_alone_stay(text: str, type_: str) -> None:
    m = Mention(0, len(text), type_, 0.9, "model")
    assert tidy(m, text)
    assert text[m.start : m.end] == text


def test_person_suffix_only_on_findings() -> None:
    text = "投与例"
    m = Mention(0, 3, "medication", 0.9, "model")
    assert tidy(m, text)
    assert (m.start, m.end) == (0, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("タクロリムス持続静注", ["タクロリムス"]),  # the route is not part of the drug's name
        ("プレドニゾロン内服", ["プレドニゾロン"]),
        ("ステロイド外用,ビタミンE", ["ステロイド", "ビタミンE"]),  # route + separator: two drugs
        ("ロキソプロフェン内服、レバミピド内服", ["ロキソプロフェン", "レバミピド"]),
        ("吸入ステロイド", ["吸入ステロイド"]),  # a leading route word names the drug form
        ("セレコキシブ,テプレノン", ["セレコキシブ,テプレノン"]),  # no route word: left to the model
    ],
)
def test_medication_split_at_routes(text: str, expected: list[str]) -> None:
    pieces = split_at_routes(Mention(0, len(text), "medication", 0.9, "model"), text)
    assert [text[m.start : m.end] for m in pieces] == expected
    assert all(m.type == "medication" and m.score == 0.9 for m in pieces)


def test_route_split_only_for_medication() -> None:
    text = "ステロイド内服"
    m = Mention(0, len(text), "remedy", 0.9, "model")
    assert split_at_routes(m, text) == [m]
