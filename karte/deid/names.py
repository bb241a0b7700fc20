"""The name recognizer: labels (氏名:, 主治医 …), honorifics (様, 先生 …), the surname and given-name
lists, katakana readings and names in Latin script.

Its vocabulary (labels, honorifics, stop words) is in ``recognizers.yaml`` (``names:``); the name
lists are in ``names.yaml``. Each finding records the parts it split the name into, so that
pseudonymisation and propagation to other mentions can use the surname.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from karte.deid.charclass import KANJI, KATAKANA, is_hiragana, is_kanji, is_katakana
from karte.deid.namelists import NameLexicon
from karte.deid.types import Candidate, FindingSource

_LATIN_TITLES = frozenset({"Dr", "Mr", "Mrs", "Ms", "Prof", "Ns", "NS", "ID", "No"})
_PLAIN_HONORIFICS = frozenset({"さん", "氏", "殿", "くん", "ちゃん"})
PATIENT = "PATIENT_NAME"
PERSON = "PERSON_NAME"
_CONTEXT_WORDS = (
    "先生",
    "医師",
    "主治医",
    "担当",
    "患者",
    "様",
    "さん",
    "Dr",
    "看護師",
    "氏",
    "家族",
    "紹介",
    "署名",
)


def _alternation(words: list[str]) -> str:
    # Entries may already be regex-escaped in the registry (Dr\.); others are literal.
    return "|".join(w if "\\" in w else re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class NameVocabulary:
    patient_labels: tuple[str, ...]
    person_labels: tuple[str, ...]
    relation_labels: tuple[str, ...]
    honorifics: tuple[str, ...]
    patient_honorifics: frozenset[str]
    run_prefixes: tuple[str, ...]  # longest first
    not_names: frozenset[str]
    sama_words: tuple[str, ...]
    not_after_honorific: tuple[str, ...]
    medical_end_chars: frozenset[str]
    surname_only_score: float

    @classmethod
    def from_registry(cls, spec: Mapping[str, Any]) -> NameVocabulary:
        def words(key: str) -> tuple[str, ...]:
            return tuple(str(w) for w in spec.get(key, []))

        return cls(
            patient_labels=words("patient_labels"),
            person_labels=words("person_labels"),
            relation_labels=words("relation_labels"),
            honorifics=words("honorifics"),
            patient_honorifics=frozenset(words("patient_honorifics")),
            run_prefixes=tuple(sorted(words("run_prefixes"), key=len, reverse=True)),
            not_names=frozenset(words("not_names")),
            sama_words=words("sama_words"),
            not_after_honorific=words("not_after_honorific"),
            medical_end_chars=frozenset(str(spec.get("medical_end_chars", ""))),
            surname_only_score=float(spec.get("threshold_surname_only", 0.3)),
        )


class NameRecognizer:
    def __init__(self, vocab: NameVocabulary, lexicon: NameLexicon) -> None:
        self.vocab = vocab
        self.lex = lexicon
        k, kt = KANJI, KATAKANA
        kname = rf"[{k}](?:[{k}ノ]{{0,6}}[{k}])?"  # 四ノ宮: a katakana ノ inside a kanji name
        self._kname = kname
        name_shape = (
            rf"(?P<kanji>{kname}(?: [{k}]{{1,5}})?(?: ?[{kt}]{{2,4}}(?![{kt}]))?)"
            rf"|(?P<kata>[{kt}]{{2,12}}(?:[ ・][{kt}]{{2,12}})?)"
            r"|(?P<latin>[A-Z][A-Za-z'\-]+(?: [A-Z][A-Za-z'\-]+)?)"
        )
        self._patient_label_set = set(vocab.patient_labels)
        self._relation_set = set(vocab.relation_labels)
        labels = _alternation([*vocab.patient_labels, *vocab.person_labels, *vocab.relation_labels])
        relations = _alternation(list(vocab.relation_labels))
        self._role_words = (
            *(
                w.replace("\\", "")
                for w in (*vocab.relation_labels, *vocab.person_labels)
                if w not in ("Dr", "Ns")
            ),
            "息子",
            "娘",
            "家族",
            "母親",
            "父親",
        )
        self._relation_of_re = re.compile(rf"(?:{relations})の(?P<name>{kname})(?![{k}])")
        self._label_re = re.compile(rf"(?P<label>{labels})(?P<sep> ?[:=】」\]] ?| |)(?:{name_shape})")
        hon = _alternation(list(vocab.honorifics))
        self._hon_re = re.compile(
            rf"(?:(?<![{k}ノ])(?P<kanji>{kname}(?: [{k}]{{1,5}}| ?[{kt}]{{2,6}}(?![{kt}]))?)"
            rf"|(?<![{kt}])(?P<kata>[{kt}]{{2,12}}(?:[ ・][{kt}]{{2,12}})?)"
            rf"|(?<![A-Za-z])(?P<latin>[A-Z][a-z]+(?: [A-Z][a-z]+)?))"
            rf" ?(?P<hon>{hon})"
        )
        self._run_re = re.compile(rf"(?<![{k}ノ])[{k}](?:[{k}ノ]{{0,8}}[{k}])(?![{k}])")
        self._kata_re = re.compile(rf"(?<![{kt}])([{kt}]{{2,}})(?:([ ・])([{kt}]{{2,}}))?(?![{kt}])")
        self._title_re = re.compile(
            r"(?<![A-Za-z])(?:Dr|Mr|Mrs|Ms|Prof)\.? ?([A-Z][A-Za-z'\-]+(?: [A-Z][A-Za-z'\-]+)?)"
        )
        self._latin_pair_re = re.compile(
            r"(?<![A-Za-z])([A-Z][a-z]+|[A-Z]{2,})[ ,]+([A-Z][a-z]+|[A-Z]{2,})(?![A-Za-z])"
        )
        prefixes = "|".join(re.escape(p) for p in vocab.run_prefixes)
        self._prefix_re = re.compile(rf"(?:(?:{prefixes}) ?)+")
        self._suffix_re = re.compile(rf" ?(?:{_alternation(list(vocab.honorifics))})+$")
        self._hon_suffixes = tuple(
            sorted((h.replace("\\", "") for h in vocab.honorifics), key=len, reverse=True)
        )

    # ------------------------------------------------------------------ helpers
    def _strip_prefixes(self, text: str) -> tuple[str, int]:
        """Remove role words (患者, 主治医 …) from the start; return the rest and how much was cut."""
        m = self._prefix_re.match(text)
        if m is None or m.end() >= len(text):
            return text, 0
        return text[m.end() :], m.end()

    def _strip_suffixes(self, text: str) -> str:
        m = self._suffix_re.search(text)
        if m is None or m.start() == 0:
            return text
        return text[: m.start()]

    def split(self, name: str) -> tuple[str | None, str | None]:
        """Surname and given name of a (kanji or katakana) name, when they can be told apart."""
        if " " in name or "・" in name:
            a, _, b = name.replace("・", " ").partition(" ")
            return a, b or None
        if is_katakana(name[:1]):
            for i in range(len(name) - 1, 1, -1):
                if name[:i] in self.lex.surname_readings:
                    return name[:i], name[i:] or None
            return name, None
        sur = self.lex.surname_prefix(name)
        if sur is not None:
            return sur, name[len(sur) :] or None
        return name, None

    def _plausible(self, name: str, strong: bool = False) -> bool:
        """A stripped text that could be a name (not a role word, not a medical term).

        ``strong``: the context is a name label or 様/先生, so long unknown names are accepted.
        """
        if not name or name in self.vocab.not_names:
            return False
        compact = name.replace(" ", "").replace("・", "")
        first = name.split(" ")[0]
        if compact in self.vocab.not_names or first in self.vocab.not_names:
            return False
        known_surname = self.lex.surname_prefix(compact, 2) is not None or compact in self.lex.surnames
        if name[-1] in self.vocab.medical_end_chars and not (known_surname and compact in self.lex.surnames):
            return False
        if is_kanji(name[0]):
            if len(compact) > 7:
                return False
            if len(compact) == 1:
                return compact in self.lex.surnames
            if len(compact) >= 5 and " " not in name and not known_surname and not strong:
                return False
        return True

    def _known_bonus(self, name: str) -> float:
        sur, given = self.split(name)
        bonus = 0.0
        if sur and (sur in self.lex.surnames or sur in self.lex.surname_readings):
            bonus += 0.1
        if given and (given in self.lex.given_names or given in self.lex.given_readings):
            bonus += 0.05
        return bonus

    def _candidate(
        self, start: int, name: str, type_: str, score: float, pattern: str, context: list[str] | None = None
    ) -> Candidate:
        sur, given = self.split(name)
        source: FindingSource = "dictionary" if pattern.startswith("dictionary") else "rule"
        return Candidate(
            start,
            start + len(name),
            type_,
            min(score, 1.0),
            "names",
            pattern,
            source,
            context=context or [],
            surname=sur,
            given=given,
        )

    # ------------------------------------------------------------------ rules
    def find(self, text: str) -> Iterator[Candidate]:
        yield from self._by_label(text)
        yield from self._by_honorific(text)
        yield from self._by_dictionary(text)
        yield from self._by_katakana(text)
        yield from self._by_latin(text)

    def _by_label(self, text: str) -> Iterator[Candidate]:
        for m in self._label_re.finditer(text):
            label, sep = m.group("label"), m.group("sep")
            kind = next(g for g in ("kanji", "kata", "latin") if m.group(g))
            raw = m.group(kind)
            start = m.start(kind)
            if kind == "kanji":
                raw = self._strip_suffixes(raw)
                raw, cut = self._strip_prefixes(raw)
                start += cut
                if " " in raw:
                    first, _, second = raw.partition(" ")
                    if first in self.vocab.not_names or first[-1] in self.vocab.medical_end_chars:
                        raw, start = second, start + len(first) + 1  # 呼吸器内科 菅原
                    elif second in self.vocab.not_names or second[-1] in self.vocab.medical_end_chars:
                        raw = first
                if not sep and self.lex.surname_prefix(raw.replace(" ", ""), 1) is None:
                    continue  # 患者背景, 担当者 … : without a separator a known surname is needed
            elif kind == "kata" and not sep and not self._kata_known(raw):
                continue
            elif kind == "latin" and (not sep or raw in _LATIN_TITLES or (len(raw) <= 3 and raw.isupper())):
                continue
            if not raw or not self._plausible(raw, strong=bool(sep)):
                continue
            if label in self._relation_set and not self._is_known_name(raw):
                continue  # 父：脳梗塞 is family history, not a name
            type_ = PATIENT if label in self._patient_label_set else PERSON
            yield self._candidate(start, raw, type_, 0.85 + self._known_bonus(raw), "label", [label])
        for m in self._relation_of_re.finditer(text):
            name = m.group("name")
            if name in self.lex.given_names or self.lex.surname_prefix(name, 2) == name:
                yield self._candidate(
                    m.start("name"), name, PERSON, 0.7, "relation_of", [text[m.start() : m.start("name")]]
                )

    def _role_near(self, text: str, start: int, end: int) -> bool:
        """A relation or staff word shortly before the name on its line (妻の, 長女, 担当 …) or in
        brackets right after it (さん（ケアマネジャー）)."""
        before = text[max(0, start - 8) : start].rsplit("\n", 1)[-1]
        after = text[end : end + 14].split("\n", 1)[0]
        if any(w in before for w in self._role_words):
            return True
        return after[:1] in "(（" and any(w in after for w in self._role_words)

    def _is_known_name(self, name: str) -> bool:
        compact = name.replace(" ", "").replace("・", "")
        sur, given = self.split(name)
        return bool(
            (sur and (sur in self.lex.surnames or sur in self.lex.surname_readings))
            or compact in self.lex.given_names
            or compact in self.lex.given_readings
            or (given and given in self.lex.given_names)
        )

    def _by_honorific(self, text: str) -> Iterator[Candidate]:
        for m in self._hon_re.finditer(text):
            hon = m.group("hon")
            after = text[m.end() : m.end() + 4]
            if any(after.startswith(w) for w in self.vocab.not_after_honorific):
                continue
            if hon in ("様", "さま") and any(text[: m.end()].endswith(w) for w in self.vocab.sama_words):
                continue
            kind = next(g for g in ("kanji", "kata", "latin") if m.group(g))
            raw, start = m.group(kind), m.start(kind)
            if kind == "kanji":
                raw = self._strip_suffixes(raw)
                raw, cut = self._strip_prefixes(raw)
                start += cut
            if not self._plausible(raw, strong=hon in ("様", "さま", "先生")):
                continue
            if kind == "latin" and hon not in ("Dr", "Dr\\.", "先生", "さん", "様"):
                continue
            known = self._known_bonus(raw)
            base = 0.75 if (hon in ("様", "さま", "先生", "医師") or known) else 0.6
            type_ = PERSON
            if hon in self.vocab.patient_honorifics or hon in _PLAIN_HONORIFICS:
                # 山田様 / 田中さん with no role or relation next to it: in a chart, the patient
                type_ = PERSON if self._role_near(text, start, m.end()) else PATIENT
            yield self._candidate(start, raw, type_, base + known, "honorific", [hon])

    def _by_dictionary(self, text: str) -> Iterator[Candidate]:
        lex = self.lex
        for m in self._run_re.finditer(text):
            run = self._strip_suffixes(m.group())
            run, cut = self._strip_prefixes(run)
            start = m.start() + cut
            sur = lex.surname_prefix(run, 1)
            if sur is None:
                continue
            rest = run[len(sur) :]
            end = m.start() + cut + len(run)
            nxt = text[end : end + 12]
            if rest:
                if rest in lex.given_names and len(run) >= 3:
                    yield self._candidate(start, run, PERSON, 0.85, "dictionary_full_name")
                continue
            if nxt.startswith(" "):
                g = re.match(rf"[{KANJI}]{{1,4}}(?![{KANJI}])", nxt[1:])
                if g and g.group() in lex.given_names:
                    yield self._candidate(
                        start, f"{run} {g.group()}", PERSON, 0.9, "dictionary_full_name_spaced"
                    )
                    continue
            g = re.match(rf" ?[{KATAKANA}]{{2,4}}(?![{KATAKANA}])", nxt)
            if g and g.group().strip() in lex.given_readings and len(run) >= 2:
                yield self._candidate(start, run + g.group(), PERSON, 0.8, "dictionary_kanji_katakana")
                continue
            if len(run) < 2:
                continue
            window = text[max(0, start - 12) : start] + text[end : end + 6]
            found = [w for w in _CONTEXT_WORDS if w in window]
            score = self.vocab.surname_only_score + (0.35 if found else 0.0)
            before = text[start - 1 : start]
            if before in (" ", "\u3000") and (end == len(text) or text[end] == "\n"):
                found.append("(line end)")  # a signature: 2025年1月7日　村上
                score += 0.25
            yield self._candidate(start, run, PERSON, min(score, 0.75), "dictionary_surname", found)

    def _kata_known(self, name: str) -> bool:
        parts = name.replace("・", " ").split(" ")
        if len(parts) == 2:
            return parts[0] in self.lex.surname_readings and parts[1] in self.lex.given_readings
        return any(
            name[:i] in self.lex.surname_readings and name[i:] in self.lex.given_readings
            for i in range(2, len(name) - 1)
        )

    def _by_katakana(self, text: str) -> Iterator[Candidate]:
        for m in self._kata_re.finditer(text):
            if m.group(3):
                whole = m.group()
                if self._kata_known(whole):
                    yield self._candidate(m.start(), whole, PERSON, 0.85, "dictionary_katakana")
                    continue
            word = m.group(1)
            if len(word) >= 4 and self._kata_known(word):
                yield self._candidate(m.start(1), word, PERSON, 0.75, "dictionary_katakana")

    def _by_latin(self, text: str) -> Iterator[Candidate]:
        for m in self._title_re.finditer(text):
            yield self._candidate(m.start(1), m.group(1), PERSON, 0.85, "latin_title")
        for m in self._latin_pair_re.finditer(text):
            a, b = m.group(1).lower(), m.group(2).lower()
            if (a in self.lex.latin_surnames and b in self.lex.latin_given) or (
                a in self.lex.latin_given and b in self.lex.latin_surnames
            ):
                yield Candidate(m.start(), m.end(), PERSON, 0.85, "names", "dictionary_latin", "dictionary")


def kanji_boundary_ok(text: str, start: int, end: int) -> bool:
    """True if ``[start, end)`` does not cut a run of kanji or katakana on either side."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    first, last = text[start], text[end - 1]
    if is_kanji(first) and is_kanji(before):
        return False
    if is_katakana(first) and is_katakana(before):
        return False
    if is_kanji(last) and is_kanji(after):
        return False
    if is_katakana(last) and is_katakana(after):
        return False
    return not (is_hiragana(first) and is_hiragana(before))
