"""The one interface every code system implements, and the small value types it returns.

A :class:`CodeSystem` answers: is this code valid (:meth:`~CodeSystem.validate`), what is it
(:meth:`~CodeSystem.lookup`, :meth:`~CodeSystem.display` in Japanese or English), where is it in
the hierarchy (:meth:`~CodeSystem.parents`, :meth:`~CodeSystem.children`) and which codes fit a
phrase (:meth:`~CodeSystem.search`). Search results always pass :meth:`~CodeSystem.validate`:
a code that is not in the loaded table is never returned.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["ja", "en"]
MatchKind = Literal["exact", "variant", "abbreviation", "partial", "fuzzy", "bm25", "mapped", "rule"]


@dataclass(frozen=True)
class Concept:
    """One entry of a code table."""

    system: str
    code: str
    display_ja: str | None = None
    display_en: str | None = None
    parent: str | None = None
    kind: str = "category"
    synonyms: tuple[str, ...] = ()

    def display(self, lang: Lang = "ja") -> str:
        first, second = (
            (self.display_ja, self.display_en) if lang == "ja" else (self.display_en, self.display_ja)
        )
        return first or second or self.code


@dataclass(frozen=True)
class Term:
    """A string that names a code, with where it came from (for the lexicon)."""

    text: str
    code: str
    source: str  # standard | index | title | title_en | curated | abbreviation | kana | synonym
    weight: float = 1.0


@dataclass(frozen=True)
class TextSpan:
    """A span ``[start, end)`` in the ORIGINAL input text."""

    start: int
    end: int


@dataclass
class CodeMatch:
    """A ranked code for a phrase: the code, its score in [0, 1] and the spans that support it."""

    code: str
    display: str
    score: float
    kind: MatchKind
    spans: list[TextSpan] = field(default_factory=list)
    term: str = ""
    rationale: str = ""
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeCheck:
    """The verdict of :meth:`CodeSystem.validate`: ``ok`` and, when not, why (Japanese, then English)."""

    ok: bool
    code: str
    reason: str = ""


class CodeSystem(ABC):
    """A loaded code table (embedded default or imported official file)."""

    name: str
    title: str
    version: str
    origin: str  # "embedded" or the path of the imported file

    @abstractmethod
    def lookup(self, code: str) -> Concept | None:
        """The concept for ``code`` (any accepted spelling), or None."""

    @abstractmethod
    def validate(self, code: str) -> CodeCheck:
        """Whether ``code`` (with any post-coordination or qualifier syntax) is valid here."""

    @abstractmethod
    def search(self, text: str, k: int = 10) -> list[CodeMatch]:
        """The ``k`` best codes for a free-text phrase, best first; every code passes validate."""

    @abstractmethod
    def children(self, code: str) -> list[str]:
        """Direct children of ``code`` in the hierarchy."""

    @abstractmethod
    def codes(self) -> Iterable[str]:
        """Every code of the table (stems only for systems with post-coordination)."""

    def parents(self, code: str) -> list[str]:
        """Ancestors of ``code``, nearest first."""
        out: list[str] = []
        concept = self.lookup(code)
        seen: set[str] = set()
        while concept is not None and concept.parent and concept.parent not in seen:
            seen.add(concept.parent)
            out.append(concept.parent)
            concept = self.lookup(concept.parent)
        return out

    def display(self, code: str, lang: Lang = "ja") -> str | None:
        concept = self.lookup(code)
        return concept.display(lang) if concept else None

    def __len__(self) -> int:
        return sum(1 for _ in self.codes())
