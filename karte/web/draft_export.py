"""The FHIR R4B document Bundle of an approved draft: the current (edited) text, attested by the
physician who approved it.

The bundle is built by :func:`karte.drafting.fhir.build_bundle` from the sections as edited, then the
Composition records the approval: ``status`` final, an ``attester`` (the physician, mode legal, the
time), and a tag saying a clinician reviewed the draft. Sentences the guard could not support and the
physician confirmed keep their ［要確認］ mark in the narrative. Validated with ``fhir.resources``.
"""

from __future__ import annotations

from html import escape
from typing import Any, cast

from karte.drafting.fhir import build_bundle, validate_bundle
from karte.drafting.models import DocumentType, Draft
from karte.drafting.pipeline import Recipient
from karte.drafting.plans import load_plan
from karte.errors import InputError
from karte.records.models import Patient
from karte.web.draft_records import DraftRecord

APPROVED_TAG = {
    "system": "urn:karte:draft",
    "code": "clinician-approved",
    "display": "臨床医が確認・承認した文書（Karte の下書きから作成）",
}


def approved_bundle(record: DraftRecord, patient: Patient, approver: str) -> dict[str, Any]:
    """The approved draft as a document Bundle; an error when it is not (or no longer) approved."""
    approval = record.approval
    if approval is None:
        raise InputError(
            "承認されていない下書きは出力できません。承認後に編集した場合は再承認が必要です "
            "(approve the current text before exporting)",
            field="draft",
        )
    out = record.output
    draft = Draft(
        document_type=cast(DocumentType, out.document_type),  # validated by the task
        title=out.title,
        patient_id=record.patient_id,
        mode=out.mode,
        sections=record.sections,
        facts=out.facts,
        warnings=out.warnings,
        created=out.created,
    )
    sources = {s.id: s for s in out.sources}
    to = record.request.get("to")
    recipient = Recipient.model_validate(to).model_dump(exclude_none=True) if to else {}
    recipient.pop("purpose", None)
    bundle = build_bundle(draft, load_plan(out.document_type), patient, sources, recipient or None)
    composition = bundle["entry"][0]["resource"]
    when = approval.at.isoformat(timespec="seconds")
    composition["status"] = "final"
    composition["meta"] = {"tag": [APPROVED_TAG]}
    composition["title"] = out.title
    composition["attester"] = [{"mode": "legal", "time": when, "party": {"display": approver}}]
    notes = [f"{approver} が {when} に確認・承認しました。", *out.warnings[:10]]
    body = "".join(f"<p>{escape(n)}</p>" for n in notes)
    composition["text"] = {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>',
    }
    bundle["timestamp"] = when
    validate_bundle(bundle)
    return bundle
