"""Address and facility recognizers (their vocabularies are in ``recognizers.yaml``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from karte.deid.charclass import KANJI, KATAKANA
from karte.deid.types import Candidate

K = KANJI
_NUM = "0-9一二三四五六七八九十"
# 1丁目2番3号, 1-2-3, 123番地, 2丁目, 1番地の5 …
_BLOCK = (
    rf"(?: ?(?:[{_NUM}]{{1,4}}丁目 ?"
    rf"(?:[0-9]{{1,5}}(?:番地?の?|-)?(?:[0-9]{{1,5}}(?:号|-)?)?(?:[0-9]{{1,5}}号?)?)?"
    rf"|[0-9]{{1,5}}(?:番地?の?|-)[0-9]{{1,5}}(?:(?:号|-)(?:[0-9]{{1,5}}号?)?)?|[0-9]{{1,5}}番地))"
)
_BUILDING = (
    rf"(?: ?[{KATAKANA}A-Za-z{K}][{KATAKANA}A-Za-z0-9{K}・]{{0,14}}? ?[0-9]{{1,4}}号室| ?[0-9]{{1,4}}号室)?"
)


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class AddressRecognizer:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.score = float(spec.get("score", 0.9))
        self.city_score = float(spec.get("city_only_score", 0.75))
        self.not_town = tuple(str(w) for w in spec.get("not_town", []))
        pref = _alt(spec["prefectures"])
        kana = _alt(spec.get("kana_municipalities", []))
        residence = _alt(spec.get("residence_words", []))
        city = rf"(?:{kana}|[{K}]{{1,5}}?市|[{K}]{{1,4}}?郡[{K}]{{1,4}}?[町村])"
        ward = rf"[{K}]{{1,4}}?区"
        muni = rf"(?:{city}(?:{ward})?|{ward}|[{K}]{{1,4}}?[町村])"
        town = rf"(?:[{K}][{K}ぁ-んァ-ヶー]{{0,7}}?)?"
        tail = rf"(?:{town}{_BLOCK}{_BUILDING})?"
        self._with_pref = re.compile(rf"(?P<pref>{pref})(?P<muni>{muni})(?P<tail>{tail})")
        self._city_block = re.compile(rf"(?<![{K}])(?:{city}(?:{ward})?|{ward}){town}{_BLOCK}{_BUILDING}")
        self._city_residence = re.compile(rf"(?<![{K}])(?P<muni>{city}(?:{ward})?)(?={residence})")

    def find(self, text: str) -> Iterator[Candidate]:
        for m in self._with_pref.finditer(text):
            if m.group("muni").startswith(self.not_town):
                continue
            score = self.score if m.group("tail") else self.score - 0.05
            yield Candidate(m.start(), m.end(), "ADDRESS", score, "address", "prefecture_municipality")
        for m in self._city_block.finditer(text):
            yield Candidate(m.start(), m.end(), "ADDRESS", self.score, "address", "municipality_block")
        for m in self._city_residence.finditer(text):
            yield Candidate(
                m.start(), m.end(), "ADDRESS", self.city_score, "address", "municipality_residence"
            )


class FacilityRecognizer:
    """``…病院``, ``…クリニック`` …: named facilities, not generic ones (回復期リハビリテーション病院)."""

    def __init__(self, spec: Mapping[str, Any], generic_words: Iterable[str]) -> None:
        self.score = float(spec.get("score", 0.85))
        self.context = tuple(str(w) for w in spec.get("context", []))
        self.generic = frozenset(generic_words)
        self.weak_suffixes = frozenset(str(w) for w in spec.get("weak_suffixes", []))
        self.hiragana_stop = frozenset(str(w) for w in spec.get("hiragana_stop", []))
        self._max_generic = max((len(w) for w in self.generic), default=1)
        self.strip_leading = tuple(
            sorted((str(w) for w in spec.get("strip_leading", [])), key=len, reverse=True)
        )
        chars = rf"{K}{KATAKANA}A-Za-z0-9・&"
        suffixes = _alt(spec["suffixes"])
        heads = _alt(spec.get("name_heads", [])) or "(?!)"
        self._re = re.compile(rf"(?<![{chars}])(?P<prefix>[{chars}]{{1,24}})(?P<suffix>{suffixes})")
        # さくら病院, ささき内科医院, 市立しらかわ総合病院, 北摂ひかり病院: a hiragana run after a
        # boundary, or after a particle that ends the previous word (退院後はささき内科医院).
        particles = "はをにがでとへのもや"
        boundary = rf"(?:(?<![{chars}ぁ-ん])|(?<=[{chars}][{particles}]))"
        place = rf"(?:{heads}|(?<![{chars}ぁ-ん])[{K}]{{1,3}}(?![{particles}]))?"
        self._kana_re = re.compile(
            rf"{boundary}(?P<prefix>{place}(?P<kana>[ぁ-ん]{{2,8}})[{chars}]{{0,16}})(?P<suffix>{suffixes})"
        )

    def is_generic(self, prefix: str) -> bool:
        """True if ``prefix`` is made only of generic words (回復期 + リハビリテーション …)."""
        n = len(prefix)
        ok = [False] * (n + 1)
        ok[0] = True
        for i in range(n):
            if not ok[i]:
                continue
            for j in range(i + 1, min(n, i + self._max_generic) + 1):
                if prefix[i:j] in self.generic:
                    ok[j] = True
        return ok[n]

    def find(self, text: str) -> Iterator[Candidate]:
        seen: set[tuple[int, int]] = set()
        for m in [*self._re.finditer(text), *self._kana_re.finditer(text)]:
            prefix, start = m.group("prefix"), m.start("prefix")
            if "kana" in m.groupdict() and m.group("kana") in self.hiragana_stop:
                continue
            for word in self.strip_leading:
                if prefix.startswith(word) and len(prefix) > len(word):
                    prefix, start = prefix[len(word) :], start + len(word)
                    break
            if self.is_generic(prefix) or (start, m.end()) in seen:
                continue
            seen.add((start, m.end()))
            window = text[max(0, start - 16) : start] + text[m.end() : m.end() + 6]
            found = [w for w in self.context if w in window]
            base = self.score - (0.2 if m.group("suffix") in self.weak_suffixes else 0.0)
            score = min(1.0, base + (0.1 if found else 0.0))
            yield Candidate(start, m.end(), "FACILITY", score, "facility", "facility_suffix", context=found)
