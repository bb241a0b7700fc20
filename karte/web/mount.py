"""Mount the web UI, its access control and the audit of the task API onto the FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from karte.config import Settings
from karte.tasks.context import TaskContext
from karte.web import routes_admin, routes_auth, routes_chart, routes_drafts, routes_review, routes_screening
from karte.web.api_guard import ApiGuard
from karte.web.guard import AccessRefused, access_refused_handler
from karte.web.principal import Principal
from karte.web.render import STATIC_DIR
from karte.web.services import WebServices
from karte.web.workspaces import workspace_router


class Me(BaseModel):
    """Who the API sees: the user, role and permissions of the key or session."""

    username: str | None
    role: str | None
    via: str
    permissions: list[str]


def install_web(app: FastAPI, settings: Settings, ctx: TaskContext) -> WebServices:
    """Add the pages, ``/static``, ``GET /v1/me`` and the guard of ``/v1/…`` to ``app``."""
    services = WebServices.open(settings, ctx)
    app.state.karte_web = services
    app.add_middleware(ApiGuard, services=services)
    app.add_exception_handler(AccessRefused, access_refused_handler)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        routes_auth.router,
        routes_chart.router,
        routes_review.router,
        routes_screening.router,
        routes_drafts.router,
        routes_admin.router,
        workspace_router(),
    ):
        app.include_router(router)

    @app.get("/v1/me", response_model=Me, tags=["auth"])
    def me(request: Request) -> Me:
        """認証中の利用者と権限 (the authenticated user, role and permissions)."""
        principal: Principal = request.state.principal
        role = principal.role
        allowed = [p for p in services.roles.permissions if role and services.roles.allows(role, p)]
        return Me(
            username=principal.user.username if principal.user else None,
            role=role,
            via=principal.via,
            permissions=allowed,
        )

    return services
