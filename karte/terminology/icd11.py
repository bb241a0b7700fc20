"""ICD-11 MMS: stems, extension codes, clusters, and a coder that post-coordinates modifiers.

Search for a Japanese phrase combines two routes and keeps the better score per stem:

1. direct: the phrase against the ICD-11 lexicon (curated Japanese names
   ``resources/ja/icd11_ja.yaml`` and WHO English titles);
2. via ICD-10: the ICD-10 normaliser's codes mapped with WHO's ICD-10→ICD-11 map (falling back
   to the parent ICD-10 code when a code has no map row).

Then modifiers of the phrase become extension codes when the stem does not already say them and
the axis fits (``右`` → ``&XK9K``, ``慢性`` → ``&XT8W``, ``重症`` → ``&XS25``). Every returned
cluster passes :meth:`ICD11.validate`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cached_property

from karte.terminology.base import CodeCheck, CodeMatch, CodeSystem, Concept, Lang, Term, TextSpan
from karte.terminology.icd10 import ICD10, _english_variants
from karte.terminology.icd11_cluster import cluster_problems, normalize_cluster, parse_cluster
from karte.terminology.icd11_table import ICD11Table
from karte.terminology.lexicon import Lexicon
from karte.terminology.normaliser import Normaliser
from karte.terminology.phrase import Modifier, Phrase, prepare
from karte.terminology.resources import load_table

MAP_PENALTY = 0.97
# English words in a stem title that already state a modifier (no extension is added then).
_STATED = {
    "laterality": re.compile(r"\b(left|right|bilateral|unilateral)\b", re.I),
    "course": re.compile(r"\b(acute|chronic|subacute|recurrent)\b", re.I),
    "severity": re.compile(r"\b(mild|moderate|severe|profound)\b", re.I),
}
_JA_STATED = {
    "course": ("急性", "慢性", "亜急性", "再発性", "反復性"),
    "severity": ("軽症", "重症", "中等症"),
}


class ICD11(CodeSystem):
    name = "icd11"
    title = "ICD-11 MMS (国際疾病分類 第11版)"

    def __init__(self, table: ICD11Table, icd10: ICD10) -> None:
        self.table = table
        self.icd10 = icd10
        self.version = f"ICD-11 MMS {table.version}"
        self.origin = table.origin
        self._ja: dict[str, str] = {}
        self._synonyms: dict[str, list[str]] = {}
        for row in load_table("ja", "icd11_ja.yaml")["rows"]:
            if row["code"] in table.entries:
                self._ja[row["code"]] = str(row["ja"])
                self._synonyms[row["code"]] = [str(s) for s in row.get("synonyms", [])]
        self._children: dict[str, list[str]] = {}
        for code, e in table.entries.items():
            if e.parent:
                self._children.setdefault(e.parent, []).append(code)

    # -- table ---------------------------------------------------------------------------------
    def _ja_title(self, code: str) -> str | None:
        if code in self._ja:
            return self._ja[code]
        code10 = self.table.map11to10.get(code)
        return self.icd10.display(code10, "ja") if code10 else None

    def lookup(self, code: str) -> Concept | None:
        c = normalize_cluster(code)
        e = self.table.entries.get(c)
        if e is None:
            return None
        return Concept(
            self.name, c, self._ja_title(c), e.title, e.parent, e.kind, tuple(self._synonyms.get(c, ()))
        )

    def display(self, code: str, lang: Lang = "ja") -> str | None:
        """Display of a stem, an extension or a whole cluster (parts joined with ``・``)."""
        try:
            groups = parse_cluster(code)
        except ValueError:
            return None
        parts: list[str] = []
        for g in groups:
            for c in (g.stem, *g.extensions):
                concept = self.lookup(c)
                if concept is None:
                    return None
                parts.append(concept.display(lang))
        return "・".join(parts) if lang == "ja" else "; ".join(parts)

    def validate(self, code: str) -> CodeCheck:
        c = normalize_cluster(code)
        problems = cluster_problems(c, self.table)
        return CodeCheck(not problems, c, "; ".join(problems))

    def is_stem(self, code: str) -> bool:
        e = self.table.entries.get(code)
        return e is not None and e.kind == "category"

    def children(self, code: str) -> list[str]:
        return list(self._children.get(normalize_cluster(code), []))

    def codes(self) -> Iterable[str]:
        return (c for c, e in self.table.entries.items() if e.kind == "category")

    def extensions(self, axis: str | None = None) -> list[str]:
        return [
            c
            for c, e in self.table.entries.items()
            if e.kind == "extension" and (axis is None or e.axis == axis)
        ]

    # -- search --------------------------------------------------------------------------------
    def terms(self) -> Iterator[Term]:
        for code, ja in self._ja.items():
            if self.table.entries[code].kind != "category":
                continue
            yield Term(ja, code, "curated")
            for s in self._synonyms.get(code, []):
                yield Term(s, code, "curated", 0.99)
        for code, e in self.table.entries.items():
            if e.kind == "category":
                for variant in _english_variants(e.title):
                    yield Term(variant, code, "title_en")

    @cached_property
    def normaliser(self) -> Normaliser:
        return Normaliser(Lexicon(self.terms()), self.is_stem, lambda c: self.display(c) or c)

    def map_icd10(self, code10: str) -> str | None:
        """The ICD-11 code (maybe a cluster) for an ICD-10 code, trying its parents when unmapped."""
        cur: str | None = code10
        while cur:
            target = self.table.map10to11.get(cur)
            if target and not cluster_problems(target, self.table):
                return target
            cur = cur[:-1].rstrip(".") if "." in cur else None
        return None

    def search(self, text: str, k: int = 10) -> list[CodeMatch]:
        phrase = prepare(text)
        found: dict[str, CodeMatch] = {}
        for m in self.normaliser.rank(text, 8, phrase):
            found[m.code] = m
        for m10 in self.icd10.search(text, 5):
            target = self.map_icd10(m10.code)
            if target is None:
                continue
            score = round(m10.score * MAP_PENALTY, 4)
            if target not in found or found[target].score < score:
                found[target] = CodeMatch(
                    code=target,
                    display=self.display(target) or target,
                    score=score,
                    kind="mapped",
                    spans=m10.spans,
                    term=m10.term,
                    rationale=f"ICD-10 {m10.code} から WHO 対応表で変換 "
                    f"(mapped from ICD-10 {m10.code}); {m10.rationale}",
                    features={**m10.features, "map": MAP_PENALTY},
                )
        ranked = sorted(found.values(), key=lambda m: (-m.score, m.code))[: max(k, 5)]
        out = [self._postcoordinate(m, phrase) for m in ranked]
        out = [m for m in out if self.validate(m.code).ok]
        unique: dict[str, CodeMatch] = {}
        for m in out:
            unique.setdefault(m.code, m)
        return sorted(unique.values(), key=lambda m: (-m.score, m.code))[:k]

    def _states(self, stem: str, axis: str) -> bool:
        """Whether the stem (or an ancestor) already says the modifier (Acute …, 急性 …)."""
        pattern = _STATED.get(axis)
        words = _JA_STATED.get(axis, ())
        cur: str | None = stem
        for _ in range(3):
            e = self.table.entries.get(cur or "")
            if e is None or e.kind != "category":
                break
            if pattern is not None and pattern.search(e.title):
                return True
            if any(w in (self._ja.get(e.code) or "") for w in words):
                return True
            cur = e.parent
        return False

    def _postcoordinate(self, match: CodeMatch, phrase: Phrase) -> CodeMatch:
        groups = parse_cluster(match.code)
        stem = groups[0].stem
        cluster = match.code
        spans = list(match.spans)
        added: list[Modifier] = []
        for mod in phrase.modifiers:
            if self._states(stem, mod.axis):
                continue
            candidate = _attach(cluster, mod.icd11)
            if not cluster_problems(candidate, self.table):
                cluster = candidate
                added.append(mod)
                s, e = phrase.content.span(mod.start, mod.end)
                spans.append(TextSpan(s, e))
        if not added:
            return match
        why = "・".join(f"{m.text}→{m.icd11}" for m in added)
        return CodeMatch(
            code=cluster,
            display=self.display(cluster) or cluster,
            score=match.score,
            kind=match.kind,
            spans=sorted(spans, key=lambda sp: sp.start),
            term=match.term,
            rationale=f"{match.rationale}; 修飾語を後置結合 (post-coordinated modifiers: {why})",
            features=match.features,
        )


def _attach(cluster: str, ext: str) -> str:
    """Add extension ``ext`` to the first stem group of ``cluster``."""
    first, sep, rest = cluster.partition("/")
    return f"{first}&{ext}{sep}{rest}"
