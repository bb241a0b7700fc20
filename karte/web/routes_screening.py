"""The screening workspace (``/screening``): trial, compiled criteria, ranked candidates with each
criterion's status and evidence, accept or reject (``POST /reviews/screening/decide``), CSV export.

Coordinators (``screening.review``) see and decide; ``screening.export`` downloads the CSV. Every
page that shows patients writes an audit event naming them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from karte.errors import KarteError
from karte.screening.models import Trial
from karte.screening.report import render_csv
from karte.web.guard import AccessRefused, require, services_of
from karte.web.principal import Principal, client_ip, forbidden
from karte.web.render import page
from karte.web.screening_view import (
    ELIGIBILITY_LABELS,
    MAX_SCREENED,
    ScreeningRun,
    ScreeningRuns,
    TrialFiles,
    available_trials,
    candidate_views,
    compiled_lines,
    criterion_views,
    free_text_criteria,
    note_views,
    result_of,
    trial_dir,
)
from karte.web.services import WebServices
from karte.web.workspaces import WorkspaceContent, register_workspace_content

router = APIRouter(include_in_schema=False)
KIND = "screening"


def runs_of(services: WebServices) -> ScreeningRuns:
    return services.ctx.resource("web.screening.runs", lambda: ScreeningRuns(services.ctx))


def _chosen(files: TrialFiles, trial_id: str | None) -> Trial | None:
    if trial_id:
        return files.trials.get(trial_id)
    return next(iter(files.trials.values()), None)


def _run(services: WebServices, trial: Trial, *, refresh: bool = False) -> ScreeningRun | str:
    """The trial's screening results, or the message saying why there are none."""
    try:
        return runs_of(services).get(trial, refresh=refresh)
    except KarteError as exc:
        return exc.message


def workspace_context(request: Request, principal: Principal, services: WebServices) -> dict[str, Any]:
    files = available_trials(services.settings)
    wanted = request.query_params.get("trial")
    trial = _chosen(files, wanted)
    context: dict[str, Any] = {
        "files": files,
        "trial": trial,
        "wanted": wanted,
        "trial_folder": str(trial_dir(services.settings)),
        "max_screened": MAX_SCREENED,
        "eligibility_labels": ELIGIBILITY_LABELS,
    }
    if trial is None:
        return context
    run = _run(services, trial)
    if isinstance(run, str):
        return {**context, "run_error": run}
    decisions = services.reviews.current(KIND, run.trial.id)
    candidates = candidate_views(run, decisions)
    _record_list_shown(services, principal, request, "screening.candidates", run)
    return {
        **context,
        "trial": run.trial,
        "run": run,
        "compiled": compiled_lines(run.trial),
        "free_text": free_text_criteria(run.trial),
        "listed": [c for c in candidates if c.result.eligible != "ineligible"],
        "others": [c for c in candidates if c.result.eligible == "ineligible"],
        "decided": sum(1 for c in candidates if c.decision is not None),
    }


register_workspace_content(KIND, WorkspaceContent("screening.html", workspace_context))


def _trial_or_error(
    request: Request, principal: Principal, services: WebServices, trial_id: str
) -> Trial | Response:
    trial = available_trials(services.settings).trials.get(trial_id)
    if trial is None:
        message = f"試験 {trial_id} がありません (no such trial)"
        return page(request, "error.html", principal, status=404, message=message, back="/screening")
    return trial


@router.post("/screening/rerun")
async def rerun(
    request: Request, principal: Annotated[Principal, Depends(require("screening.review", write=True))]
) -> Response:
    services = services_of(request)
    form = await request.form()
    trial_id = str(form.get("trial", ""))
    trial = _trial_or_error(request, principal, services, trial_id)
    if isinstance(trial, Response):
        return trial
    services.record(
        actor=principal.actor,
        role=principal.role,
        action="screening.run",
        target=f"{KIND}:{trial.id}",
        ip=client_ip(request),
    )
    await run_in_threadpool(_run, services, trial, refresh=True)
    return RedirectResponse(f"/screening?trial={trial.id}", status_code=303)


@router.get("/screening/{trial_id}/patients/{patient_id:path}")
def candidate(
    request: Request,
    trial_id: str,
    patient_id: str,
    principal: Annotated[Principal, Depends(require("screening.review"))],
) -> Response:
    services = services_of(request)
    if not services.roles.allows(principal.role, "patient.read"):
        raise AccessRefused(forbidden("patient.read", services), principal)
    trial = _trial_or_error(request, principal, services, trial_id)
    if isinstance(trial, Response):
        return trial
    event = {
        "actor": principal.actor,
        "role": principal.role,
        "target": f"{KIND}:{trial.id}",
        "ip": client_ip(request),
        "patient_id": patient_id,
    }
    run = _run(services, trial)
    try:
        if isinstance(run, str):
            raise KarteError(run)
        result = result_of(run, patient_id)
        record = services.ctx.store.get_patient_record(patient_id)
    except KarteError as exc:
        services.record(**event, action="screening.candidate.view", outcome="not_found")
        return page(request, "error.html", principal, status=404, message=exc.message, back="/screening")
    services.record(
        **event,
        action="screening.candidate.view",
        detail={"trial": trial.id, "document_ids": [d.id for d in record.documents]},
    )
    return page(
        request,
        "screening_candidate.html",
        principal,
        trial=run.trial,
        record=record,
        result=result,
        criteria=criterion_views(result),
        notes=note_views(record, result),
        decision=services.reviews.current(KIND, run.trial.id).get(patient_id),
        eligibility_labels=ELIGIBILITY_LABELS,
    )


@router.get("/screening/export.csv")
def export_candidates(
    request: Request, trial: str, principal: Annotated[Principal, Depends(require("screening.export"))]
) -> Response:
    """Every screened patient, ranked, with each criterion's status, rationale and evidence, and the
    coordinator's decision (who, when)."""
    services = services_of(request)
    chosen = _trial_or_error(request, principal, services, trial)
    if isinstance(chosen, Response):
        return chosen
    run = _run(services, chosen)
    if isinstance(run, str):
        return page(request, "error.html", principal, status=500, message=run, back="/screening")
    _record_list_shown(services, principal, request, "screening.export", run)
    body = render_csv(run.trial, run.results, services.reviews.current(KIND, run.trial.id))
    safe_id = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in run.trial.id)
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="karte-screening-{safe_id}.csv"',
            "cache-control": "no-store",
        },
    )


def _record_list_shown(
    services: WebServices, principal: Principal, request: Request, action: str, run: ScreeningRun
) -> None:
    """Audit which patients a screening list (page or CSV) showed to whom."""
    services.record(
        actor=principal.actor,
        role=principal.role,
        action=action,
        target=f"{KIND}:{run.trial.id}",
        ip=client_ip(request),
        detail={"trial": run.trial.id, "patient_ids": [r.patient_id for r in run.results]},
    )
