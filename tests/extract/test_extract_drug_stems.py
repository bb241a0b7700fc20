"""Drug-name shapes: katakana and ASCII words that end with an INN stem are flagged for the NER model."""

from __future__ import annotations

import pytest

from karte.extract.drug_stems import drug_stems, word_shapes
from karte.extract.resources import load_resource


@pytest.mark.parametrize(
    ("text", "word", "stem"),
    [
        ("ニボルマブを投与", "ニボルマブ", True),  # -mab
        ("パゾパニブ内服", "パゾパニブ", True),  # -nib
        ("ランソプラゾール", "ランソプラゾール", True),  # -prazole
        ("アレンドロン酸を", "アレンドロン酸", True),  # -dronic acid
        ("diltiazemを開始", "diltiazem", True),  # -tiazem
        ("rituximab投与", "rituximab", True),
        ("コレステロール高値", "コレステロール", False),  # not a drug
        ("ビルの中", "ビル", False),  # a stem alone is not a drug name
        ("カテーテル留置", "カテーテル", False),
        ("Hypersensitivity", "Hypersensitivity", False),
    ],
)
def test_word_shapes(text: str, word: str, stem: bool) -> None:
    shapes = {text[s.start : s.end]: s for s in word_shapes(text)}
    assert word in shapes
    assert shapes[word].stem is stem
    assert shapes[word].suffix.endswith(word[-2:].lower())


def test_every_stem_row_has_a_known_source() -> None:
    data = load_resource("ja", "drug_stems.yaml")
    for row in [*data["stems"], *data["ascii"]]:
        assert row["src"] in data["sources"], row
    kana, ascii_ = drug_stems()
    assert len(kana) >= 50 and len(ascii_) >= 40
    assert list(kana) == sorted(kana, key=len, reverse=True)
