"""What a note says about a disease or drug it names: certainty, history, family, resolved; taken, stopped.

Two interchangeable annotators (:class:`Annotator`):

* :class:`RuleAnnotator` — the ConText rules of the extraction layer (``karte.extract.context``:
  negation, suspicion, generic statements, history, family; and the state rules of treatments),
  plus the screening rules of ``note_rules.yaml`` (resolved diseases, stopped or never-started drugs,
  medication-list sections). Fast: one scan per note.
* :class:`ExtractorAnnotator` — the ``karte.extract`` pipeline (CRF NER and the certainty classifier);
  an extracted mention overlapping the span gives certainty, history and family, the rules the rest.
  Used when ``attributes="extractor"`` and the extraction models are installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Protocol

from karte.extract.context import ContextRules, NoteTriggers, context_rules
from karte.extract.offsets import original_to_normalized
from karte.records.models import Section
from karte.screening.resources import load_resource
from karte.text import NormalizedText, normalize
from karte.text.sections import section_at

Certainty = Literal["positive", "negative", "suspicious", "general"]
DrugState = Literal["current", "past", "mentioned", "negated", "scheduled"]
_CERTAINTY = frozenset({"negative", "suspicious", "general"})
_SUBJECT = frozenset({"historical", "family"})
_STATE = frozenset({"negated", "scheduled", "other"})
_CLAUSE_END = "。\n"


@dataclass(frozen=True, slots=True)
class DiseaseAttrs:
    certainty: Certainty
    historical: bool
    family: bool
    resolved: bool
    why: str
    history_trigger: bool = False  # history stated by a phrase (既往, 術後), not only by the section


@dataclass(frozen=True, slots=True)
class DrugAttrs:
    state: DrugState
    why: str
    listed: bool = False  # in a medication-list section


class Annotator(Protocol):
    def disease(self, start: int, end: int) -> DiseaseAttrs: ...

    def drug(self, start: int, end: int) -> DrugAttrs: ...


@dataclass(frozen=True)
class PhraseRule:
    phrases: tuple[str, ...]
    max_gap: int


@dataclass(frozen=True)
class NoteRules:
    certainty: ContextRules
    state: ContextRules
    resolved: PhraseRule
    stopped: PhraseRule
    ongoing: PhraseRule
    drug_negated: PhraseRule
    current_sections: frozenset[str]


def _phrase_rule(data: dict[str, Any]) -> PhraseRule:
    phrases = sorted((normalize(str(p)).text for p in data["phrases"]), key=len, reverse=True)
    return PhraseRule(tuple(phrases), int(data["max_gap"]))


@lru_cache(maxsize=2)
def note_rules(lang: str = "ja") -> NoteRules:
    data = load_resource(lang, "note_rules.yaml")
    return NoteRules(
        certainty=context_rules(lang),
        state=context_rules(lang, "state_rules.yaml"),
        resolved=_phrase_rule(data["resolved"]),
        stopped=_phrase_rule(data["stopped"]),
        ongoing=_phrase_rule(data["ongoing"]),
        drug_negated=_phrase_rule(data["drug_negated"]),
        current_sections=frozenset(data["current_medication_sections"]["names"]),
    )


def _after(norm: str, end: int, rule: PhraseRule) -> str | None:
    """A phrase of ``rule`` after ``end`` in the same clause (or inside the bracket right after it)."""
    if end < len(norm) and norm[end] in "(（":
        close = norm.find(")", end)
        window = norm[end : close if close > 0 else end + rule.max_gap]
    else:
        window = norm[end : end + rule.max_gap]
        cut = min((i for i in (window.find(c) for c in _CLAUSE_END + "、") if i >= 0), default=len(window))
        window = window[:cut]
    return next((p for p in rule.phrases if p in window), None)


class RuleAnnotator:
    """Attributes of spans of one note from rules (see the module docstring)."""

    def __init__(self, text: str, sections: list[Section], rules: NoteRules | None = None) -> None:
        self.rules = rules or note_rules()
        self.text = text
        self.sections = sections
        self.nt: NormalizedText = normalize(text)
        self._map = original_to_normalized(self.nt) if self.nt.n_starts else None
        starts = sorted({self._n(s.start) for s in sections} - {0})
        self.certainty: NoteTriggers = self.rules.certainty.scan(self.nt.text)
        self.certainty.add_boundaries(starts)
        self.state: NoteTriggers = self.rules.state.scan(self.nt.text)
        self.state.add_boundaries(starts)

    def _n(self, offset: int) -> int:
        return self._map[offset] if self._map is not None else offset

    def section(self, start: int) -> str | None:
        s = section_at(self.sections, start)
        return s.name if s else None

    def disease(self, start: int, end: int) -> DiseaseAttrs:
        ns, ne = self._n(start), self._n(end)
        why: list[str] = []
        trigger = self.certainty.nearest(ns, ne, _CERTAINTY)
        certainty: Certainty = "positive"
        if trigger is not None and trigger.rule.effective in _CERTAINTY:
            certainty = trigger.rule.effective  # type: ignore[assignment]
            why.append(f"「{trigger.rule.phrase}」→ {certainty}")
        section_flags = self.rules.certainty.sections.get(self.section(start) or "", {})
        historical = bool(section_flags.get("historical"))
        family = bool(section_flags.get("family"))
        if historical or family:
            why.append(f"セクション {self.section(start)}")
        history_trigger = False
        for category, (_, t) in self.certainty.applicable(ns, ne, _SUBJECT).items():
            historical = historical or category == "historical"
            history_trigger = history_trigger or category == "historical"
            family = family or category == "family"
            why.append(f"「{t.rule.phrase}」→ {category}")
        resolved_by = _after(self.nt.text, ne, self.rules.resolved)
        if resolved_by:
            why.append(f"「{resolved_by}」→ resolved")
        return DiseaseAttrs(
            certainty, historical, family, resolved_by is not None, "; ".join(why), history_trigger
        )

    def drug(self, start: int, end: int) -> DrugAttrs:
        ns, ne = self._n(start), self._n(end)
        norm = self.nt.text
        never = _after(norm, ne, self.rules.drug_negated)
        if never:
            return DrugAttrs("negated", f"「{never}」→ 使用なし (not taken)")
        stopped = _after(norm, ne, self.rules.stopped)
        if stopped:
            return DrugAttrs("past", f"「{stopped}」→ 中止・終了 (stopped)")
        trigger = self.state.nearest(ns, ne, _STATE)
        if trigger is not None and trigger.rule.effective == "negated":
            return DrugAttrs("negated", f"「{trigger.rule.phrase}」→ negated (state rule)")
        if trigger is not None and trigger.rule.effective == "scheduled":
            return DrugAttrs("scheduled", f"「{trigger.rule.phrase}」→ 予定・検討 (planned)")
        section = self.section(start)
        if section in self.rules.current_sections:
            return DrugAttrs("current", f"内服薬の一覧 (medication list: {section})", listed=True)
        subject = self.certainty.applicable(ns, ne, frozenset({"historical"}))
        if subject or section == "past_history":
            return DrugAttrs("past", "既往・治療歴の記載 (history)")
        ongoing = _after(norm, ne, self.rules.ongoing)
        if ongoing:
            return DrugAttrs("current", f"「{ongoing}」→ 使用中 (ongoing)")
        return DrugAttrs("mentioned", "記載あり、時期は不明 (mentioned; timing not stated)")


class ExtractorAnnotator(RuleAnnotator):
    """The extraction pipeline's certainty, history and family where it found the same mention."""

    def __init__(self, text: str, sections: list[Section], extractor: Any, rules: NoteRules | None = None):
        super().__init__(text, sections, rules)
        note = extractor.extract(text)
        self._diseases = [(m.start, m.end, m) for m in note.mentions if m.type == "disease"]

    def disease(self, start: int, end: int) -> DiseaseAttrs:
        by_rules = super().disease(start, end)
        for s, e, m in self._diseases:
            if s < end and start < e and m.certainty:
                certainty: Certainty = m.certainty if m.certainty in _CERTAINTY else "positive"
                why = f"抽出器 (extractor): {m.certainty}; {m.attribute_rationale}"
                if by_rules.resolved:
                    why += "; resolved (rule)"
                return DiseaseAttrs(
                    certainty,
                    bool(m.historical) or by_rules.historical,
                    bool(m.family) or by_rules.family,
                    by_rules.resolved,
                    why,
                    by_rules.history_trigger,
                )
        return by_rules
