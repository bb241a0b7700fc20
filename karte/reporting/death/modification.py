"""Modification rules applied to the selected cause (ICD-10 Vol.2 §4.1.9): a documented subset.

- **Rule A** (senility and other ill-defined conditions): when the selected cause is ill-defined
  (R00–R94, R96–R99 and the modes of dying I46.9, I95.9, I99, J96.0, J96.9, P28.5) or senility (R54)
  and a condition classified elsewhere is reported, select again as if it had not been reported.
- **Rule B** (trivial conditions): likewise for conditions unlikely to cause death.
- **Rule C** (linkage): the selected cause combined with another reported condition by a provision
  of the classification (hypertension with ischaemic heart disease → I20–I25; diabetes with renal
  failure → E1x.2; HIV with Kaposi's sarcoma → B21.0 …).
- **Rule D** (specificity): a more precise term for the same condition (stroke NOS with cerebral
  infarction → I63; a .9 code with a specific code of the same category …).
- **Rule E** (early and late stages), **Rule F** (sequelae: I60–I67 present a year or more → I69.x).

Not implemented: the WHO decision tables behind Rule C for all category pairs, and the special
instructions for maternal, perinatal and medical-care causes. Every resulting code passes
``ICD10.validate`` or the rule is not applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from karte.reporting.death.code_ranges import CodeSet
from karte.reporting.death.conditions import Condition
from karte.reporting.death.selection import Selection
from karte.reporting.death.tables import ModificationRow, modification_table
from karte.terminology.icd10 import ICD10

Reselect = Callable[[list[Condition]], Selection | None]
MAX_PASSES = 4


def modify(selection: Selection, conditions: list[Condition], icd10: ICD10, reselect: Reselect) -> Selection:
    """Apply Rules A–F in order to ``selection`` (changed in place and returned)."""
    table = modification_table()
    coded = [c for c in conditions if c.coded]
    _rule_a(selection, conditions, table.ill_defined, table.senility, reselect)
    _rule_b(selection, conditions, table.trivial, reselect)
    for _ in range(MAX_PASSES):
        changed = False
        for rule in ("C", "D", "E"):
            changed |= _apply_rows(selection, coded, table.by_rule[rule], rule, icd10)
            if rule == "D":
                changed |= _same_category(selection, coded, icd10)
        if not changed:
            break
    _rule_f(selection, icd10)
    return selection


def _rule_a(
    selection: Selection, conditions: list[Condition], ill: CodeSet, senility: CodeSet, reselect: Reselect
) -> None:
    code = selection.condition.icd10 or ""
    if code not in ill and code not in senility:
        return

    def vague(c: Condition) -> bool:
        return c.icd10 is not None and (c.icd10 in ill or c.icd10 in senility)

    rest = [c for c in conditions if c.coded and not vague(c)]
    if not rest:
        return
    again = reselect(rest)
    if again is None:
        return
    kind = "老衰" if code in senility else "診断名不明確な病態"
    for step in again.steps:
        selection.steps.append(step)
    selection.add(
        "Rule A",
        again.condition,
        f"修正規則A: 選択された {selection.condition.label()} は{kind}で、他に分類される病態があるため再選択 "
        "(Rule A: senility / ill-defined condition; reselected as if not reported) "
        f"→ {again.condition.label()}",
    )


def _rule_b(selection: Selection, conditions: list[Condition], trivial: CodeSet, reselect: Reselect) -> None:
    if (selection.condition.icd10 or "") not in trivial:
        return
    rest = [c for c in conditions if c.coded and c.icd10 not in trivial]
    again = reselect(rest) if rest else None
    if again is None:
        return
    selection.steps.extend(again.steps)
    selection.add(
        "Rule B",
        again.condition,
        f"修正規則B: {selection.condition.label()} は死因となりにくい軽微な病態のため再選択 "
        "(Rule B: trivial condition)",
    )


def _result_code(row: ModificationRow, selected: str, other: str) -> str:
    if row.result == "with":
        return other
    if "{cat}" in row.result:
        return row.result.format(cat=selected[:3])
    return row.result


def _apply_rows(
    selection: Selection, coded: list[Condition], rows: tuple[ModificationRow, ...], rule: str, icd10: ICD10
) -> bool:
    sel = selection.condition
    code = sel.icd10 or ""
    for row in rows:
        if code not in row.selected:
            continue
        for other in coded:
            if other is sel or other.icd10 is None or other.icd10 not in row.with_:
                continue
            result = _result_code(row, code, other.icd10)
            if result == code or not icd10.validate(result).ok:
                continue
            base = other if row.result == "with" else sel
            new = replace(base, icd10=result, display=icd10.display(result, "ja") or result, method="rule")
            names = {
                "C": "連鎖 (linkage)",
                "D": "明確度 (specificity)",
                "E": "早期・晩期 (early and late stages)",
            }
            selection.add(
                f"Rule {rule}",
                new,
                f"修正規則{rule} {names[rule]}: {sel.label()} と {other.label()} → {result} "
                f"({row.id}: {row.source})",
            )
            return True
    return False


def _same_category(selection: Selection, coded: list[Condition], icd10: ICD10) -> bool:
    """Rule D, generic: a bare category or a .9 code gives way to a specific code of the same category."""
    sel = selection.condition
    code = sel.icd10 or ""
    if not (len(code) == 3 or code.endswith(".9")):
        return False
    for other in coded:
        o = other.icd10 or ""
        if other is sel or o[:3] != code[:3] or o == code or len(o) <= 3 or o.endswith(".9"):
            continue
        if icd10.validate(o).ok:
            selection.add(
                "Rule D",
                other,
                f"修正規則D (specificity): {sel.label()} より {other.label()} が詳細 "
                "(more specific code, same category)",
            )
            return True
    return False


def _rule_f(selection: Selection, icd10: ICD10) -> None:
    sel = selection.condition
    code = sel.icd10 or ""
    for row in modification_table().sequelae:
        if code not in row.selected or sel.interval_days is None or sel.interval_days < row.min_interval_days:
            continue
        if row.requires_word and row.requires_word not in sel.text:
            continue
        target = row.mapping.get(code[:3])
        if target is None or not icd10.validate(target).ok:
            continue
        new = replace(sel, icd10=target, display=icd10.display(target, "ja") or target, method="rule")
        selection.add(
            "Rule F",
            new,
            f"修正規則F (sequelae): {sel.label()} は発症から {sel.interval_text}（1年以上）"
            f"→ 続発・後遺症 {target} "
            f"({row.id}: {row.source})",
        )
        return
