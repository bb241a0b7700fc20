"""What one note says about notifiable diseases: extracted diagnoses (with certainty) and their sentences.

A disease counts only where the extraction pipeline (:mod:`karte.extract`) found a disease mention
overlapping the disease name: its certainty (positive / negative / suspicious / general) and its
past-history and family flags decide what the mention means. A name the extractor did not tag as a
disease, a name inside a longer non-notifiable name (非結核性抗酸菌症) or inside a pathogen name
(結核菌) is not a diagnosis. Offsets are in the ORIGINAL note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from karte.records.models import Section
from karte.reporting.diseases.table import Disease, NotifiableTable
from karte.text import NormalizedText, Sentence, normalize, sectionize, split_sentences

PAST_SECTIONS = frozenset({"past_history", "family_history"})
_ASCII = re.compile(r"^[A-Za-z0-9\-/ .]+$")
_TEST_AFTER = re.compile(
    r"\s*(?:IgM|IgG|IgA|抗体|抗原|PCR|LAMP|ウイルス|菌|遺伝子|RNA|DNA|迅速|検査|培養|NS1)", re.IGNORECASE
)


class MentionLike(Protocol):
    """What the reporting layer reads from an extracted mention (``karte.extract.schema.Mention``)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def certainty(self) -> str | None: ...
    @property
    def state(self) -> str | None: ...
    @property
    def historical(self) -> bool: ...
    @property
    def family(self) -> bool: ...


class ExtractedNoteLike(Protocol):
    @property
    def mentions(self) -> Sequence[MentionLike]: ...


class ExtractorLike(Protocol):
    def extract(self, text: str) -> ExtractedNoteLike: ...


@dataclass
class Note:
    """One note with its extraction, sentences and sections (all offsets in the original text)."""

    text: str
    document_id: str | None
    date: dt.date | None
    mentions: list[MentionLike]
    nt: NormalizedText = field(repr=False)
    sections: list[Section] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    extractor: ExtractorLike | None = field(default=None, repr=False)
    _local: dict[tuple[int, int], list[MentionLike]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls, text: str, extractor: ExtractorLike, document_id: str | None = None, date: dt.date | None = None
    ) -> Note:
        nt = normalize(text)
        sections = sectionize(nt)
        extracted = extractor.extract(text)
        return cls(
            text,
            document_id,
            date,
            list(extracted.mentions),
            nt,
            sections,
            split_sentences(nt, sections),
            extractor,
        )

    def mention_for(self, start: int, end: int) -> MentionLike | None:
        """The extracted disease mention over ``[start, end)``. When the note-level extraction has no
        mention there, or one that runs across the sentence of the name (``発熱。肺結核`` as one span),
        the sentence is extracted on its own and the mention found there is used (the sequence model
        reads a sentence differently with and without its neighbours)."""
        overlapping = self.mentions_in(start, end, ("disease",))
        best = max(overlapping, key=lambda x: min(x.end, end) - max(x.start, start)) if overlapping else None
        sentence = self.sentence_at(start)
        if sentence is None or self.extractor is None:
            return best
        if best is not None and sentence.start <= best.start and best.end <= sentence.end:
            return best
        for m in self.sentence_mentions(sentence):
            if m.type == "disease" and m.start < end and start < m.end:
                return m
        return best

    def sentence_mentions(self, sentence: Sentence) -> list[MentionLike]:
        """Mentions of ``sentence`` extracted on its own (cached), with offsets in the note."""
        if self.extractor is None:
            return []
        key = (sentence.start, sentence.end)
        if key not in self._local:
            local = self.extractor.extract(self.text[sentence.start : sentence.end])
            self._local[key] = [_Shifted(m, sentence.start) for m in local.mentions]
        return self._local[key]

    def section_at(self, pos: int) -> str | None:
        for s in self.sections:
            if s.start <= pos < s.end:
                return s.name
        return None

    def sentence_at(self, pos: int) -> Sentence | None:
        for s in self.sentences:
            if s.start <= pos < s.end:
                return s
        return None

    def mentions_in(self, start: int, end: int, types: tuple[str, ...]) -> list[MentionLike]:
        return [m for m in self.mentions if m.type in types and m.start < end and start < m.end]


@dataclass
class DiseaseHit:
    """A notifiable disease named where the extractor found a disease mention."""

    disease: Disease
    start: int
    end: int
    term: str
    certainty: str
    historical: bool
    family: bool
    carrier: bool
    note: Note
    mention_start: int
    mention_end: int

    @property
    def current_positive(self) -> bool:
        return self.certainty == "positive" and not self.historical and not self.family

    @property
    def suspected(self) -> bool:
        return self.certainty == "suspicious" and not self.historical and not self.family

    def why_not(self) -> str:
        if self.family:
            return "家族歴の記載 (family history)"
        if self.historical:
            return "既往・過去の記載 (past history)"
        return {
            "negative": "否定されている (negated)",
            "general": "一般的な記載 (general statement)",
            "suspicious": "疑い (suspected)",
        }.get(self.certainty, self.certainty)


@dataclass(frozen=True)
class LookalikeHit:
    term: str
    why: str
    start: int
    end: int
    document_id: str | None


class DiseaseIndex:
    """Every disease name, look-alike and pathogen name of the table rows in force, as one pattern."""

    def __init__(self, table: NotifiableTable, day: dt.date) -> None:
        self.rows = table.on(day)
        self.by_key: dict[str, tuple[str, object]] = {}
        for d in self.rows:
            for t in d.terms:
                self.by_key.setdefault(_key(t), ("disease", d))
            for t in d.carrier_terms:
                self.by_key[_key(t)] = ("carrier", d)
        for lk in table.lookalikes:
            self.by_key[_key(lk.term)] = ("lookalike", lk.why)
        disease_keys = [_key(t) for d in self.rows for t in d.terms]
        for d in self.rows:  # pathogen names that contain a disease name (結核菌, 赤痢アメーバ) shadow it
            for c in d.criteria:
                for t in c.targets:
                    k = _key(t)
                    if k not in self.by_key and any(dk in k for dk in disease_keys):
                        self.by_key[k] = ("pathogen", t)
        parts = []
        for k in sorted(self.by_key, key=len, reverse=True):
            esc = re.escape(k)
            parts.append(rf"(?<![A-Za-z]){esc}(?![A-Za-z])" if _ASCII.match(k) else esc)
        self.pattern = re.compile("|".join(parts), re.IGNORECASE)

    def find(self, note: Note) -> tuple[list[DiseaseHit], list[LookalikeHit]]:
        hits: list[DiseaseHit] = []
        lookalikes: list[LookalikeHit] = []
        norm = note.nt.text
        for m in self.pattern.finditer(norm):
            kind, value = self.by_key.get(_key(m.group()), ("", None))
            start, end = note.nt.to_original(m.start(), m.end())
            if kind == "lookalike":
                lookalikes.append(
                    LookalikeHit(note.text[start:end], str(value), start, end, note.document_id)
                )
                continue
            if kind not in ("disease", "carrier") or not isinstance(value, Disease):
                continue
            if _TEST_AFTER.match(norm, m.end()):
                continue  # 「麻疹IgM抗体」「結核菌PCR」: a test of the pathogen, not a diagnosis
            mention = note.mention_for(start, end)
            if mention is None:
                continue  # the extractor did not read this as a disease: never a keyword-only hit
            section = note.section_at(start)
            hits.append(
                DiseaseHit(
                    disease=value,
                    start=start,
                    end=end,
                    term=note.text[start:end],
                    certainty=mention.certainty or "positive",
                    historical=bool(mention.historical) or section == "past_history",
                    family=bool(mention.family) or section == "family_history",
                    carrier=kind == "carrier",
                    note=note,
                    mention_start=mention.start,
                    mention_end=mention.end,
                )
            )
        return hits, lookalikes


@dataclass(frozen=True)
class _Shifted:
    """A mention from a sentence extracted on its own, with offsets moved into the note."""

    inner: MentionLike
    offset: int

    @property
    def start(self) -> int:
        return self.inner.start + self.offset

    @property
    def end(self) -> int:
        return self.inner.end + self.offset

    @property
    def type(self) -> str:
        return self.inner.type

    @property
    def certainty(self) -> str | None:
        return self.inner.certainty

    @property
    def state(self) -> str | None:
        return self.inner.state

    @property
    def historical(self) -> bool:
        return self.inner.historical

    @property
    def family(self) -> bool:
        return self.inner.family


def _key(term: str) -> str:
    return normalize(term).text.lower()
