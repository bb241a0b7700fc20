"""The coordinator's accept / reject of a candidate, saved with who and when.

Decisions go to the store's ``review_decisions`` table (migration ``0002_service``), kind
``screening``, subject = trial id, item = patient id, through :class:`karte.reviews.ReviewStore`
(shared with the web pages), which writes the audit-log event in the same transaction.
So the web review pages, their CSV export and the audit log see the same decisions as the CLI; no
table of its own is needed. The history is kept: the newest row per patient is the current decision.
"""

from __future__ import annotations

import getpass
from typing import Any

from karte.config import Settings
from karte.errors import InputError
from karte.screening.models import ScreenResult

KIND = "screening"
DECISIONS = ("accept", "reject")


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _stores(settings: Settings) -> tuple[Any, Any]:
    from karte.audit import AuditLog
    from karte.audit.database import open_service_engine
    from karte.reviews import ReviewStore

    engine = open_service_engine(settings.database_url)
    return engine, ReviewStore(engine, AuditLog(engine))


def record_decision(
    settings: Settings,
    *,
    trial_id: str,
    patient_id: str,
    decision: str,
    reviewer: str,
    comment: str | None = None,
    result: ScreenResult | None = None,
) -> Any:
    """Store one decision (``accept`` or ``reject``); returns the stored :class:`Decision`."""
    if decision not in DECISIONS:
        raise InputError(
            f"判定は accept か reject です: {decision!r} (decision must be accept or reject)",
            field="decision",
        )
    if not reviewer.strip():
        raise InputError("確認者名が必要です (reviewer name required)", field="reviewer")
    from karte.reviews import review_kind

    value: dict[str, Any] = {}
    if result is not None:
        value = {
            "eligible": result.eligible,
            "score": result.score,
            "screening_date": result.screening_date.isoformat(),
            "criteria": {c.id: c.status for c in result.criteria},
        }
    engine, store = _stores(settings)
    try:
        return store.decide(
            review_kind(KIND),
            subject=trial_id,
            item=patient_id,
            decision=decision,
            value=value,
            actor=reviewer,
            role="coordinator",
            patient_id=patient_id,
            comment=comment,
        )
    finally:
        engine.dispose()


def current_decisions(settings: Settings, trial_id: str) -> dict[str, Any]:
    """patient id → the newest decision on that candidate for ``trial_id``."""
    engine, store = _stores(settings)
    try:
        decisions: dict[str, Any] = store.current(KIND, trial_id)
        return decisions
    finally:
        engine.dispose()


def decision_history(settings: Settings, trial_id: str) -> list[Any]:
    engine, store = _stores(settings)
    try:
        history: list[Any] = store.history(KIND, trial_id)
        return history
    finally:
        engine.dispose()
