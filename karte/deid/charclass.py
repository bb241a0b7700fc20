"""Character classes shared by the recognizers (for normalised text)."""

from __future__ import annotations

KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"
KATAKANA = "\u30a1-\u30f6\u30fc"
HIRAGANA = "\u3041-\u3096"


def is_kanji(ch: str) -> bool:
    return bool(ch) and (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\uf900" <= ch <= "\ufaff"
        or ch in "々〆ヶ"
    )


def is_katakana(ch: str) -> bool:
    return bool(ch) and ("\u30a1" <= ch <= "\u30f6" or ch == "\u30fc")


def is_hiragana(ch: str) -> bool:
    return bool(ch) and "\u3041" <= ch <= "\u3096"
