"""The surname and given-name lists (``resources/<lang>/names.yaml``) with their readings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from karte.deid.resources import lines, load_deid_yaml
from karte.deid.romaji import katakana_to_hiragana, romaji_variants


@dataclass(frozen=True)
class NameEntry:
    written: str
    reading: str  # katakana


@dataclass
class NameLexicon:
    surnames: dict[str, str] = field(default_factory=dict)  # written → reading
    given_names: dict[str, str] = field(default_factory=dict)
    surname_readings: set[str] = field(default_factory=set)
    given_readings: set[str] = field(default_factory=set)  # katakana
    given_hiragana: set[str] = field(default_factory=set)
    latin_surnames: set[str] = field(default_factory=set)  # lower case
    latin_given: set[str] = field(default_factory=set)
    surname_entries: list[NameEntry] = field(default_factory=list)
    given_entries: list[NameEntry] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    max_surname_len: int = 0

    def surname_prefix(self, run: str, min_len: int = 1) -> str | None:
        """The longest known surname that ``run`` starts with (at least ``min_len`` characters)."""
        for n in range(min(self.max_surname_len, len(run)), min_len - 1, -1):
            if run[:n] in self.surnames:
                return run[:n]
        return None


def _entries(block: str | None) -> list[NameEntry]:
    out = []
    for line in lines(block):
        written, _, reading = line.partition(" ")
        out.append(NameEntry(written, reading.strip() or written))
    return out


@lru_cache(maxsize=4)
def load_lexicon(lang: str = "ja") -> NameLexicon:
    data = load_deid_yaml(lang, "names.yaml")
    lex = NameLexicon(sources=dict(data.get("sources", {})))
    lex.surname_entries = _entries(data.get("surnames"))
    lex.given_entries = _entries(data.get("given_names"))
    for e in lex.surname_entries:
        lex.surnames.setdefault(e.written, e.reading)
        lex.surname_readings.add(e.reading)
        lex.latin_surnames |= romaji_variants(e.reading)
    katakana_given = [NameEntry(k, k) for k in lines(data.get("given_names_katakana"))]
    for e in [*lex.given_entries, *katakana_given]:
        lex.given_names.setdefault(e.written, e.reading)
        lex.given_readings.add(e.reading)
        lex.given_hiragana.add(katakana_to_hiragana(e.reading))
        lex.latin_given |= romaji_variants(e.reading)
    lex.max_surname_len = max((len(s) for s in lex.surnames), default=0)
    # Latin words that are also common English or medical words are not name evidence by themselves.
    lex.latin_surnames -= {"mori", "oka", "seki", "hara", "tani", "kishi", "higashi", "nishi", "hori"}
    return lex
