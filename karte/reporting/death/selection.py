"""Underlying-cause selection: WHO's General Principle and Rules 1, 2 and 3 (ICD-10 Vol.2 §4.1.4–4.1.6).

- **General Principle (GP)**: when more than one condition is reported, the condition entered alone on
  the lowest used line of Part I is selected if it could have given rise to all the conditions above.
- **Rule 1**: if the GP does not apply and there is a reported sequence terminating in the condition
  first entered on the certificate, the originating cause of that sequence is selected; of several
  such sequences, the originating cause of the first-mentioned one.
- **Rule 2**: if there is no such sequence, the first-mentioned condition is selected.
- **Rule 3**: if the condition selected is obviously a direct consequence of another reported
  condition (Part I or Part II), that primary condition is selected.

"Could have given rise to" and "sequence" use :func:`karte.reporting.death.plausibility.accepts`.
Uncoded conditions are left out (and reported by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from karte.reporting.death.conditions import Condition
from karte.reporting.death.plausibility import accepts, primary_of

MAX_RULE3 = 5


@dataclass
class Step:
    rule: str  # GP, Rule 1, Rule 2, Rule 3, Rule A … F, external
    condition: Condition
    explanation: str


@dataclass
class Selection:
    condition: Condition
    rule: str
    steps: list[Step] = field(default_factory=list)

    def add(self, rule: str, condition: Condition, explanation: str) -> None:
        self.steps.append(Step(rule, condition, explanation))
        self.condition = condition
        self.rule = rule


def part_one_levels(conditions: list[Condition]) -> list[list[Condition]]:
    """Coded Part I conditions grouped by level, top line first (empty lines are skipped)."""
    by_level: dict[int, list[Condition]] = {}
    for c in conditions:
        if c.coded and c.level >= 0:
            by_level.setdefault(c.level, []).append(c)
    return [sorted(by_level[k], key=lambda c: c.order) for k in sorted(by_level)]


def select(conditions: list[Condition]) -> Selection | None:
    """The selected cause by GP / Rule 1 / Rule 2, then Rule 3; None when nothing is coded."""
    coded = [c for c in conditions if c.coded]
    if not coded:
        return None
    levels = part_one_levels(coded)
    note = ""
    if not levels:
        part2 = sorted((c for c in coded if c.level < 0), key=lambda c: c.order)
        levels = [part2]
        note = "I 欄に記載がないため II 欄を I 欄として扱う (Part I empty: Part II used); "
    selection = _general_principle_or_rules(levels, note)
    _rule3(selection, coded)
    return selection


def _general_principle_or_rules(levels: list[list[Condition]], note: str) -> Selection:
    first = levels[0][0]
    total = sum(len(lvl) for lvl in levels)
    if total == 1:
        s = Selection(first, "GP")
        s.add("GP", first, f"{note}記載された病態が一つ: {first.label()} (a single condition)")
        return s
    lowest = levels[-1]
    gp_reason = ""
    if len(levels) > 1 and len(lowest) == 1:
        candidate = lowest[0]
        above = [c for lvl in levels[:-1] for c in lvl]
        refused = [(c, accepts(candidate, c)) for c in above]
        bad = [(c, v) for c, v in refused if not v.ok]
        if not bad:
            s = Selection(candidate, "GP")
            s.add(
                "GP",
                candidate,
                f"{note}一般原則: 最下欄に単独で記載された {candidate.label()} は"
                "上の全ての病態の原因になり得る (General Principle: the condition alone on the "
                "lowest used line could give rise to all above)",
            )
            return s
        c, v = bad[0]
        gp_reason = f"一般原則は不適用: {candidate.label()} → {c.label()} が不成立 ({v.reason}); "
    elif len(lowest) > 1:
        gp_reason = "一般原則は不適用: 最下欄に複数の病態 (GP: more than one condition on the lowest line); "
    else:
        gp_reason = "一般原則は不適用: I 欄が 1 行のみ (GP: one line only); "

    sequence = [first]
    current = first
    for lvl in levels[1:]:
        causes = [c for c in lvl if accepts(c, current).ok]
        if not causes:
            break
        current = causes[0]
        sequence.append(current)
    if len(sequence) > 1:
        chain = " ← ".join(c.label() for c in sequence)
        s = Selection(current, "Rule 1")
        s.add(
            "Rule 1",
            current,
            f"{note}{gp_reason}規則1: 最初に記載された病態に終わる因果の連鎖 {chain} の起因病態を選択 "
            "(Rule 1: originating cause of the first-mentioned sequence ending in the "
            "first-entered condition)",
        )
        return s
    s = Selection(first, "Rule 2")
    s.add(
        "Rule 2",
        first,
        f"{note}{gp_reason}規則2: 最初に記載された病態に終わる連鎖がないため {first.label()} を選択 "
        "(Rule 2: no sequence ends in the first-mentioned condition; it is selected)",
    )
    return s


def _rule3(selection: Selection, coded: list[Condition]) -> None:
    seen = {id(selection.condition)}
    for _ in range(MAX_RULE3):
        found = primary_of(selection.condition, coded)
        if found is None:
            return
        primary, row = found
        if id(primary) in seen:
            return
        seen.add(id(primary))
        selection.add(
            "Rule 3",
            primary,
            f"規則3: {selection.condition.label()} は {primary.label()} の明らかな直接の結果 "
            f"(Rule 3: obvious direct consequence; {row.id}: {row.source})",
        )
