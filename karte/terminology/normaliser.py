"""The phrase → code normaliser shared by every code system.

Candidates come from the system's :class:`~karte.terminology.lexicon.Lexicon`: the whole phrase
(or a variant: abbreviation expanded, modifier removed, spelling rewritten) as a term; terms
found inside the phrase; and, when nothing covers most of the phrase, fuzzy matches (BM25 over
character bigrams, then edit similarity). A feature re-ranker scores each code:

* match kind: exact term > term inside the phrase (weighted by how much of the phrase it covers,
  with a bonus when it ends the phrase, where Japanese puts the head noun) > fuzzy;
* term source (MEDIS standard name, index word, official title, curated synonym, reading …);
* variant penalty (abbreviation expansion, rewritten spelling);
* ambiguity (a term naming several codes shares its weight).

Weights are set by hand from these principles (documented in :data:`WEIGHTS`), not fitted to
the dev sets. Only codes that pass the system's validation are returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from karte.terminology.base import CodeMatch, MatchKind, TextSpan
from karte.terminology.lexicon import Entry, Lexicon
from karte.terminology.phrase import Phrase, Variant, is_curated_abbreviation, prepare

SOURCE_WEIGHT: dict[str, float] = {
    "standard": 1.0,
    "curated": 1.0,
    "index": 0.98,
    "standard_abbrev": 0.97,
    "title": 0.95,
    "title_en": 0.93,
    "synonym": 0.95,
    "kana": 0.92,
}


@dataclass(frozen=True)
class Weights:
    exact: float = 1.0
    partial_base: float = 0.45
    partial_coverage: float = 0.42
    head_bonus: float = 0.05
    fuzzy_base: float = 0.25
    fuzzy_similarity: float = 0.6
    fuzzy_trigger_coverage: float = 0.75
    ambiguity_step: float = 0.12
    support_bonus: float = 0.01
    abbreviation_other_sense: float = 0.9


WEIGHTS = Weights()


@dataclass
class _Candidate:
    code: str
    score: float
    kind: MatchKind
    term: str
    key_start: int
    key_end: int
    variant: Variant
    features: dict[str, float]


class Normaliser:
    """Ranks codes of one system for a phrase."""

    def __init__(
        self,
        lexicon: Lexicon,
        is_valid: Callable[[str], bool],
        display: Callable[[str], str],
        weights: Weights = WEIGHTS,
    ) -> None:
        self.lexicon = lexicon
        self.is_valid = is_valid
        self.display = display
        self.w = weights

    def _score_entries(
        self,
        entries: tuple[Entry, ...],
        variant: Variant,
        start: int,
        end: int,
        kind: MatchKind,
        match_quality: float,
        out: list[_Candidate],
    ) -> None:
        codes = {e.code for e in entries}
        ambiguity = 1.0 / (1.0 + self.w.ambiguity_step * (len(codes) - 1))
        for e in entries:
            source = SOURCE_WEIGHT.get(e.source, 0.9) * e.weight
            score = match_quality * source * variant.penalty * ambiguity
            out.append(
                _Candidate(
                    e.code,
                    score,
                    kind,
                    e.term,
                    start,
                    end,
                    variant,
                    {
                        "match": match_quality,
                        "source": source,
                        "variant": variant.penalty,
                        "ambiguity": ambiguity,
                    },
                )
            )

    def candidates(self, phrase: Phrase) -> list[_Candidate]:
        out: list[_Candidate] = []
        best_coverage = 0.0
        for variant in phrase.variants:
            k = variant.keyed.key
            entries = self.lexicon.exact(k)
            if entries:
                kind: MatchKind = "exact" if variant.label == "original" else "variant"
                quality = self.w.exact
                if variant.label.startswith("abbreviation"):
                    kind = "abbreviation"
                elif variant.label == "original" and is_curated_abbreviation(k):
                    # The curated reading of a bare abbreviation wins over other dictionary senses.
                    quality *= self.w.abbreviation_other_sense
                self._score_entries(entries, variant, 0, len(k), kind, quality, out)
                best_coverage = 1.0
                continue
            n = len(k)
            for sm in self.lexicon.substrings(k):
                coverage = (sm.end - sm.start) / n
                quality = self.w.partial_base + self.w.partial_coverage * coverage
                if sm.end == n:
                    quality += self.w.head_bonus
                best_coverage = max(best_coverage, coverage)
                self._score_entries(sm.entries, variant, sm.start, sm.end, "partial", quality, out)
        if best_coverage < self.w.fuzzy_trigger_coverage:
            for variant in phrase.variants[:3]:
                k = variant.keyed.key
                if len(k) < 2:
                    continue
                for cand_key, sim in self.lexicon.fuzzy(k, limit=8):
                    quality = self.w.fuzzy_base + self.w.fuzzy_similarity * sim * sim
                    entries = self.lexicon.exact(cand_key)
                    self._score_entries(entries, variant, 0, len(k), "fuzzy", quality, out)
        return out

    def warm_up(self) -> None:
        """Build the fuzzy index now (it is otherwise built on the first fuzzy look-up)."""
        self.lexicon.fuzzy("ウォームアップ")

    def rank(self, text: str, k: int = 10, phrase: Phrase | None = None) -> list[CodeMatch]:
        """The ``k`` best valid codes for ``text`` with scores in [0, 1] and evidence spans."""
        phrase = phrase or prepare(text)
        best: dict[str, _Candidate] = {}
        support: dict[str, set[str]] = {}
        for cand in self.candidates(phrase):
            if not self.is_valid(cand.code):
                continue
            support.setdefault(cand.code, set()).add(cand.term)
            held = best.get(cand.code)
            if held is None or cand.score > held.score:
                best[cand.code] = cand
        ranked: list[CodeMatch] = []
        for code, cand in best.items():
            bonus = self.w.support_bonus * min(3, len(support[code]) - 1)
            score = max(0.0, min(1.0, cand.score + bonus))
            s, e = cand.variant.keyed.span(cand.key_start, cand.key_end)
            ranked.append(
                CodeMatch(
                    code=code,
                    display=self.display(code),
                    score=round(score, 4),
                    kind=cand.kind,
                    spans=[TextSpan(s, e)] if e > s else [],
                    term=cand.term,
                    rationale=_rationale(cand),
                    features={**cand.features, "support": float(len(support[code]))},
                )
            )
        ranked.sort(key=lambda m: (-m.score, m.code))
        return ranked[:k]


def _rationale(c: _Candidate) -> str:
    how = {
        "exact": "語句全体が辞書語と一致 (whole phrase matches a term)",
        "variant": "表記ゆれを正規化して一致 (matches after a spelling rewrite)",
        "abbreviation": "略語を展開して一致 (matches after expanding an abbreviation)",
        "partial": "語句の一部が辞書語と一致 (a term inside the phrase)",
        "fuzzy": "近似一致 (fuzzy match; possible typo)",
    }.get(c.kind, c.kind)
    return f"{how}: 「{c.term}」"
