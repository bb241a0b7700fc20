"""ICD-10 code sets as criteria write them: ``E11`` (a category and its subdivisions), ``I11.0`` (a code
and its subdivisions) and ``C00-C97`` (a range of 3-character categories, both ends included)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from karte.errors import InputError

_CATEGORY = re.compile(r"^[A-Z]\d{2}$")
_CODE = re.compile(r"^[A-Z]\d{2}(?:\.[0-9A-Za-z\-]{1,4})?$")
_RANGE = re.compile(r"^([A-Z]\d{2})-([A-Z]\d{2})$")


def _clean(code: str) -> str:
    return code.strip().upper().replace("．", ".")


def _norm_code(code: str) -> str:
    """``I219`` → ``I21.9``; ``E11.9`` stays; lower-case letters after the dot are kept upper."""
    c = _clean(code)
    if "." not in c and len(c) > 3 and c[1:3].isdigit():
        c = f"{c[:3]}.{c[3:]}"
    return c


@dataclass(frozen=True)
class CodeSet:
    """Membership test for a list of code-set items."""

    prefixes: tuple[str, ...]
    ranges: tuple[tuple[str, str], ...]
    excluded: tuple[str, ...] = ()

    @classmethod
    def of(cls, items: Iterable[str], exclude: Iterable[str] = ()) -> CodeSet:
        prefixes: list[str] = []
        ranges: list[tuple[str, str]] = []
        for raw in items:
            item = _clean(raw)
            m = _RANGE.match(item)
            if m:
                lo, hi = m.groups()
                if lo > hi:
                    raise InputError(
                        f"コード範囲 {raw!r} の順序が逆です (range runs backwards)", field="codes"
                    )
                ranges.append((lo, hi))
            elif _CODE.match(_norm_code(item)):
                prefixes.append(_norm_code(item))
            else:
                raise InputError(
                    f"ICD-10 のコードまたは範囲ではありません: {raw!r} (expected E11, I11.0 or C00-C97)",
                    field="codes",
                )
        excluded = tuple(_norm_code(e) for e in exclude)
        return cls(tuple(prefixes), tuple(ranges), excluded)

    @staticmethod
    def _hits(code: str, prefixes: tuple[str, ...], ranges: tuple[tuple[str, str], ...]) -> bool:
        category = code[:3]
        if any(lo <= category <= hi for lo, hi in ranges):
            return True
        return any(category == p if len(p) == 3 else code.startswith(p) for p in prefixes)

    def contains(self, code: str) -> bool:
        c = _norm_code(code)
        if not _CODE.match(c):
            return False
        if self.excluded and self._hits(c, self.excluded, ()):
            return False
        return self._hits(c, self.prefixes, self.ranges)

    def any_of(self, codes: Iterable[str]) -> bool:
        return any(self.contains(c) for c in codes)


def category_item(code: str) -> str:
    """The code-set item a criterion means by a matched code: its category for unspecified or
    category codes (``E11.9`` → ``E11``), the code itself for a specific subdivision (``I11.0``)."""
    c = _norm_code(code)
    if "." not in c:
        return c[:3]
    tail = c.split(".", 1)[1]
    if tail in ("9", "90", "99", "-") or tail.startswith("-"):
        return c[:3]
    return c
