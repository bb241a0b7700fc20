"""Administration pages: users (add, unlock, enable/disable, API keys) and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from karte.errors import KarteError
from karte.web.guard import require, services_of
from karte.web.principal import Principal, client_ip
from karte.web.render import page

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, Depends(require("users.manage"))]
AdminWrite = Annotated[Principal, Depends(require("users.manage", write=True))]


def _users_page(
    request: Request,
    principal: Principal,
    *,
    message: str | None = None,
    new_key: str | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    return page(
        request,
        "admin_users.html",
        principal,
        users=services.users.list(),
        keys=services.keys.list(),
        roles=services.roles.roles,
        message=message,
        new_key=new_key,
        status=status,
    )


@router.get("/admin/users")
def users_page(request: Request, principal: Admin) -> Response:
    return _users_page(request, principal)


@router.post("/admin/users")
def change_user(
    request: Request,
    principal: AdminWrite,
    action: Annotated[str, Form()],
    username: Annotated[str, Form()],
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    key_name: Annotated[str, Form()] = "",
    key_id: Annotated[str, Form()] = "",
) -> Response:
    services = services_of(request)
    new_key = None
    detail: dict[str, str] = {}
    try:
        if action == "add":
            services.users.add(username, password, role, display_name or None)
            detail = {"role": role}
        elif action == "unlock":
            services.users.unlock(username)
        elif action in ("disable", "enable"):
            user = services.users.set_active(username, action == "enable")
            if action == "disable":
                services.sessions.end_all(user.id)
        elif action == "role":
            services.users.set_role(username, role)
            detail = {"role": role}
        elif action == "key-add":
            new_key, info = services.keys.create(username, key_name)
            detail = {"key_id": info.key_id, "name": info.name}
        elif action == "key-revoke":
            services.keys.revoke(key_id)
            detail = {"key_id": key_id}
        else:
            return _users_page(
                request, principal, message=f"不明な操作 {action!r} (unknown action)", status=400
            )
    except KarteError as exc:
        return _users_page(request, principal, message=exc.message, status=400)
    services.record(
        actor=principal.actor,
        role=principal.role,
        action=f"user.{action}",
        target=f"user:{username}",
        ip=client_ip(request),
        detail=detail,
    )
    if new_key is not None:
        return _users_page(
            request, principal, new_key=new_key, message="API キーを作成しました。今だけ表示されます"
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    principal: Annotated[Principal, Depends(require("audit.read"))],
    actor: str = "",
    patient_id: str = "",
    verify: bool = False,
) -> Response:
    services = services_of(request)
    services.record(
        actor=principal.actor,
        role=principal.role,
        action="audit.view",
        target="audit_log",
        ip=client_ip(request),
        detail={"actor": actor, "patient_id": patient_id, "verify": verify},
    )
    events = services.audit.recent(200, actor=actor or None, patient_id=patient_id or None)
    report = services.audit.verify() if verify else None
    return page(
        request,
        "admin_audit.html",
        principal,
        events=events,
        report=report,
        actor=actor,
        patient_id=patient_id,
    )
