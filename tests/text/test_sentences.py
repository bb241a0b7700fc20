"""Sentence splitter: terminators, brackets, numbers, lines and sections."""

from __future__ import annotations

import pytest

from karte.text import sectionize, split_sentences


def _texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text, sectionize(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("発熱あり。咳嗽あり。", ["発熱あり。", "咳嗽あり。"]),
        ("体温 36.8℃で安定。", ["体温 36.8℃で安定。"]),
        ("体温 ３６．８℃で安定．次の文．", ["体温 ３６．８℃で安定．", "次の文．"]),
        ("咳嗽も出現（夜間に増悪。痰あり）。次。", ["咳嗽も出現（夜間に増悪。痰あり）。", "次。"]),
        ("「胸が痛い。」と訴えた。", ["「胸が痛い。」と訴えた。"]),
        ("本当に？ はい！", ["本当に？", "はい！"]),
        ("1. 高血圧症\n2. 糖尿病", ["1. 高血圧症", "2. 糖尿病"]),
        ("Dr. Suzuki に紹介した。", ["Dr. Suzuki に紹介した。"]),
        ("Cr 1.2 mg/dL, BUN 20.", ["Cr 1.2 mg/dL, BUN 20."]),
        ("一行目\n\n二行目", ["一行目", "二行目"]),
        ("【主訴】発熱。咳。【現病歴】３日前から", ["発熱。", "咳。", "３日前から"]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_sentence_offsets_and_sections() -> None:
    text = "【主訴】ＣＲＰ３．２ｍｇ／ｄＬ。ﾊﾟﾆｯｸ。\n【既往歴】胃癌"
    sents = split_sentences(text, sectionize(text))
    for s in sents:
        assert text[s.start : s.end] == s.text
    assert [s.section for s in sents] == ["chief_complaint", "chief_complaint", "past_history"]
