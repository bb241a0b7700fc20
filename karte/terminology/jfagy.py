"""J-FAGY: JAMI's code table for food and non-food, non-drug allergens (12-character codes).

Embedded default: the curated subset of common allergens ``resources/ja/jfagy_ja.yaml`` (codes
and terms from J-FAGY 2025-04-01, everyday spellings added). ``karte codes import jfagy FILE``
reads the official CSV (``JFAGY_J9FN_*_utf8.csv``: JFAGYCODE, JPTERM, JPKANA, ENTERM, LEVEL …)
and keeps every code still in force.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path

from karte.errors import InputError
from karte.terminology.base import CodeCheck, CodeMatch, CodeSystem, Concept, Term
from karte.terminology.lexicon import Lexicon
from karte.terminology.normaliser import Normaliser
from karte.terminology.resources import load_table

_CODE = re.compile(r"^[A-Z0-9]{12}$|^00[FN]$")
# Words after an allergen that say "allergy to it" (cut before matching; offsets stay valid).
_ALLERGY_TAIL = re.compile(
    r"(?:に対する|への|による|で|の)?(?:食物)?(?:アレルギー|過敏症?|蕁麻疹|じんましん|発疹|アナフィラキシー|"
    r"喘鳴|かゆみ|口腔アレルギー症候群|花粉症|摂取後|接触皮膚炎)[^、,]*$"
)


def import_jfagy(path: Path) -> tuple[list[str], int]:
    """The official J-FAGY CSV → table lines (codes whose ENDDATE has not passed)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            needed = {"JFAGYCODE", "JPTERM", "ENTERM"}
            if not reader.fieldnames or not needed <= set(reader.fieldnames):
                raise InputError(
                    f"{path}: J-FAGY の列 {sorted(needed)} がありません (not a J-FAGY CSV)", field="file"
                )
            rows = []
            for r in reader:
                code = r["JFAGYCODE"].strip()
                if not _CODE.match(code) or r.get("ENDDATE", "99999999").strip() < "20250401":
                    continue
                rows.append(
                    {
                        "code": code,
                        "ja": r["JPTERM"].strip(),
                        "kana": r.get("JPKANA", "").strip(),
                        "en": r["ENTERM"].strip(),
                        "level": r.get("LEVEL", "").strip(),
                    }
                )
    except OSError as exc:
        raise InputError(f"{path} を開けません: {exc} (cannot open file)", field="file") from exc
    if not rows:
        raise InputError(f"{path}: J-FAGY コードがありません (no codes found)", field="file")
    return [json.dumps(r, ensure_ascii=False) for r in rows], len(rows)


class JFAGY(CodeSystem):
    name = "jfagy"
    title = "J-FAGY (食物・非食物アレルゲン)"

    def __init__(self, rows: Iterable[dict[str, str]], origin: str) -> None:
        self.origin = origin
        self.version = "J-FAGY 2025-04-01" + (" (embedded subset)" if origin == "embedded" else "")
        self._rows: dict[str, dict[str, str]] = {}
        self._synonyms: dict[str, list[str]] = {}
        for row in load_table("ja", "jfagy_ja.yaml")["rows"]:
            code = str(row["code"])
            self._rows[code] = {
                "code": code,
                "ja": str(row["ja"]),
                "kana": str(row.get("kana", "")),
                "en": str(row["en"]),
            }
            self._synonyms[code] = [str(s) for s in row.get("synonyms", [])]
        for r in rows:
            self._rows[r["code"]] = r
        self._children: dict[str, list[str]] = {}
        for code in self._rows:
            p = self._parent(code)
            if p:
                self._children.setdefault(p, []).append(code)

    @classmethod
    def from_lines(cls, lines: list[str] | None, origin: str) -> JFAGY:
        return cls((json.loads(line) for line in lines or [] if line.strip()), origin)

    def _parent(self, code: str) -> str | None:
        if len(code) != 12:
            return None
        for cut in range(10, 3, -2):
            cand = code[:cut] + "0" * (12 - cut)
            if cand != code and cand in self._rows and code[cut:] != "0" * (12 - cut):
                return cand
        root = "00F" if code[2:3] == "F" else "00N" if code[2:3] == "N" else None
        return root if root in self._rows else None

    def lookup(self, code: str) -> Concept | None:
        r = self._rows.get(code.strip().upper())
        if r is None:
            return None
        return Concept(
            self.name,
            r["code"],
            r["ja"],
            r["en"],
            self._parent(r["code"]),
            "category",
            tuple(self._synonyms.get(r["code"], ())),
        )

    def validate(self, code: str) -> CodeCheck:
        c = code.strip().upper()
        if c in self._rows and not c.startswith("D9"):
            return CodeCheck(True, c)
        return CodeCheck(False, c, f"J-FAGY コード {code!r} はコード表にありません (not a J-FAGY code)")

    def children(self, code: str) -> list[str]:
        return list(self._children.get(code.strip().upper(), []))

    def codes(self) -> Iterable[str]:
        return iter(sorted(self._rows))

    def terms(self) -> Iterator[Term]:
        for code, r in self._rows.items():
            if code.startswith("D9"):
                continue  # dummy codes are not allergens
            yield Term(r["ja"], code, "standard")
            if r.get("kana"):
                yield Term(r["kana"], code, "kana")
            if r.get("en"):
                yield Term(r["en"], code, "title_en")
            for s in self._synonyms.get(code, []):
                yield Term(s, code, "curated", 0.99)

    @cached_property
    def normaliser(self) -> Normaliser:
        return Normaliser(
            Lexicon(self.terms()), lambda c: self.validate(c).ok, lambda c: self.display(c) or c
        )

    def search(self, text: str, k: int = 10) -> list[CodeMatch]:
        m = _ALLERGY_TAIL.search(text)
        core = text[: m.start()] if m and m.start() > 0 else text
        return self.normaliser.rank(core, k)
