"""ICF (国際生活機能分類): codes, qualifiers, and a coder for functioning phrases.

Codes: ``b`` body functions, ``s`` body structures, ``d`` activities and participation,
``e`` environmental factors. Qualifiers (WHO generic scale): ``.0``–``.4``, ``.8``, ``.9``;
``s`` codes take up to three digits (extent, nature, location), ``d`` codes up to four
(performance, capacity …); ``e`` codes a barrier ``.N`` or a facilitator ``+N`` (N 0–4, 8).

Embedded default: the curated table ``resources/ja/icf_ja.yaml`` (codes common in rehabilitation
and nursing notes, Japanese and English titles). ``karte codes import icf FILE`` adds every code
of the official list (``code<TAB>title_en<TAB>component``).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from karte.errors import InputError
from karte.terminology.base import CodeCheck, CodeMatch, CodeSystem, Concept, Term, TextSpan
from karte.terminology.keys import Keyed, key
from karte.terminology.lexicon import Lexicon
from karte.terminology.normaliser import Normaliser
from karte.terminology.phrase import prepare
from karte.terminology.resources import load_table

_CODE = re.compile(r"^([bsde])(\d{1,5})$")
_QUALIFIED = re.compile(r"^([bsde]\d{1,5})(?:([.+])(\d{1,4}))?$")
_GENERIC = set("012348" + "9")
_FACILITATOR = set("012348")


@dataclass(frozen=True)
class QualifierWord:
    start: int  # in the phrase's content key
    end: int
    digit: str | None
    polarity: str | None


def icf_parent(code: str) -> str | None:
    """``d4153`` → ``d415`` → ``d4``; chapter codes (``d4``) have none."""
    m = _CODE.match(code)
    if not m:
        return None
    digits = m.group(2)
    if len(digits) <= 1:
        return None
    if len(digits) == 3:
        return code[:2]
    return code[:-1]


@lru_cache(maxsize=1)
def qualifier_words() -> tuple[tuple[str, str | None, str | None], ...]:
    rows = load_table("ja", "icf_qualifiers.yaml")["rows"]
    out = [(key(str(r["pattern"])), r.get("digit"), r.get("polarity")) for r in rows]
    out.sort(key=lambda x: -len(x[0]))
    return tuple((p, None if d is None else str(d), pol) for p, d, pol in out)


def find_qualifier_words(k: str) -> list[QualifierWord]:
    taken = [False] * len(k)
    found: list[QualifierWord] = []
    for pattern, digit, polarity in qualifier_words():
        start = k.find(pattern)
        while start >= 0:
            end = start + len(pattern)
            if not any(taken[start:end]):
                found.append(QualifierWord(start, end, digit, polarity))
                for i in range(start, end):
                    taken[i] = True
            start = k.find(pattern, end)
    return sorted(found, key=lambda q: q.start)


def import_icf(path: Path) -> tuple[list[str], int]:
    """Official code list (TSV: code, title_en, component) → table lines."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            if not reader.fieldnames or not {"code", "title_en"} <= set(reader.fieldnames):
                raise InputError(
                    f"{path}: 列 code, title_en がありません (not an ICF code list)", field="file"
                )
            rows = [
                {"code": r["code"].strip(), "en": r["title_en"].strip()}
                for r in reader
                if _CODE.match(r["code"].strip())
            ]
    except OSError as exc:
        raise InputError(f"{path} を開けません: {exc} (cannot open file)", field="file") from exc
    if not rows:
        raise InputError(f"{path}: ICF コードがありません (no ICF codes found)", field="file")
    return [json.dumps(r, ensure_ascii=False) for r in rows], len(rows)


class ICF(CodeSystem):
    name = "icf"
    title = "ICF (国際生活機能分類)"

    def __init__(self, rows: Iterable[dict[str, str]], origin: str) -> None:
        self.origin = origin
        self.version = "WHO ICF 2001" + (" (embedded subset)" if origin == "embedded" else "")
        self._en: dict[str, str] = {}
        self._ja: dict[str, str] = {}
        self._synonyms: dict[str, list[str]] = {}
        for row in load_table("ja", "icf_ja.yaml")["rows"]:
            code = str(row["code"])
            self._ja[code] = str(row["ja"])
            self._en[code] = str(row["en"])
            self._synonyms[code] = [str(s) for s in row.get("synonyms", [])]
        for r in rows:
            self._en[r["code"]] = r["en"]
        self._codes = set(self._en)
        self._children: dict[str, list[str]] = {}
        for c in sorted(self._codes):
            p = icf_parent(c)
            if p:
                self._children.setdefault(p, []).append(c)

    @classmethod
    def from_lines(cls, lines: list[str] | None, origin: str) -> ICF:
        return cls((json.loads(line) for line in lines or [] if line.strip()), origin)

    def lookup(self, code: str) -> Concept | None:
        m = _QUALIFIED.match(code.strip())
        base = m.group(1) if m else code.strip()
        if base not in self._codes:
            return None
        return Concept(
            self.name,
            base,
            self._ja.get(base),
            self._en.get(base),
            icf_parent(base),
            "category",
            tuple(self._synonyms.get(base, ())),
        )

    def validate(self, code: str) -> CodeCheck:
        c = code.strip()
        m = _QUALIFIED.match(c)
        if not m:
            return CodeCheck(False, c, f"ICF コードの形ではありません: {code!r} (not an ICF code shape)")
        base, sep, digits = m.group(1), m.group(2), m.group(3)
        if base not in self._codes:
            return CodeCheck(False, c, f"{base} はコード表にありません (not in the ICF table)")
        if not sep:
            return CodeCheck(True, c)
        component = base[0]
        limits = {"b": 1, "s": 3, "d": 4, "e": 1}
        if len(digits) > limits[component]:
            return CodeCheck(
                False, c, f"{base} の評価点は {limits[component]} 桁までです (too many qualifier digits)"
            )
        if sep == "+":
            if component != "e" or digits not in _FACILITATOR:
                return CodeCheck(
                    False, c, "'+'（促進因子）は環境因子 e の 0–4, 8 だけです (facilitators: e codes only)"
                )
            return CodeCheck(True, c)
        first_ok = digits[0] in _GENERIC
        if component == "s" and len(digits) > 1:
            rest_ok = all(d.isdigit() for d in digits[1:])
        else:
            rest_ok = all(d in _GENERIC for d in digits[1:])
        if not (first_ok and rest_ok):
            return CodeCheck(False, c, "評価点は 0–4, 8, 9 です (qualifiers are 0–4, 8 or 9)")
        return CodeCheck(True, c)

    def children(self, code: str) -> list[str]:
        return list(self._children.get(code.strip(), []))

    def codes(self) -> Iterable[str]:
        return iter(sorted(self._codes))

    def terms(self) -> Iterator[Term]:
        for code, ja in self._ja.items():
            yield Term(ja, code, "curated")
            for s in self._synonyms.get(code, []):
                yield Term(s, code, "curated", 0.99)
        for code, en in self._en.items():
            yield Term(en, code, "title_en")

    @cached_property
    def normaliser(self) -> Normaliser:
        return Normaliser(Lexicon(self.terms()), lambda c: c in self._codes, lambda c: self.display(c) or c)

    def search(self, text: str, k: int = 10) -> list[CodeMatch]:
        phrase = prepare(text)
        words = find_qualifier_words(phrase.content.key)
        out: list[CodeMatch] = []
        for m in self.normaliser.rank(text, k, phrase):
            out.append(self._qualify(m, phrase.content, words))
        return [m for m in out if self.validate(m.code).ok]

    def _qualify(self, m: CodeMatch, content: Keyed, words: list[QualifierWord]) -> CodeMatch:
        term_key = key(m.term)
        usable = []
        for w in words:
            if w.digit is not None and content.key[w.start : w.end] in term_key:
                continue  # the word is part of the matched term itself (歩行自立 is not a qualifier of 自立)
            o_start, o_end = content.span(w.start, w.end)
            usable.append((w, TextSpan(o_start, o_end)))
        digit = next((w.digit for w, _ in usable if w.digit is not None), None)
        polarity = next((w.polarity for w, _ in usable if w.polarity is not None), None)
        code = m.code
        if code.startswith("e") and (digit is not None or polarity is not None):
            sep = "+" if polarity == "facilitator" else "."
            d = digit if digit is not None else "8"
            code = f"{code}{sep}{d if not (sep == '+' and d == '9') else '8'}"
        elif digit is not None and not code.startswith("e"):
            code = f"{code}.{digit}"
        if code == m.code:
            return m
        spans = m.spans + [sp for w, sp in usable if w.digit is not None or w.polarity is not None]
        return CodeMatch(
            code=code,
            display=m.display,
            score=m.score,
            kind=m.kind,
            spans=sorted(spans, key=lambda s: s.start),
            term=m.term,
            rationale=f"{m.rationale}; 評価点の語 (qualifier words) → {code[len(m.code) :]}",
            features=m.features,
        )
