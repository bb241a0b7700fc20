"""Place of occurrence: ICD-10 4th character (.0–.9, W00–Y34 except Y06/Y07) and ICD-11 XE extension.

From the certificate's 「傷害が発生したところの種別」 (住居 / 工場及び建築現場 / 道路 / その他) and the
free text of the place and the circumstance. Table: ``resources/ja/places.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from karte.reporting.death.code_ranges import CodeSet
from karte.reporting.resources import load_resource


@dataclass(frozen=True)
class PlaceCode:
    code: str  # "0" … "9"
    label: str
    label_en: str
    icd11: str | None  # XE extension (may be missing from the loaded ICD-11 table)
    source_field: str | None = None
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class _PlaceRow:
    pattern: re.Pattern[str]
    code: str
    icd11: str | None


@dataclass(frozen=True)
class PlaceTable:
    labels: dict[str, tuple[str, str]]
    certificate_types: tuple[_PlaceRow, ...]
    rows: tuple[_PlaceRow, ...]
    applies_to: CodeSet
    excluded: CodeSet


@lru_cache(maxsize=1)
def place_table() -> PlaceTable:
    d = load_resource("ja", "places.yaml")
    labels = {str(k): (str(v["label"]), str(v["en"])) for k, v in d["codes"].items()}

    def rows(key: str) -> tuple[_PlaceRow, ...]:
        return tuple(_PlaceRow(re.compile(r["pattern"]), str(r["code"]), r.get("icd11")) for r in d[key])

    return PlaceTable(
        labels,
        rows("certificate_types"),
        rows("rows"),
        CodeSet.parse(d["applies_to"]),
        CodeSet.parse(d["excluded"]),
    )


def takes_place(icd10: str) -> bool:
    """Whether ICD-10 subdivides this external-cause category by place of occurrence."""
    t = place_table()
    return icd10 in t.applies_to and icd10 not in t.excluded


def _code(code: str, icd11: str | None, field: str | None, start: int, end: int) -> PlaceCode:
    label, en = place_table().labels[code]
    return PlaceCode(code, label, en, icd11, field, start, end)


def unspecified() -> PlaceCode:
    return _code("9", None, None, 0, 0)


def find_place(texts: list[tuple[str, str]]) -> PlaceCode | None:
    """The place from ``(field, normalised text)`` pairs: the place field first, then the others."""
    t = place_table()
    for field, text in texts:
        if field == "external.place":
            stripped = text.strip()
            for row in t.certificate_types:
                m = row.pattern.search(stripped)
                if m:
                    return _code(row.code, row.icd11, field, m.start(), m.end())
    ordered = sorted(texts, key=lambda ft: ft[0] != "external.place")  # the place field speaks first
    for field, text in ordered:
        for row in t.rows:
            m = row.pattern.search(text)
            if m:
                return _code(row.code, row.icd11, field, m.start(), m.end())
    return None
