"""External cause of death (ICD-10 V01–Y98, ICD-11 chapter 23) from circumstance, lines, manner and place.

1. Intent: the manner (自殺 → self-harm, 他殺 → assault, その他及び不詳の外因 → undetermined; natural,
   不詳の死 or no manner → accident, as ICD-10 Vol.2 assumes for injuries of unstated intent), else a
   row that states its own intent (突き落とされ, 入水, 焼身).
2. Mechanism: transport (``transport.py``) when the texts or the manner say so; else the most specific
   mechanism row (``external_causes.yaml``) found in the circumstance, then the cause lines; poisoning
   by substance; else the nature of injury on the lines (T75.1 → drowning …); else the manner's group.
3. Place of occurrence for W00–Y34 (``places.py``).

The ICD-11 code is the row's, when the loaded table has it; otherwise WHO's map of the ICD-10 code.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from karte.reporting.death import places, transport
from karte.reporting.death.code_ranges import CodeSet
from karte.reporting.death.manner import Manner
from karte.reporting.resources import load_resource
from karte.terminology.icd10 import ICD10
from karte.terminology.icd11 import ICD11
from karte.text import NormalizedText, normalize

_SUICIDE_WORDS = re.compile(r"(自殺|自死|自ら|自分で|遺書|自殺企図|自傷)")
_ASSAULT_WORDS = re.compile(r"(殺害|他殺|殺され|暴行を受け|襲われ)")
_DROWN_WORDS = re.compile(r"(溺|おぼれ|水没|入水)")
# Nature of injury on the lines → mechanism (when the texts name none). ICD-10 Vol.2 (2016) §4.2.
_NATURE_TO_MECHANISM: tuple[tuple[str, str], ...] = (
    ("T75.1", "drown_unspecified"),
    ("T71", "suffocation_unspecified"),
    ("T17", "choke_object"),
    ("T58", "sub:carbon_monoxide"),
    ("T59", "sub:other_gas"),
    ("T51", "sub:alcohol"),
    ("T60", "sub:pesticide"),
    ("T42", "sub:sedatives"),
    ("T43", "sub:sedatives"),
    ("T39", "sub:analgesics"),
    ("T40", "sub:narcotics"),
    ("T36-T50", "sub:other_drugs"),
    ("T52-T65", "sub:corrosives"),
    ("T20-T32", "fire_unspecified"),
    ("T67", "heat_natural"),
    ("T68-T69", "cold_natural"),
    ("T75.4", "electric"),
)


@dataclass(frozen=True)
class Rule:
    id: str
    group: str
    label: str
    pattern: re.Pattern[str]
    priority: int
    codes: dict[str, dict[str, str]]  # intent → {icd10, icd11}
    intent: str | None = None
    when_group: str | None = None
    substance: bool = False


@dataclass
class Hit:
    rule: Rule
    field: str
    start: int
    end: int
    source_rank: int


@dataclass(frozen=True)
class SourceText:
    field: str  # external.circumstance, causes.Ia …, external.place, manner
    original: str
    normalized: NormalizedText = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "normalized", normalize(self.original))

    @property
    def norm(self) -> str:
        return self.normalized.text

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.normalized.to_original(start, end)


@dataclass
class ExternalCode:
    icd10: str
    icd11: str | None
    intent: str
    mechanism: str
    label: str
    group: str
    place: places.PlaceCode | None
    # (field, start, end) in the ORIGINAL text
    spans: list[tuple[str, int, int]] = dataclasses.field(default_factory=list)
    rationale: list[str] = dataclasses.field(default_factory=list)
    icd11_note: str = ""
    score: float = 0.9


@dataclass(frozen=True)
class ExternalTables:
    groups: dict[str, dict[str, Any]]
    rules: tuple[Rule, ...]
    substances: tuple[Rule, ...]
    poisoning_context: re.Pattern[str]
    by_id: dict[str, Rule]


@lru_cache(maxsize=1)
def external_tables() -> ExternalTables:
    d = load_resource("ja", "external_causes.yaml")
    groups: dict[str, dict[str, Any]] = d["groups"]

    def rule(r: dict[str, Any], substance: bool) -> Rule:
        group = "poisoning" if substance else str(r["group"])
        codes = {i: dict(groups[group][i]) for i in ("accident", "suicide", "assault", "undetermined")}
        for i in ("accident", "suicide", "assault", "undetermined"):
            if i in r:
                codes[i] = {"icd10": str(r[i]["icd10"]), "icd11": str(r[i]["icd11"])}
        return Rule(
            str(r["id"]),
            group,
            str(r["label"]),
            re.compile(r["pattern"]),
            int(r.get("priority", 50)),
            codes,
            r.get("intent"),
            r.get("when_group"),
            substance,
        )

    rules = tuple(rule(r, False) for r in d["mechanisms"])
    subs = tuple(rule(r, True) for r in d["substances"])
    by_id = {r.id: r for r in rules} | {f"sub:{r.id}": r for r in subs}
    return ExternalTables(groups, rules, subs, re.compile(d["poisoning_context"]), by_id)


class ExternalCauseCoder:
    def __init__(self, icd10: ICD10, icd11: ICD11) -> None:
        self.icd10 = icd10
        self.icd11 = icd11
        self.tables = external_tables()

    # -- for single cause lines ------------------------------------------------------------------
    def event_of(self, text: str) -> tuple[str, str] | None:
        """An external event named by a cause line (``転倒``, ``交通事故``): its accident code and label."""
        norm = normalize(text).text
        if transport.mentions_transport(norm) or "交通" in norm:
            code = transport.classify(norm, "accident")
            return code.icd10, code.label
        hits = self._hits([SourceText("line", text)], None)
        if not hits:
            return None
        best = hits[0]
        intent = best.rule.intent or "accident"
        return best.rule.codes[intent]["icd10"], best.rule.label

    # -- the certificate -------------------------------------------------------------------------
    def code(self, sources: list[SourceText], manner: Manner | None, injury_codes: list[str]) -> ExternalCode:
        """The external cause of a death with external circumstances (always returns a code)."""
        why: list[str] = []
        intent = self._intent(sources, manner, why)
        group_hint = manner.group if manner and manner.group else None
        if group_hint is None and any(_DROWN_WORDS.search(s.norm) for s in sources):
            group_hint = "drowning"
        if group_hint is None and any(c.startswith("T75.1") for c in injury_codes):
            group_hint = "drowning"
        texts = [(s.field, s.norm) for s in sources]
        place = places.find_place(texts)

        trans = self._transport(sources, group_hint, intent, place, why)
        if trans is not None:
            return trans
        hits = self._hits(sources, group_hint)
        if hits:
            best = hits[0]
            if best.rule.intent and (manner is None or not manner.external) and intent == "accident":
                intent = best.rule.intent
                why.append(f"記載から意図を判定: {best.rule.label} → {intent}")
            src = next(s for s in sources if s.field == best.field)
            o_s, o_e = src.span(best.start, best.end)
            why.append(f"「{src.original[o_s:o_e]}」→ {best.rule.label} ({best.field})")
            return self._finish(best.rule, intent, place, [(best.field, o_s, o_e)], why, 0.9)
        for codes, mech in _NATURE_TO_MECHANISM:
            if any(c in CodeSet.parse(codes) for c in injury_codes):
                rule = self.tables.by_id[mech]
                why.append(f"傷病名の損傷コードから推定 (from the nature of injury {codes}) → {rule.label}")
                return self._finish(rule, intent, place, [], why, 0.75)
        group = group_hint or "other"
        rule = Rule(
            f"group:{group}",
            group,
            str(self.tables.groups[group]["label"]),
            re.compile("$^"),
            0,
            {
                i: dict(self.tables.groups[group][i])
                for i in ("accident", "suicide", "assault", "undetermined")
            },
        )
        why.append(f"手段の記載なし: 死因の種類から (no mechanism written; from the manner) → {rule.label}")
        return self._finish(rule, intent, place, [], why, 0.6)

    def _intent(self, sources: list[SourceText], manner: Manner | None, why: list[str]) -> str:
        if manner is not None and manner.intent in ("accident", "suicide", "assault", "undetermined"):
            why.append(f"意図 (intent) ← 死因の種類「{manner.display()}」: {manner.intent}")
            return manner.intent
        joined = " ".join(s.norm for s in sources if s.field != "manner")
        if _SUICIDE_WORDS.search(joined):
            why.append("意図 (intent) ← 記載「自殺・自ら」: suicide")
            return "suicide"
        if _ASSAULT_WORDS.search(joined):
            why.append("意図 (intent) ← 記載「殺害・暴行」: assault")
            return "assault"
        why.append("意図の記載なし → 不慮 (intent not stated → accident; ICD-10 Vol.2)")
        return "accident"

    def _hits(self, sources: list[SourceText], group_hint: str | None) -> list[Hit]:
        hits: list[Hit] = []
        poisoning = group_hint == "poisoning" or any(
            self.tables.poisoning_context.search(s.norm) for s in sources
        )
        for rank, src in enumerate(sources):
            if src.field == "manner":  # the manner gives the group, never the mechanism
                continue
            text = src.norm
            for rule in self.tables.rules:
                if rule.when_group and rule.when_group != group_hint:
                    continue
                m = rule.pattern.search(text)
                if m:
                    hits.append(Hit(rule, src.field, m.start(), m.end(), rank))
            if poisoning:
                for rule in self.tables.substances:
                    m = rule.pattern.search(text)
                    if m:
                        hits.append(Hit(rule, src.field, m.start(), m.end(), rank))
        fire = any(h.rule.group == "fire" for h in hits)
        if fire:  # smoke and carbon monoxide from a fire are coded to the fire (X00–X09)
            hits = [h for h in hits if not (h.rule.substance and h.rule.id == "carbon_monoxide")]
        if group_hint and group_hint != "other":
            same = [h for h in hits if h.rule.group == group_hint]
            hits = same or hits
        hits.sort(key=lambda h: (-h.rule.priority, h.source_rank, h.start))
        return hits

    def _transport(
        self,
        sources: list[SourceText],
        group_hint: str | None,
        intent: str,
        place: places.PlaceCode | None,
        why: list[str],
    ) -> ExternalCode | None:
        found = [(s, transport.mentions_transport(s.norm)) for s in sources]
        named = [(s, f) for s, f in found if f is not None]
        if group_hint != "transport" and not named:
            return None
        if group_hint not in (None, "transport", "other") and named:
            return None
        text = " ".join(s.norm for s in sources)
        code = transport.classify(text, intent, place is not None and place.code == "4")
        spans = []
        for s, f in named[:1]:
            assert f is not None
            o_s, o_e = s.span(f.start, f.end)
            spans.append((s.field, o_s, o_e))
        why.append(
            f"交通事故: 被害者={code.victim or '不明'} 相手={code.counterpart or '不明'} "
            f"交通={code.traffic} 役割={code.role or '不明'} → {code.label}"
        )
        icd11, note = self._icd11(code.icd11, code.icd10)
        return ExternalCode(
            code.icd10, icd11, intent, "transport", code.label, "transport", None, spans, why, note, 0.9
        )

    def _finish(
        self,
        rule: Rule,
        intent: str,
        place: places.PlaceCode | None,
        spans: list[tuple[str, int, int]],
        why: list[str],
        score: float,
    ) -> ExternalCode:
        use = intent if intent in rule.codes else "accident"
        codes = rule.codes[use]
        icd10 = codes["icd10"]
        if not self.icd10.validate(icd10).ok:  # the table never ships such a row (tested); guard anyway
            fallback = self.tables.groups[rule.group][use]
            icd10, codes = fallback["icd10"], fallback
        icd11, note = self._icd11(codes["icd11"], icd10)
        place_code: places.PlaceCode | None = None
        if places.takes_place(icd10):
            place_code = place or places.unspecified()
            if place_code.icd11 and icd11 and self.icd11.validate(f"{icd11}&{place_code.icd11}").ok:
                icd11 = f"{icd11}&{place_code.icd11}"
            if place_code.source_field:
                spans.append((place_code.source_field, place_code.start, place_code.end))
        return ExternalCode(
            icd10, icd11, use, rule.id, rule.label, rule.group, place_code, spans, why, note, score
        )

    def _icd11(self, wanted: str | None, icd10: str) -> tuple[str | None, str]:
        if wanted and self.icd11.validate(wanted).ok:
            return wanted, ""
        if wanted:
            stem = wanted.split("&")[0]
            if self.icd11.validate(stem).ok:
                return (
                    stem,
                    f"ICD-11 {wanted} の拡張コードは読み込んだ表にないため幹コードのみ "
                    "(extension not in the loaded table)",
                )
        mapped = self.icd11.map_icd10(icd10)
        note = (
            f"ICD-11 {wanted} は読み込んだ表にありません。WHO 対応表で {icd10} → {mapped} "
            "(not in the loaded ICD-11 table; WHO map used — import the full table for chapter 23 detail)"
        )
        return mapped, note
