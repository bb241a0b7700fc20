"""The draft editor (``/drafts``): pick a patient and a document type, run the ``draft`` task, review
the sections beside their cited sources, edit, approve, download the FHIR Bundle.

Physicians: ``draft.edit`` creates, reads and edits drafts; ``draft.approve`` approves and exports.
Every draft page is a read of patient data and is audited; every write is a review decision, audited
in the same transaction. The page says throughout that this is a draft for clinician review.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from karte.errors import KarteError
from karte.tasks.draft_task import DraftOutput
from karte.tasks.jsonl_io import parse_objects
from karte.tasks.registry import get_task
from karte.tasks.runner import run_task
from karte.web.draft_export import approved_bundle
from karte.web.draft_records import DraftRecord, DraftRecords
from karte.web.draft_view import DOCUMENT_TYPES, citation_numbers, section_views, source_views
from karte.web.guard import require, services_of
from karte.web.principal import Principal, client_ip
from karte.web.queries import patient_page
from karte.web.render import page
from karte.web.services import WebServices
from karte.web.workspaces import WorkspaceContent, register_workspace_content

router = APIRouter(include_in_schema=False)
RECENT = 30
RECIPIENT_FIELDS = ("institution", "department", "doctor", "purpose")


def drafts_of(services: WebServices) -> DraftRecords:
    return DraftRecords(services.reviews, services.ctx)


def workspace_context(request: Request, principal: Principal, services: WebServices) -> dict[str, Any]:
    recent = services.reviews.subjects("draft", decision="create", limit=RECENT)
    choices = patient_page(services.engine, "", 1)
    services.record(
        actor=principal.actor,
        role=principal.role,
        action="draft.list",
        target="drafts",
        ip=client_ip(request),
        detail={
            "patient_ids": sorted({pid for _, pid, _, _ in recent if pid} | {r.id for r in choices.rows})
        },
    )
    return {
        "recent": recent,
        "patients": choices,
        "document_types": DOCUMENT_TYPES,
        "chosen_patient": request.query_params.get("patient_id", ""),
    }


register_workspace_content("drafts", WorkspaceContent("drafts.html", workspace_context))


def _event(request: Request, principal: Principal, draft_id: str) -> dict[str, Any]:
    return {
        "actor": principal.actor,
        "role": principal.role,
        "target": f"draft:{draft_id}",
        "ip": client_ip(request),
    }


def _error(request: Request, principal: Principal, status: int, message: str, back: str) -> Response:
    return page(request, "error.html", principal, status=status, message=message, back=back)


def _load(request: Request, principal: Principal, draft_id: str, action: str) -> DraftRecord | Response:
    services = services_of(request)
    try:
        record = drafts_of(services).load(draft_id)
    except KarteError as exc:
        services.record(**_event(request, principal, draft_id), action=action, outcome="not_found")
        return _error(request, principal, 404, exc.message, "/drafts")
    services.record(**_event(request, principal, draft_id), action=action, patient_id=record.patient_id)
    return record


@router.post("/drafts/new")
async def create_draft(
    request: Request, principal: Annotated[Principal, Depends(require("draft.edit", write=True))]
) -> Response:
    services = services_of(request)
    form = await request.form()
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    patient_id = fields.get("patient_id", "")
    request_line: dict[str, Any] = {
        "id": "web",
        "patient_id": patient_id,
        "document_type": fields.get("document_type", ""),
        "mode": "extractive" if fields.get("mode") == "extractive" else "auto",
    }
    to = {k: fields[f"to_{k}"] for k in RECIPIENT_FIELDS if fields.get(f"to_{k}")}
    if to and request_line["document_type"] == "referral_letter":
        request_line["to"] = to
    back = f"/drafts?patient_id={quote(patient_id)}"
    if not patient_id:
        return _error(request, principal, 400, "患者 ID を入力してください (enter a patient id)", back)
    output = await run_in_threadpool(
        lambda: next(run_task(get_task("draft"), parse_objects([request_line]), services.ctx))
    )
    if "error" in output:
        services.record(
            actor=principal.actor,
            role=principal.role,
            action="draft.create",
            outcome="error",
            target=f"patient:{patient_id}",
            patient_id=patient_id,
            ip=client_ip(request),
            detail={"error": output["error"]},
        )
        message = str(output["error"].get("message", output["error"]))
        return _error(request, principal, 400, f"下書きを作成できませんでした: {message}", back)
    draft_id = await run_in_threadpool(
        lambda: drafts_of(services).create(
            DraftOutput.model_validate(output),
            request_line,
            actor=principal.actor,
            role=principal.role,
            ip=client_ip(request),
        )
    )
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


@router.get("/drafts/{draft_id}")
def view_draft(
    request: Request, draft_id: str, principal: Annotated[Principal, Depends(require("draft.edit"))]
) -> Response:
    record = _load(request, principal, draft_id, "draft.view")
    if isinstance(record, Response):
        return record
    numbers = citation_numbers(record.sections)
    return page(
        request,
        "draft.html",
        principal,
        record=record,
        output=record.output,
        type_label=DOCUMENT_TYPES.get(record.output.document_type, record.output.document_type),
        sections=section_views(record, numbers),
        sources=source_views(record, numbers),
    )


@router.post("/drafts/{draft_id}/sections/{code}")
async def edit_section(
    request: Request,
    draft_id: str,
    code: str,
    principal: Annotated[Principal, Depends(require("draft.edit", write=True))],
) -> Response:
    services = services_of(request)
    form = await request.form()
    text = form.get("text")
    back = f"/drafts/{draft_id}"

    def save() -> None:
        record = drafts_of(services).load(draft_id)
        drafts_of(services).edit(
            record,
            code,
            text if isinstance(text, str) else "",
            actor=principal.actor,
            role=principal.role,
            ip=client_ip(request),
        )

    return await _save_then_back(request, principal, save, back, f"section-{code}")


@router.post("/drafts/{draft_id}/approve")
async def approve_draft(
    request: Request,
    draft_id: str,
    principal: Annotated[Principal, Depends(require("draft.approve", write=True))],
) -> Response:
    services = services_of(request)
    form = await request.form()
    acknowledged = form.get("acknowledge") == "yes"
    seen = str(form.get("digest", ""))
    back = f"/drafts/{draft_id}"

    def save() -> None:
        record = drafts_of(services).load(draft_id)
        drafts_of(services).approve(
            record,
            seen=seen,
            acknowledged=acknowledged,
            actor=principal.actor,
            role=principal.role,
            ip=client_ip(request),
        )

    return await _save_then_back(request, principal, save, back, "approval")


async def _save_then_back(
    request: Request, principal: Principal, save: Callable[[], None], back: str, anchor: str
) -> Response:
    """Run ``save`` off the event loop; back to the draft at ``anchor``, or the error page."""
    try:
        await run_in_threadpool(save)
    except KarteError as exc:
        return _error(request, principal, 400, exc.message, back)
    return RedirectResponse(f"{back}#{anchor}", status_code=303)


@router.get("/drafts/{draft_id}/fhir.json")
def export_fhir(
    request: Request, draft_id: str, principal: Annotated[Principal, Depends(require("draft.approve"))]
) -> Response:
    services = services_of(request)
    record = _load(request, principal, draft_id, "draft.export")
    if isinstance(record, Response):
        return record
    try:
        patient = services.ctx.store.get_patient_record(record.patient_id).patient()
        approval = record.approval
        approver = services.users.find(approval.actor) if approval else None
        name = f"{approver.label} ({approver.username})" if approver else (approval.actor if approval else "")
        bundle = approved_bundle(record, patient, name)
    except KarteError as exc:
        return _error(request, principal, 409, exc.message, f"/drafts/{draft_id}")
    filename = f"karte-{record.output.document_type}-{draft_id}.fhir.json"
    return Response(
        json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8"),
        media_type="application/fhir+json; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )
