"""Coding review, de-identification preview, and the decision/export routes every review kind shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from karte.errors import KarteError
from karte.records.models import Document
from karte.reviews import review_kind
from karte.web.adapters import code_proposals, pii_marks
from karte.web.chart import heading_marks
from karte.web.guard import AccessRefused, require, safe_next, services_of
from karte.web.highlight import Mark, highlight
from karte.web.principal import Principal, client_ip, forbidden
from karte.web.render import page
from karte.web.services import labels

router = APIRouter(include_in_schema=False)


def _load_document(
    request: Request, principal: Principal, document_id: str, action: str
) -> Document | Response:
    services = services_of(request)
    event = {
        "actor": principal.actor,
        "role": principal.role,
        "target": f"document:{document_id}",
        "ip": client_ip(request),
    }
    try:
        document = services.ctx.store.get_document(document_id)
    except KarteError as exc:
        services.record(**event, action=action, outcome="not_found")
        return page(request, "error.html", principal, status=404, message=exc.message)
    services.record(**event, action=action, patient_id=document.patient_id)
    return document


@router.get("/coding/{document_id:path}")
def coding(
    request: Request, document_id: str, principal: Annotated[Principal, Depends(require("code.review"))]
) -> Response:
    services = services_of(request)
    document = _load_document(request, principal, document_id, "code.view")
    if isinstance(document, Response):
        return document
    results = services.analyses.results("codes", [document])
    result = results.get(document.id) if results else None
    proposals = code_proposals(result.output if result else None)
    sections = services.analyses.results("sections", [document]) if not document.sections else None
    marks = list(heading_marks(document, sections.get(document.id) if sections else None))
    for number, proposal in enumerate(proposals, start=1):
        marks += [
            Mark(
                start=s.start,
                end=s.end,
                kind="evidence",
                css=[f"ev-{number}"],
                title=f"#{number} {proposal.code}",
            )
            for s in proposal.spans
        ]
    return page(
        request,
        "coding.html",
        principal,
        document=document,
        text=highlight(document.text, marks),
        proposals=proposals,
        decisions=services.reviews.current("code", document.id),
        task_available=results is not None,
        task_error=result.error if result else None,
    )


@router.get("/deid")
def deid_preview(
    request: Request, principal: Annotated[Principal, Depends(require("deid.preview"))], document_id: str = ""
) -> Response:
    services = services_of(request)
    if not document_id.strip():
        return page(request, "deid.html", principal, document=None)
    document = _load_document(request, principal, document_id.strip(), "deid.preview")
    if isinstance(document, Response):
        return document
    results = services.analyses.results("deid", [document])
    result = results.get(document.id) if results else None
    output = result.output if result else None
    show_original = services.roles.allows(principal.role, "patient.read")
    original = highlight(document.text, pii_marks(output, labels())) if show_original and output else None
    return page(
        request,
        "deid.html",
        principal,
        document=document,
        deidentified=(output or {}).get("text"),
        spans=(output or {}).get("spans", []),
        original=original,
        task_available=results is not None,
        task_error=result.error if result else None,
    )


@router.post("/reviews/{kind}/decide")
async def decide(
    request: Request, kind: str, principal: Annotated[Principal, Depends(require(write=True))]
) -> Response:
    services = services_of(request)
    try:
        review = review_kind(kind)
    except KarteError as exc:
        return page(request, "error.html", principal, status=404, message=exc.message)
    if not services.roles.allows(principal.role, review.decide_permission):
        raise AccessRefused(forbidden(review.decide_permission, services), principal)
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    value = {key.removeprefix("value_"): v for key, v in fields.items() if key.startswith("value_")}
    back = safe_next(fields.get("next", "/"))
    try:
        await run_in_threadpool(
            lambda: services.reviews.decide(
                review,
                subject=fields.get("subject", ""),
                item=fields.get("item", ""),
                decision=fields.get("decision", ""),
                value=value,
                actor=principal.actor,
                role=principal.role,
                patient_id=fields.get("patient_id") or None,
                comment=fields.get("comment") or None,
                ip=client_ip(request),
            )
        )
    except KarteError as exc:
        return page(request, "error.html", principal, status=400, message=exc.message, back=back)
    return RedirectResponse(back, status_code=303)


@router.get("/reviews/{kind}/export.csv")
def export_csv(
    request: Request, kind: str, subject: str, principal: Annotated[Principal, Depends(require())]
) -> Response:
    services = services_of(request)
    try:
        review = review_kind(kind)
    except KarteError as exc:
        return page(request, "error.html", principal, status=404, message=exc.message)
    if not services.roles.allows(principal.role, review.export_permission):
        raise AccessRefused(forbidden(review.export_permission, services), principal)
    services.record(
        actor=principal.actor,
        role=principal.role,
        action=f"{kind}.export",
        target=f"{kind}:{subject}",
        ip=client_ip(request),
    )
    body = "\ufeff" + services.reviews.export_csv(kind, subject)  # BOM: Excel reads UTF-8 then
    filename = f"karte-{kind}-decisions.csv"
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )
