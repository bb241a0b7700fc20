"""Checks that a piece of clinical text is usable text (not empty, not binary)."""

from __future__ import annotations

import re

# C0 controls other than TAB, LF, CR; DEL; C1 controls; noncharacters. NUL is the surest sign of binary.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_BINARY_RATIO = 0.05


def check_text(value: str) -> str:
    """Return ``value`` unchanged if it is usable text, else raise ``ValueError`` saying why.

    Empty or whitespace-only text, text with NUL bytes, and text where more than 5 % of the
    characters are control characters (binary data decoded as text) are refused.
    """
    if not value or not value.strip():
        raise ValueError("テキストが空です (text is empty)")
    if "\x00" in value:
        raise ValueError(
            "テキストに NUL 文字が含まれています。バイナリデータではありませんか (text contains NUL bytes)"
        )
    controls = len(_CONTROL.findall(value))
    if controls and controls / len(value) > _BINARY_RATIO:
        raise ValueError(
            f"テキストに制御文字が多すぎます ({controls} 文字)。バイナリデータではありませんか "
            f"(text looks like binary data: {controls} control characters)"
        )
    if "\ufffd" in value and value.count("\ufffd") / len(value) > _BINARY_RATIO:
        raise ValueError(
            "テキストに置換文字 (U+FFFD) が多すぎます。文字コードを確認してください "
            "(text contains many U+FFFD replacement characters: wrong encoding?)"
        )
    return value
