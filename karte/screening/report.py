"""Ranking and the coordinator's report: HTML (evidence highlighted) and CSV (one row per patient).

Ranking: eligible first, then unknown, then ineligible; within each, by score (descending), then by
patient id so that the order is stable.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import jinja2

from karte.screening.models import CompiledCriterion, EvidenceItem, ScreenResult, Trial

_ORDER = {"eligible": 0, "unknown": 1, "ineligible": 2}
ELIGIBILITY_JA = {"eligible": "適格の可能性", "unknown": "要確認", "ineligible": "非適格"}
STATUS_JA = {"met": "該当", "not_met": "非該当", "unknown": "不明"}


def rank(results: Iterable[ScreenResult]) -> list[ScreenResult]:
    return sorted(results, key=lambda r: (_ORDER[r.eligible], -r.score, r.patient_id))


def describe_compiled(compiled: CompiledCriterion | None) -> str:
    """A one-line reading of a compiled criterion for the report."""
    if compiled is None:
        return "（未コンパイル）"
    parts = []
    for c in compiled.checks:
        data = c.model_dump(exclude={"kind"}, exclude_defaults=True)
        parts.append(f"{c.kind}({', '.join(f'{k}={v}' for k, v in data.items())})")
    text = (" AND " if compiled.combine == "all" else " OR ").join(parts)
    if compiled.negated:
        text = f"NOT [{text}]"
    return f"{text} [{compiled.source}]" + (f" — {'; '.join(compiled.notes)}" if compiled.notes else "")


def _segments(e: EvidenceItem) -> dict[str, Any]:
    item: dict[str, Any] = e.model_dump()
    if e.start is not None and e.mention_start is not None and e.mention_end is not None:
        a, b = e.mention_start - e.start, e.mention_end - e.start
        item.update(before=e.text[:a], mention=e.text[a:b], after=e.text[b:])
    else:
        item.update(before=e.text, mention="", after="")
    return item


def _environment() -> jinja2.Environment:
    folder = resources.files("karte.screening.resources").joinpath("templates")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )


def render_html(
    trial: Trial, results: Iterable[ScreenResult], decisions: Mapping[str, Any] | None = None
) -> str:
    ranked = rank(results)
    decisions = decisions or {}
    rows = []
    for i, r in enumerate(ranked, 1):
        rows.append(
            {
                "rank": i,
                "patient_id": r.patient_id,
                "anchor": re.sub(r"[^A-Za-z0-9_-]", "_", r.patient_id),
                "eligible": r.eligible,
                "score": r.score,
                "notes": r.notes,
                "decision": decisions.get(r.patient_id),
                "criteria": [
                    {**c.model_dump(exclude={"evidence"}), "evidence": [_segments(e) for e in c.evidence]}
                    for c in r.criteria
                ],
            }
        )
    counts: Counter[str] = Counter(r.eligible for r in ranked)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            trial=trial,
            compiled={c.id: describe_compiled(c.compiled) for c in trial.criteria},
            rows=rows,
            patients=len(ranked),
            listed=counts["eligible"] + counts["unknown"],
            counts={k: counts[k] for k in _ORDER},
            labels=ELIGIBILITY_JA,
            status_labels=STATUS_JA,
            screening_date=ranked[0].screening_date if ranked else (trial.screening_date or ""),
            generated_at=dt.datetime.now().isoformat(timespec="seconds"),
        )
    )


def _evidence_text(e: EvidenceItem) -> str:
    where = e.record or f"{e.document_id or '本文'}:{e.start}-{e.end}"
    return f"[{where}] {e.text}"


def render_csv(
    trial: Trial, results: Iterable[ScreenResult], decisions: Mapping[str, Any] | None = None
) -> str:
    """One row per patient (ranked): status, and per criterion its status, rationale and evidence.

    Returned with a UTF-8 BOM so that spreadsheet software reads the Japanese correctly.
    """
    decisions = decisions or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["rank", "patient_id", "eligible", "score", "screening_date"]
    for c in trial.criteria:
        header += [f"{c.id}_status", f"{c.id}_rationale", f"{c.id}_evidence"]
    header += ["llm_calls", "decision", "decided_by", "decided_at"]
    writer.writerow(header)
    for i, r in enumerate(rank(results), 1):
        row: list[Any] = [i, r.patient_id, r.eligible, f"{r.score:.4f}", r.screening_date.isoformat()]
        by_id = {c.id: c for c in r.criteria}
        for c in trial.criteria:
            res = by_id.get(c.id)
            if res is None:
                row += ["", "", ""]
                continue
            row += [res.status, res.rationale, " | ".join(_evidence_text(e) for e in res.evidence)]
        d = decisions.get(r.patient_id)
        row += [
            r.llm_calls,
            getattr(d, "decision", ""),
            getattr(d, "actor", ""),
            d.at.isoformat() if d is not None else "",
        ]
        writer.writerow(row)
    return "\ufeff" + out.getvalue()
