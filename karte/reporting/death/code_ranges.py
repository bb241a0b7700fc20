"""ICD-10 code ranges as written in the curated tables: ``I20-I25``, ``D68.0-D68.2``, ``E86``.

A code is inside a range when its first characters (as many as the bound has) lie between the
bounds: ``I21.9`` is in ``I20-I25``; ``D68.1`` is in ``D68.0-D68.2``; ``D68`` (no 4th character) is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeRange:
    low: str
    high: str

    @classmethod
    def parse(cls, text: str) -> CodeRange:
        raw = text.strip().upper().replace("–", "-").replace("—", "-")
        low, sep, high = raw.partition("-")
        low, high = low.strip(), (high.strip() if sep else low.strip())
        if not low or not high or len(low) < 3 or len(high) < 3:
            raise ValueError(f"コード範囲 {text!r} が読めません (bad ICD-10 code range)")
        return cls(low, high)

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str) or not code:
            return False
        c = code.upper()
        lo = c[: len(self.low)]
        hi = c[: len(self.high)]
        return len(lo) == len(self.low) and len(hi) == len(self.high) and self.low <= lo and hi <= self.high

    def __str__(self) -> str:
        return self.low if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class CodeSet:
    """A union of ranges (a row's ``codes: [I20-I25, I50]``)."""

    ranges: tuple[CodeRange, ...]

    @classmethod
    def parse(cls, items: Iterable[str] | str | None) -> CodeSet:
        if items is None:
            return cls(())
        if isinstance(items, str):
            items = [items]
        return cls(tuple(CodeRange.parse(str(i)) for i in items))

    def __contains__(self, code: object) -> bool:
        return any(code in r for r in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __str__(self) -> str:
        return ", ".join(str(r) for r in self.ranges)


def chapter_xix(code: str) -> bool:
    """Injury, poisoning and other consequences of external causes (S00–T98)."""
    return code[:1] in ("S", "T") and code[:3] <= "T98"


def external_cause(code: str) -> bool:
    """External causes of morbidity and mortality (V01–Y98)."""
    return code[:1] in ("V", "W", "X") or (code[:1] == "Y" and code[:3] <= "Y98")
