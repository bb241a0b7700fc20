"""One condition as written on a certificate → an ICD-10 code of the loaded table.

In order, the first that answers wins:

1. the curated certificate phrases (``death_terms.yaml``: 縊死, 焼死, 急性アルコール中毒 → T51.0 …);
2. an exact entry of the ICD-10 dictionary of the terminology package (MEDIS 標準病名, index words,
   Japanese titles: a hash look-up);
3. the same after removing what does not change the code: uncertainty (疑い), side (左, 右), stage
   words (末期, 進行), brackets (``肺炎（誤嚥性）`` → ``誤嚥性肺炎``);
4. an external event named on the line (転倒, 交通事故, 入水 …) → its chapter XX code;
5. the terminology package's ranked search (slow; cached per phrase) when its best score is high;
6. the longest ending that is a dictionary term (``足の壊疽`` → ``壊疽``: Japanese puts the head last).

Every code returned passes ``ICD10.validate``; nothing else is returned.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from karte.reporting.death.tables import death_terms
from karte.terminology.icd10 import ICD10
from karte.terminology.keys import key
from karte.text import normalize

SEARCH_MIN_SCORE = 0.8
SEARCH_MARGIN_SCORE = 0.7  # a lower best score is accepted when it leads the next code by SEARCH_MARGIN
SEARCH_MARGIN = 0.1
MIN_SUFFIX = 2
SEARCH_CACHE = 50_000
_SOURCE_RANK = {
    "standard": 0,
    "curated": 1,
    "title": 2,
    "standard_abbrev": 3,
    "index": 4,
    "kana": 5,
    "title_en": 6,
}
_PREFIX = re.compile(
    r"^(?:左右|両側|両|左|右|末期の?|進行性?の?|再発性?の?|重症|重度の?|高度の?|難治性の?|広範な?|急速進行性の?)"
)
_SUFFIX = re.compile(
    r"(?:の疑い|疑い|疑|の可能性|可能性|と推定|推定|\(推定\)|の急性増悪|急性増悪|の増悪|増悪|の再燃|再燃|の再発|再発|\?|？)$"
)
_BRACKET = re.compile(r"^(?P<head>[^()]+)\((?P<inner>[^()]*)\)$")
_DUE_TO = re.compile(
    r"(?:による|に因る|に伴う|にともなう|に続発した|に続発する|に続発の|に起因する|に起因した|からの|を原因とする|の結果)"
)

EventMatcher = Callable[[str], "tuple[str, str] | None"]  # text → (ICD-10 code, mechanism label)


@dataclass(frozen=True)
class CodedText:
    icd10: str
    display: str
    method: str  # curated | dictionary | variant | external | search
    score: float
    rationale: str
    start: int  # span of the part that was coded, in the given text
    end: int
    mechanism: str | None = None  # an external event's mechanism label


class CauseCoder:
    """Codes condition texts with the terminology package's ICD-10 table."""

    def __init__(self, icd10: ICD10, event_matcher: EventMatcher | None = None) -> None:
        self.icd10 = icd10
        self.event_matcher = event_matcher
        self._curated = death_terms()
        self._lexicon = icd10.lexicon
        self._search_cache: OrderedDict[str, CodedText | None] = OrderedDict()
        self._lock = threading.Lock()
        self.searches = 0  # how many phrases needed the slow search (for the benchmark)

    # -- the steps -------------------------------------------------------------------------------
    def _exact(self, text: str) -> tuple[str, str] | None:
        k = key(text)
        if not k:
            return None
        curated = self._curated.get(k)
        if curated and self.icd10.validate(curated[0]).ok:
            return curated[0], "curated"
        entries = [e for e in self._lexicon.exact(k) if self.icd10.is_codable(e.code)]
        if not entries:
            return None
        best = min(entries, key=lambda e: (_SOURCE_RANK.get(e.source, 9), -e.weight, e.code))
        return best.code, f"dictionary:{best.source}"

    def _variants(self, text: str) -> list[tuple[str, int, int, str]]:
        """(variant, start, end, why): texts to try, with the original span they keep."""
        nt = normalize(text)
        norm = nt.text.strip()
        lead = len(nt.text) - len(nt.text.lstrip())
        out: list[tuple[str, int, int, str]] = []
        core, s, e = norm, 0, len(norm)
        for _ in range(3):
            changed = False
            m = _SUFFIX.search(core)
            if m and m.start() > 0:
                core, e, changed = core[: m.start()].rstrip(), e - (len(core) - m.start()), True
            m = _PREFIX.match(core)
            if m and m.end() < len(core):
                core, s, changed = core[m.end() :], s + m.end(), True
            if not changed:
                break
        if core != norm:
            out.append((core, s, e, "修飾語を除外 (qualifier removed)"))
        b = _BRACKET.match(core)
        if b:
            head, inner = b.group("head").strip(), b.group("inner").strip()
            if inner:
                out.append((inner + head, s, e, "括弧内を前置 (bracket moved before the name)"))
            out.append((head, s, s + len(b.group("head")), "括弧内を除外 (bracket removed)"))
        if core.endswith("症") and len(core) > 2:
            out.append((core[:-1], s, e, "語尾の「症」を除外"))
        elif not core.endswith("症"):
            out.append((core + "症", s, e, "語尾に「症」を補う"))
        mapped: list[tuple[str, int, int, str]] = []
        for v, vs, ve, why in out:
            o_s, o_e = nt.to_original(lead + vs, lead + ve) if ve > vs else (0, len(text))
            mapped.append((v, o_s, o_e, why))
        return mapped

    def _head_suffix(self, text: str) -> CodedText | None:
        """The longest ending of the text that is a dictionary term (``足の壊疽`` → ``壊疽``): Japanese
        compounds put the head last, so the ending names the condition and the rest its site or kind."""
        nt = normalize(text)
        norm = nt.text
        for i in range(1, len(norm) - MIN_SUFFIX + 1):
            hit = self._exact(norm[i:])
            if hit and not hit[0].startswith(("Z", "U")):
                s, e = nt.to_original(i, len(norm))
                return CodedText(
                    hit[0],
                    self.display(hit[0]),
                    "variant",
                    0.8,
                    f"語尾の病名「{norm[i:]}」で照合 (head noun at the end) ({hit[1]})",
                    s,
                    e,
                )
        return None

    def _search(self, text: str) -> CodedText | None:
        k = key(text)
        with self._lock:
            if k in self._search_cache:
                self._search_cache.move_to_end(k)
                return self._search_cache[k]
        self.searches += 1
        found: CodedText | None = None
        ranked = self.icd10.search(text, 3)
        for i, m in enumerate(ranked[:1]):
            margin = m.score - (ranked[i + 1].score if len(ranked) > i + 1 else 0.0)
            sure = m.score >= SEARCH_MIN_SCORE or (m.score >= SEARCH_MARGIN_SCORE and margin >= SEARCH_MARGIN)
            if sure and self.icd10.validate(m.code).ok:
                found = CodedText(
                    m.code,
                    self.display(m.code),
                    "search",
                    round(0.85 * m.score, 3),
                    f"ICD-10 検索 (ranked search): 「{m.term}」 {m.score:.2f}; {m.rationale}",
                    0,
                    len(text),
                )
        with self._lock:
            self._search_cache[k] = found
            if len(self._search_cache) > SEARCH_CACHE:
                self._search_cache.popitem(last=False)
        return found

    # -- public ----------------------------------------------------------------------------------
    def display(self, code: str) -> str:
        return self.icd10.display(code, "ja") or code

    def code_exact(self, text: str) -> CodedText | None:
        """Only a curated or dictionary entry for the whole text (used before splitting 「AによるB」)."""
        hit = self._exact(text.strip())
        if hit is None:
            return None
        method = "curated" if hit[1] == "curated" else "dictionary"
        return CodedText(hit[0], self.display(hit[0]), method, 0.93, f"完全一致 ({hit[1]})", 0, len(text))

    def code(self, text: str, *, allow_search: bool = True) -> CodedText | None:
        """The ICD-10 code of one condition text, or None when nothing in the table fits."""
        text_stripped = text.strip()
        if not text_stripped:
            return None
        hit = self._exact(text_stripped)
        if hit:
            code, source = hit
            method = "curated" if source == "curated" else "dictionary"
            why = (
                "死亡診断書用語表 (curated certificate phrase)"
                if method == "curated"
                else f"ICD-10 辞書の完全一致 ({source})"
            )
            score = 0.95 if method == "curated" else 0.93
            return CodedText(code, self.display(code), method, score, why, 0, len(text))
        for variant, s, e, why in self._variants(text_stripped):
            hit = self._exact(variant)
            if hit:
                code = hit[0]
                offset = len(text) - len(text.lstrip())
                return CodedText(
                    code,
                    self.display(code),
                    "variant",
                    0.88,
                    f"{why}: 「{variant}」 ({hit[1]})",
                    s + offset,
                    e + offset,
                )
        if self.event_matcher is not None:
            event = self.event_matcher(text_stripped)
            if event is not None and self.icd10.validate(event[0]).ok:
                code, label = event
                return CodedText(
                    code,
                    self.display(code),
                    "external",
                    0.85,
                    f"外因の記載 (external event): {label}",
                    0,
                    len(text),
                    label,
                )
        if allow_search:
            found = self._search(text_stripped)
            if found is not None:
                return found
        return self._head_suffix(text_stripped)

    @staticmethod
    def due_to_parts(text: str) -> list[tuple[int, int]]:
        """``AによるB`` → spans [B, A] (the effect first, then its causes); one span when no 「による」."""
        cuts = [(m.start(), m.end()) for m in _DUE_TO.finditer(text)]
        if not cuts:
            return [(0, len(text))]
        bounds: list[tuple[int, int]] = []
        prev = 0
        for s, e in cuts:
            bounds.append((prev, s))
            prev = e
        bounds.append((prev, len(text)))
        parts = [(s, e) for s, e in bounds if text[s:e].strip()]
        return list(reversed(parts))
