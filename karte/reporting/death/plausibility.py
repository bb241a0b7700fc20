"""Is "effect due to cause" acceptable? And is a condition an obvious consequence of another (Rule 3)?

Table: ``resources/ja/due_to.yaml`` (a curated subset of WHO ICD-10 Vol.2 §4.2.2), plus the stated
intervals: a cause that began after its consequence is not accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from karte.reporting.death.conditions import Condition
from karte.reporting.death.tables import ConsequenceRow, due_to_table

INTERVAL_TOLERANCE = 0.05  # relative: 「約1年」 and 「1年」 are the same


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str


def accepts(cause: Condition, effect: Condition) -> Verdict:
    """Whether ``effect`` may be reported as due to ``cause``."""
    if cause.icd10 is None or effect.icd10 is None:
        return Verdict(True, "未コードのため判定せず (uncoded: not judged)")
    if cause.interval_days is not None and effect.interval_days is not None:
        if cause.interval_days < effect.interval_days * (1 - INTERVAL_TOLERANCE) - 1e-9:
            return Verdict(
                False,
                f"期間が矛盾: {cause.text}（{cause.interval_text}）は "
                f"{effect.text}（{effect.interval_text}）より後に発症"
                " (the cause began after its consequence)",
            )
    e, c = effect.icd10, cause.icd10
    table = due_to_table()
    for r in table.restricted:
        if e in r.effect:
            if c in r.only:
                return Verdict(True, f"{r.id}: {c} は {e} の原因になり得る ({r.source})")
            return Verdict(False, f"{r.id}: {e} は {c} によるものとしない ({r.source})")
    for rr in table.rejected:
        if e in rr.effect and (not rr.cause or c in rr.cause) and c not in rr.except_:
            return Verdict(False, f"{rr.id}: {e} が {c} による、は採らない ({rr.source})")
    return Verdict(True, "因果関係の否定規則に該当せず (no rejection rule applies)")


def primary_of(selected: Condition, others: list[Condition]) -> tuple[Condition, ConsequenceRow] | None:
    """Rule 3: the reported condition of which ``selected`` is an obvious direct consequence."""
    if selected.icd10 is None:
        return None
    for row in due_to_table().direct:
        if selected.icd10 not in row.consequence:
            continue
        for other in others:
            if other is selected or other.icd10 is None or other.icd10 in row.consequence:
                continue
            if other.icd10 in row.of and accepts(other, selected).ok:
                return other, row
    return None
