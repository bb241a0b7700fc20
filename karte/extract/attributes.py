"""Attributes of mentions: certainty (disease), state (test, medication, remedy), history and family.

Rules first (``context_rules.yaml``, ``state_rules.yaml``); for certainty, the learned classifier
(:mod:`karte.extract.certainty_model`) makes the decision from the rule triggers and the words around
when its model file is present. The evidence keeps the trigger phrases either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from karte.extract.certainty_model import CERTAINTY_CATEGORIES, CertaintyModel, NoteView, certainty_features
from karte.extract.context import ContextRules, NoteTriggers
from karte.extract.schema import STATE_TYPES, Mention

STATE_CATEGORIES = frozenset({"negated", "scheduled", "other"})
HISTORY_CATEGORIES = frozenset({"historical", "family"})
RULE_SCORE = 0.8  # score of a rule decision (the rules are not calibrated)
DEFAULT_SCORE = 0.7  # no trigger: the default value
# Below this probability the classifier is not sure of any value: a rule trigger in scope decides.
CLASSIFIER_MIN_SCORE = 0.5


@dataclass
class NoteContext:
    """Triggers of one note for both rule files, and the view the certainty classifier uses."""

    certainty: NoteTriggers
    state: NoteTriggers
    view: NoteView


class AttributeAssigner:
    def __init__(
        self, certainty_rules: ContextRules, state_rules: ContextRules, model: CertaintyModel | None
    ) -> None:
        self.certainty_rules = certainty_rules
        self.state_rules = state_rules
        self.model = model if model is not None and model.available else None
        self.section_attributes = certainty_rules.sections

    def assign(self, mention: Mention, note: NoteContext, section: str | None) -> None:
        if mention.type == "disease":
            trim_trigger_edges(mention, note.certainty)
            self._certainty(mention, note)
            self._history(mention, note, section)
        elif mention.type in STATE_TYPES:
            self._state(mention, note)

    def _certainty(self, mention: Mention, note: NoteContext) -> None:
        trigger = note.certainty.nearest(mention.start, mention.end, CERTAINTY_CATEGORIES)
        rule_value = trigger.rule.effective if trigger and trigger.rule.effective else "positive"
        if trigger is not None:
            mention.triggers.append((trigger.start, trigger.end, f"certainty:{trigger.rule.effective}"))
        if self.model is not None:
            value, score = self.model.predict(certainty_features(note.view, mention.start, mention.end))
            if score < CLASSIFIER_MIN_SCORE and trigger is not None and rule_value != value:
                mention.certainty = rule_value
                mention.attribute_source = "rule"
                mention.attribute_score = score
                mention.attribute_rationale = (
                    f"「{trigger.rule.phrase}」→ {rule_value} (ConText rule; 分類器は不確か / "
                    f"classifier unsure: {value} {score:.2f})"
                )
                return
            mention.certainty = value
            mention.attribute_source = "model"
            why = f"「{trigger.rule.phrase}」({rule_value})" if trigger else "トリガーなし (no trigger)"
            mention.attribute_rationale = (
                f"確信度は分類器が判定 (certainty by the classifier): {value} {score:.2f}; 規則 (rule): {why}"
            )
            mention.attribute_score = score
            return
        mention.certainty = rule_value
        mention.attribute_source = "rule"
        mention.attribute_score = RULE_SCORE if trigger else DEFAULT_SCORE
        mention.attribute_rationale = (
            f"「{trigger.rule.phrase}」→ {rule_value} (ConText rule)"
            if trigger
            else "否定・疑いの表現なし → positive (no trigger in scope)"
        )

    def _history(self, mention: Mention, note: NoteContext, section: str | None) -> None:
        from_section = self.section_attributes.get(section or "", {})
        mention.historical = bool(from_section.get("historical"))
        mention.family = bool(from_section.get("family"))
        found = note.certainty.applicable(mention.start, mention.end, HISTORY_CATEGORIES)
        for category, (_, trigger) in found.items():
            setattr(mention, category, True)
            mention.triggers.append((trigger.start, trigger.end, category))

    def _state(self, mention: Mention, note: NoteContext) -> None:
        trigger = note.state.nearest(mention.start, mention.end, STATE_CATEGORIES)
        if trigger is not None and trigger.rule.effective:
            mention.state = trigger.rule.effective
            mention.triggers.append((trigger.start, trigger.end, f"state:{mention.state}"))
            mention.attribute_rationale = f"「{trigger.rule.phrase}」→ {mention.state} (state rule)"
            mention.attribute_score = RULE_SCORE
        else:
            mention.state = "executed"
            mention.attribute_rationale = "中止・予定などの表現なし → executed (no trigger in scope)"
            mention.attribute_score = DEFAULT_SCORE
        mention.attribute_source = "rule"


def trim_trigger_edges(mention: Mention, triggers: NoteTriggers) -> None:
    """Move a certainty trigger the model took into a finding's span back out of it.

    ``r/o 肺結核`` → ``肺結核`` (forward trigger at the start), ``肺炎疑い`` → ``肺炎`` (backward trigger at
    the end); only phrases of two characters or more (``無気肺`` keeps its 無).
    """
    for t in triggers.triggers:
        if t.start >= mention.end:
            break
        if t.end <= mention.start or len(t.rule.phrase) < 2 or t.rule.effective not in CERTAINTY_CATEGORIES:
            continue
        if t.start == mention.start and t.end < mention.end and t.rule.direction in ("forward", "both"):
            mention.start = t.end
        elif t.end == mention.end and t.start > mention.start and t.rule.direction in ("backward", "both"):
            mention.end = t.start
    text_strip = " \t\u3000"
    while mention.start < mention.end and triggers.text[mention.start] in text_strip:
        mention.start += 1
    while mention.end > mention.start and triggers.text[mention.end - 1] in text_strip:
        mention.end -= 1
