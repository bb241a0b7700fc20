"""Patient list and chart view (entities highlighted by type and certainty)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from karte.errors import NotFoundError
from karte.web.chart import document_view
from karte.web.guard import require, services_of
from karte.web.principal import Principal, client_ip
from karte.web.queries import patient_page
from karte.web.render import page
from karte.web.services import labels

router = APIRouter(include_in_schema=False)
MAX_OBSERVATIONS = 30


@router.get("/patients")
def patients(
    request: Request,
    principal: Annotated[Principal, Depends(require("patient.list"))],
    q: str = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    services = services_of(request)
    found = patient_page(services.engine, q, page_number)
    services.record(
        actor=principal.actor,
        role=principal.role,
        action="patient.list",
        target="patients",
        ip=client_ip(request),
        detail={"query": found.query, "page": found.page, "patient_ids": [r.id for r in found.rows]},
    )
    return page(request, "patients.html", principal, result=found)


@router.get("/patients/{patient_id:path}")
def chart(
    request: Request, patient_id: str, principal: Annotated[Principal, Depends(require("patient.read"))]
) -> Response:
    services = services_of(request)
    event = {
        "actor": principal.actor,
        "role": principal.role,
        "target": f"patient:{patient_id}",
        "ip": client_ip(request),
    }
    try:
        record = services.ctx.store.get_patient_record(patient_id)
    except NotFoundError as exc:
        services.record(**event, action="chart.view", outcome="not_found", patient_id=patient_id)
        return page(request, "error.html", principal, status=404, message=exc.message)
    services.record(
        **event,
        action="chart.view",
        patient_id=record.id,
        detail={"document_ids": [d.id for d in record.documents]},
    )
    results = services.analyses.results("entities", record.documents)
    unsectioned = [d for d in record.documents if not d.sections]
    sections = services.analyses.results("sections", unsectioned) if unsectioned else None
    views = [
        document_view(
            d, results.get(d.id) if results else None, labels(), sections.get(d.id) if sections else None
        )
        for d in record.documents
    ]
    observations = sorted(
        record.observations, key=lambda o: (o.datetime is None, o.datetime.isoformat() if o.datetime else "")
    )[-MAX_OBSERVATIONS:]
    return page(
        request,
        "chart.html",
        principal,
        record=record,
        views=views,
        observations=observations,
        extract_available=results is not None,
    )
