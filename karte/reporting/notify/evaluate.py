"""Score notification drafts on a JSONL dev set: ``{"id","text","date","expected":{…}}`` per line.

``expected``: ``notifiable``, ``disease_id``, ``category``, ``deadline``, ``case_type`` and optional
``fields`` (form key → value). Reports detection (every notifiable case found, no other case
flagged), class and deadline, case type, form completeness (every field filled with evidence or
listed missing) and the accuracy of the expected field values.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from pydantic import BaseModel, Field

from karte.reporting.diseases.forms import form_has_identity, load_forms
from karte.reporting.notify.pipeline import NoteSource, NotifyEngine
from karte.reporting.notify.result import NotifyResult


class NotifyMismatch(BaseModel):
    id: str
    what: str
    expected: Any = None
    got: Any = None


class NotifyReport(BaseModel):
    cases: int = 0
    notifiable_expected: int = 0
    detected: int = 0
    missed: int = 0
    false_alarms: int = 0
    class_deadline_correct: int = 0
    case_type_correct: int = 0
    case_type_total: int = 0
    form_complete: int = 0
    fields_expected: int = 0
    fields_correct: int = 0
    seconds: float = 0.0
    mismatches: list[NotifyMismatch] = Field(default_factory=list)

    def summary_rows(self) -> list[tuple[str, str]]:
        n = self.notifiable_expected
        return [
            ("届出対象の検出 (notifiable cases detected)", f"{self.detected}/{n}"),
            ("見逃し (missed)", str(self.missed)),
            ("誤検出 (non-notifiable cases flagged)", f"{self.false_alarms}/{self.cases - n}"),
            ("類型・期限の一致 (class and deadline right)", f"{self.class_deadline_correct}/{self.detected}"),
            ("診断類型の一致 (case type right)", f"{self.case_type_correct}/{self.case_type_total}"),
            (
                "様式の網羅 (every field filled with evidence or listed missing)",
                f"{self.form_complete}/{self.detected}",
            ),
            (
                "期待した記載項目の一致 (expected field values)",
                f"{self.fields_correct}/{self.fields_expected}",
            ),
            (
                "処理速度 (notes/s, incl. extraction)",
                f"{self.cases / self.seconds:.1f}" if self.seconds else "-",
            ),
        ]


def form_complete(result: NotifyResult) -> bool:
    """Every field of the disease's form is filled (with evidence) or listed missing."""
    if result.disease_id is None or result.category is None:
        return False
    forms = load_forms()
    from karte.reporting.diseases.table import load_table

    disease = load_table().get(result.disease_id)
    keys = [
        f.key for f in forms.fields(disease.form if disease else None, form_has_identity(result.category))
    ]
    missing = {m.field for m in result.missing}
    for k in keys:
        value = result.form.get(k)
        if value is None:
            if k not in missing:
                return False
        elif not (value.evidence.spans or value.evidence.rationale.startswith("患者基本情報")):
            return False
    return True


def _same(expected: Any, got: Any) -> bool:
    if isinstance(got, list):
        return expected in got or expected == got
    return str(expected) == str(got)


def evaluate(records: list[dict[str, Any]], engine: NotifyEngine) -> NotifyReport:
    report = NotifyReport()
    start = time.perf_counter()
    for rec in records:
        rid = str(rec["id"])
        exp: dict[str, Any] = rec.get("expected") or {}
        day = dt.date.fromisoformat(rec["date"]) if rec.get("date") else dt.date.today()
        result = engine.run([NoteSource(rec["text"], rid, day)], day, formats=())
        report.cases += 1
        want = bool(exp.get("notifiable"))
        got_ids = {n.disease_id for n in [result, *result.others] if n.notifiable}
        if want:
            report.notifiable_expected += 1
            if exp.get("disease_id") in got_ids:
                report.detected += 1
                hit = next(n for n in [result, *result.others] if n.disease_id == exp["disease_id"])
                if hit.category == exp.get("category") and hit.deadline == exp.get("deadline"):
                    report.class_deadline_correct += 1
                else:
                    report.mismatches.append(
                        NotifyMismatch(
                            id=rid,
                            what="class/deadline",
                            expected=[exp.get("category"), exp.get("deadline")],
                            got=[hit.category, hit.deadline],
                        )
                    )
                if "case_type" in exp:
                    report.case_type_total += 1
                    if hit.case_type == exp["case_type"]:
                        report.case_type_correct += 1
                    else:
                        report.mismatches.append(
                            NotifyMismatch(
                                id=rid, what="case_type", expected=exp["case_type"], got=hit.case_type
                            )
                        )
                if hit is result and form_complete(result):
                    report.form_complete += 1
                elif hit is result:
                    report.mismatches.append(NotifyMismatch(id=rid, what="form incomplete"))
                for key, value in (exp.get("fields") or {}).items():
                    report.fields_expected += 1
                    got_value = hit.form[key].value if key in hit.form else None
                    if got_value is not None and _same(value, got_value):
                        report.fields_correct += 1
                    else:
                        report.mismatches.append(
                            NotifyMismatch(id=rid, what=f"field {key}", expected=value, got=got_value)
                        )
            else:
                report.missed += 1
                report.mismatches.append(
                    NotifyMismatch(
                        id=rid,
                        what="missed",
                        expected=exp.get("disease_id"),
                        got=sorted(i for i in got_ids if i),
                    )
                )
            extra = got_ids - {exp.get("disease_id")}
        else:
            extra = got_ids
        if extra:
            report.false_alarms += 1 if not want else 0
            report.mismatches.append(
                NotifyMismatch(
                    id=rid, what="flagged", expected=exp.get("disease_id"), got=sorted(i for i in extra if i)
                )
            )
    report.seconds = time.perf_counter() - start
    return report
