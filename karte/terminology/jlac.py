"""JLAC10 / JLAC11 laboratory codes and the mapping of local lab names to them.

A JLAC10 code has 17 characters: analyte (5: ``3C015`` creatinine), identification (4),
specimen (3: ``023`` serum), method (3: ``271`` visible absorptiometry) and result (2).
:func:`parts` splits one. The embedded default is ``resources/ja/jlac_analytes.yaml`` (analytes
of the JP-CLINS core-lab code system, with the names hospitals use); ``karte codes import jlac``
reads the 電子カルテ情報共有サービス master CSV (JLAC10 and JLAC11 with analyte, abbreviation,
kit, specimen, method and unit) so that a specimen, method or unit picks the exact code.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from karte.errors import InputError
from karte.terminology.base import CodeCheck, CodeMatch, CodeSystem, Concept, Term
from karte.terminology.keys import key
from karte.terminology.lexicon import Lexicon
from karte.terminology.normaliser import Normaliser
from karte.terminology.resources import load_table

JLAC10 = re.compile(r"^[0-9][A-Z0-9]{4}[0-9A-Z]{4}\d{3}\d{3}\d{2}$")
# JLAC10 specimen codes (JSLM JLAC10 材料コード) and the words that name them.
SPECIMENS: dict[str, tuple[str, tuple[str, ...]]] = {
    "023": ("血清", ("血清", "serum", "s-")),
    "022": ("血漿", ("血漿", "plasma", "p-")),
    "019": ("全血(添加物入り)", ("全血", "whole blood", "edta")),
    "018": ("全血", ()),
    "020": ("動脈血", ("動脈血", "arterial")),
    "021": ("毛細管血", ("毛細管血", "指先", "capillary")),
    "001": ("尿", ("尿", "urine", "u-")),
    "004": ("蓄尿", ("蓄尿", "24時間尿")),
}


@dataclass(frozen=True)
class Jlac10Parts:
    analyte: str
    identification: str
    specimen: str
    method: str
    result: str


def parts(code: str) -> Jlac10Parts:
    c = code.strip().upper()
    if not JLAC10.match(c):
        raise ValueError(f"JLAC10 コードの形ではありません: {code!r} (not a 17-character JLAC10 code)")
    return Jlac10Parts(c[:5], c[5:9], c[9:12], c[12:15], c[15:17])


@dataclass
class LabRow:
    jlac10: str
    jlac11: str | None
    analyte: str
    name: str
    unit: str | None = None
    method: str | None = None
    kit: str | None = None


def import_jlac(path: Path) -> tuple[list[str], int]:
    """The 電子カルテ情報共有サービス lab master CSV (``CLINS_master_JLAC10_11_*.csv``) → table lines."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            needed = {"JLAC10コード", "JLAC11コード", "大項目", "略称"}
            if not reader.fieldnames or not needed <= set(reader.fieldnames):
                raise InputError(
                    f"{path}: 列 {sorted(needed)} がありません (not the JLAC master CSV)", field="file"
                )
            out = []
            for r in reader:
                code = r["JLAC10コード"].strip().upper()
                if not JLAC10.match(code):
                    continue
                out.append(
                    {
                        "jlac10": code,
                        "jlac11": r["JLAC11コード"].strip() or None,
                        "name": r["大項目"].strip(),
                        "group": r.get("FHIR識別文字列", "").strip() or r["略称"].strip(),
                        "abbr": r["略称"].strip(),
                        "fhir": r.get("FHIR項目名称", "").strip(),
                        "unit": r.get("単位", "").strip() or None,
                        "method": r.get("検査方法(JLAC10-測定法)", "").strip(),
                        "kit": r.get("販売名称", "").strip(),
                    }
                )
    except OSError as exc:
        raise InputError(f"{path} を開けません: {exc} (cannot open file)", field="file") from exc
    if not out:
        raise InputError(f"{path}: JLAC10 コードがありません (no JLAC10 codes found)", field="file")
    return [json.dumps(r, ensure_ascii=False) for r in out], len(out)


class JLAC(CodeSystem):
    """Lab items (keyed like ``Cre``, ``WBC``, ``U-TP``) with their JLAC10/JLAC11 codes.

    Several items share one 5-character analyte code (urinalysis ``1A990``; blood counts
    ``2A990``), so the searchable unit is the item; its analyte code is that of its chosen code.
    """

    name = "jlac"
    title = "JLAC10 / JLAC11 (臨床検査項目コード)"

    def __init__(self, rows: Iterable[dict[str, str | None]], origin: str) -> None:
        self.origin = origin
        self.version = "JP-CLINS core lab 2024" + (
            "" if origin == "embedded" else " + 電子カルテ情報共有サービス master"
        )
        self._names: dict[str, str] = {}
        self._synonyms: dict[str, set[str]] = {}
        self._rows: dict[str, list[LabRow]] = {}
        self._default_specimen: dict[str, str] = {}
        for row in load_table("ja", "jlac_analytes.yaml")["rows"]:
            item = str(row["key"])
            self._names[item] = str(row["ja"])
            self._default_specimen[item] = str(row["codes"][0])[9:12]
            self._synonyms[item] = {item, *map(str, row.get("synonyms", []))}
            self._rows[item] = [LabRow(str(c), None, str(c)[:5], str(row["ja"])) for c in row["codes"]]
        for r in rows:
            code = str(r["jlac10"])
            item = str(r.get("group") or r.get("abbr") or code[:5])
            name = str(r.get("name") or item)
            self._names.setdefault(item, name)
            self._synonyms.setdefault(item, {item}).update(
                str(x) for x in (name, r.get("abbr"), r.get("fhir")) if x
            )
            self._rows.setdefault(item, []).insert(
                0, LabRow(code, r.get("jlac11"), code[:5], name, r.get("unit"), r.get("method"), r.get("kit"))
            )
        self._codes = {row.jlac10 for rows_ in self._rows.values() for row in rows_}
        self._analytes = {row.analyte for rows_ in self._rows.values() for row in rows_}

    @classmethod
    def from_lines(cls, lines: list[str] | None, origin: str) -> JLAC:
        return cls((json.loads(line) for line in lines or [] if line.strip()), origin)

    def lookup(self, code: str) -> Concept | None:
        c = code.strip()
        if c in self._names:
            return Concept(self.name, c, self._names[c], None, None, "item", tuple(sorted(self._synonyms[c])))
        c = c.upper()
        for item, rows in self._rows.items():
            for r in rows:
                if r.jlac10 == c:
                    return Concept(self.name, c, self._names[item], None, item, "code")
        return None

    def validate(self, code: str) -> CodeCheck:
        c = code.strip()
        if c in self._names or c.upper() in self._codes or c.upper() in self._analytes:
            return CodeCheck(True, c)
        return CodeCheck(False, c, f"JLAC コード {code!r} はコード表にありません (not in the JLAC table)")

    def children(self, code: str) -> list[str]:
        return [r.jlac10 for r in self._rows.get(code.strip(), [])]

    def codes(self) -> Iterable[str]:
        return iter(sorted(self._names))

    def rows(self, item: str) -> list[LabRow]:
        return list(self._rows.get(item, []))

    def terms(self) -> Iterator[Term]:
        for item, name in self._names.items():
            yield Term(name, item, "standard")
            bare = re.sub(r"[（(][^）)]*[）)]", "", name).strip()
            if bare and bare != name:
                yield Term(bare, item, "standard", 0.99)
            for s in self._synonyms.get(item, ()):
                yield Term(s, item, "curated", 0.99)

    @cached_property
    def normaliser(self) -> Normaliser:
        return Normaliser(Lexicon(self.terms()), lambda c: c in self._names, lambda c: self._names.get(c, c))

    def search(self, text: str, k: int = 10) -> list[CodeMatch]:
        return self.normaliser.rank(text, k)

    def specimen_of(self, *texts: str | None) -> str | None:
        """The JLAC10 specimen code named in any of ``texts`` (血清, 尿, plasma …)."""
        for text in texts:
            if not text:
                continue
            k = key(text)
            for code, (_, words) in SPECIMENS.items():
                if any(key(w) in k for w in words if w and not w.endswith("-")) or any(
                    k.startswith(key(w)) for w in words if w.endswith("-")
                ):
                    return code
        return None

    def choose_code(
        self, item: str, specimen: str | None, method: str | None, unit: str | None
    ) -> LabRow | None:
        """The best full code of lab ``item`` for the given specimen, method words and unit."""
        rows = self._rows.get(item, [])
        if not rows:
            return None
        wanted = specimen or self._default_specimen.get(item)

        def fit(r: LabRow) -> tuple[int, int, int, int]:
            p = parts(r.jlac10)
            spec = 1 if wanted and p.specimen == wanted else 0
            meth = 1 if method and r.method and key(method) in key(r.method) else 0
            u = 1 if unit and r.unit and key(unit) == key(r.unit) else 0
            return (spec, meth, u, 1 if r.jlac11 else 0)

        return max(rows, key=fit)
