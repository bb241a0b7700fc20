"""Review decisions (coding, screening, drafts): stored with who and when, audited in the same transaction.

The history is kept: every decision is a new row, and the current decision on an item is its
newest row. Each kind of review says which decisions it allows, which permission decides and
exports, and may validate a decision before it is stored (an edited code must be in the loaded
code table). A kind whose values hold long texts (a draft) writes only their SHA-256 to the audit
log (``audit_value=False``); the text itself stays in the decision's row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, insert, select

from karte.audit import AuditEvent, AuditLog
from karte.audit.tables import utcnow
from karte.errors import InputError, NotFoundError
from karte.records.store.engine import WRITE
from karte.reviews.tables import review_decisions

#: (item, decision, value) → an error message, or None when the decision may be stored.
Validator = Callable[[str, str, dict[str, Any]], str | None]


@dataclass(frozen=True)
class ReviewKind:
    name: str
    title: str
    decisions: tuple[str, ...]
    decide_permission: str
    export_permission: str
    validate: Validator | None = None
    audit_value: bool = True  # False: the audit event gets the value's SHA-256, not the value


class Decision(BaseModel):
    id: int
    kind: str
    subject: str
    item: str
    patient_id: str | None
    decision: str
    value: dict[str, Any]
    comment: str | None
    actor: str
    at: dt.datetime


def validate_code_edit(item: str, decision: str, value: dict[str, Any]) -> str | None:
    """An edited code must exist in the loaded code table of its system."""
    if decision != "edit":
        return None
    code = str(value.get("code", "")).strip()
    system = str(value.get("system", "")).strip() or item.partition(":")[0]
    if not code:
        return "修正後のコードを入力してください (enter the corrected code)"
    try:
        from karte.terminology.registry import get_code_system

        table = get_code_system(system)
    except Exception as exc:  # an unknown system, or a table that cannot be loaded
        return f"コード体系 {system!r} を読み込めません: {exc} (cannot load the code system)"
    check = table.validate(code)
    if not check.ok:
        return f"コード {code!r} は {system} のコード表にありません: {check.reason} (code not in the table)"
    return None


REVIEW_KINDS: dict[str, ReviewKind] = {
    "code": ReviewKind(
        "code",
        "コーディング確認",
        ("accept", "edit", "reject"),
        "code.review",
        "code.review",
        validate_code_edit,
    ),
    "screening": ReviewKind(
        "screening", "治験スクリーニング", ("accept", "reject"), "screening.review", "screening.export"
    ),
    "draft": ReviewKind(
        "draft",
        "文書下書き",
        ("create", "edit", "approve", "reject"),
        "draft.approve",  # the draft editor's own routes let draft.edit create and edit
        "draft.approve",
        audit_value=False,
    ),
}


def review_kind(name: str) -> ReviewKind:
    try:
        return REVIEW_KINDS[name]
    except KeyError:
        raise NotFoundError(f"確認の種類 {name!r} はありません (no such review kind)", field="kind") from None


def value_digest(value: dict[str, Any]) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReviewStore:
    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self._engine = engine
        self._audit = audit

    def decide(
        self,
        kind: ReviewKind,
        *,
        subject: str,
        item: str,
        decision: str,
        value: dict[str, Any],
        actor: str,
        role: str | None,
        patient_id: str | None = None,
        comment: str | None = None,
        ip: str | None = None,
    ) -> Decision:
        """Store a decision and its audit event together (both or neither)."""
        if decision not in kind.decisions:
            allowed = ", ".join(kind.decisions)
            raise InputError(
                f"判定 {decision!r} は使えません。使えるのは {allowed} (decision not allowed)",
                field="decision",
            )
        if not item.strip():
            raise InputError("対象の項目がありません (no item given)", field="item")
        if kind.validate is not None:
            problem = kind.validate(item, decision, value)
            if problem:
                raise InputError(problem, field="value")
        row = {
            "kind": kind.name,
            "subject": subject,
            "item": item,
            "patient_id": patient_id,
            "decision": decision,
            "value": json.dumps(value, ensure_ascii=False, sort_keys=True),
            "comment": comment or None,
            "actor": actor,
            "at": utcnow(),
        }
        with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            new_id = conn.execute(insert(review_decisions).values(**row)).inserted_primary_key
            self._audit.append(
                AuditEvent(
                    actor=actor,
                    role=role,
                    action=f"{kind.name}.decide",
                    target=f"{kind.name}:{subject}",
                    patient_id=patient_id,
                    ip=ip,
                    detail={
                        "item": item,
                        "decision": decision,
                        **({"value": value} if kind.audit_value else {"value_sha256": value_digest(value)}),
                        "comment": comment,
                    },
                ),
                conn,
            )
        return Decision.model_validate({**row, "id": new_id[0] if new_id else 0, "value": value})

    def history(self, kind: str, subject: str) -> list[Decision]:
        query = (
            select(review_decisions)
            .where(review_decisions.c.kind == kind, review_decisions.c.subject == subject)
            .order_by(review_decisions.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [Decision.model_validate({**row, "value": json.loads(row["value"])}) for row in rows]

    def subjects(
        self, kind: str, *, decision: str, limit: int = 50
    ) -> list[tuple[str, str | None, str, dt.datetime]]:
        """The newest ``limit`` subjects given ``decision`` (drafts created): subject, patient, who, when."""
        query = (
            select(
                review_decisions.c.subject,
                review_decisions.c.patient_id,
                review_decisions.c.actor,
                review_decisions.c.at,
            )
            .where(review_decisions.c.kind == kind, review_decisions.c.decision == decision)
            .order_by(review_decisions.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [(r.subject, r.patient_id, r.actor, r.at) for r in conn.execute(query).all()]

    def current(self, kind: str, subject: str) -> dict[str, Decision]:
        """The newest decision on each item of ``subject``."""
        return {d.item: d for d in self.history(kind, subject)}

    def export_csv(self, kind: str, subject: str) -> str:
        """The current decisions as CSV (UTF-8 with BOM at the caller's discretion; one row per item)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            ["kind", "subject", "item", "patient_id", "decision", "value", "comment", "actor", "at"]
        )
        for d in self.current(kind, subject).values():
            writer.writerow(
                [
                    d.kind,
                    d.subject,
                    d.item,
                    d.patient_id or "",
                    d.decision,
                    json.dumps(d.value, ensure_ascii=False, sort_keys=True),
                    d.comment or "",
                    d.actor,
                    d.at.isoformat(),
                ]
            )
        return out.getvalue()
