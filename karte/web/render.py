"""Server-rendered pages (Jinja2, autoescaped) with the user, the CSRF token and the navigation."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from karte.web.principal import CSRF_FIELD, Principal
from karte.web.services import WebServices, labels

TEMPLATES_DIR = Path(str(resources.files("karte.web.templates")))
STATIC_DIR = Path(str(resources.files("karte.web.static")))
templates = Jinja2Templates(directory=TEMPLATES_DIR)


def system_label(system: str) -> str:
    """A short name for a code system URI: ``http://hl7.org/fhir/sid/icd-10`` → ``ICD-10``."""
    tail = system.rstrip("/").rsplit("/", 1)[-1]
    return tail.upper() if "://" in system or system.startswith("urn:") else system


def local_time(value: dt.datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A timestamp in the server's time zone (stored ones are UTC)."""
    if value is None:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return (moment.astimezone() if moment.tzinfo else moment).strftime(fmt)


def age_on(birth_date: dt.date | None, today: dt.date | None = None) -> int | None:
    if birth_date is None:
        return None
    today = today or dt.date.today()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


templates.env.filters["system_label"] = system_label
templates.env.filters["local_time"] = local_time
templates.env.globals["age_on"] = age_on

#: The navigation bar: (path, label, permission needed to see the link).
NAVIGATION: tuple[tuple[str, str, str], ...] = (
    ("/patients", "患者一覧", "patient.list"),
    ("/deid", "匿名化プレビュー", "deid.preview"),
    ("/screening", "治験スクリーニング", "screening.review"),
    ("/drafts", "文書下書き", "draft.edit"),
    ("/admin/users", "利用者", "users.manage"),
    ("/admin/audit", "監査ログ", "audit.read"),
)


def page(
    request: Request,
    name: str,
    principal: Principal | None,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    services: WebServices = request.app.state.karte_web
    role = principal.role if principal else None
    nav = [(path, label) for path, label, perm in NAVIGATION if services.roles.allows(role, perm)]
    response = templates.TemplateResponse(
        request,
        name,
        {
            "principal": principal,
            "user": principal.user if principal else None,
            "role_title": services.roles.title(role),
            "csrf_field": CSRF_FIELD,
            "csrf_token": principal.csrf_token if principal else None,
            "nav": nav,
            "labels": labels(),
            "can": lambda permission: services.roles.allows(role, permission),
            **context,
        },
        status_code=status,
    )
    _no_store(response)
    return response


def _no_store(response: Response) -> None:
    """Pages with patient data must not stay in browser or proxy caches."""
    response.headers["cache-control"] = "no-store"
    response.headers["x-frame-options"] = "DENY"
    response.headers["x-content-type-options"] = "nosniff"
    response.headers["referrer-policy"] = "same-origin"
    response.headers["content-security-policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " frame-ancestors 'none'"
    )
