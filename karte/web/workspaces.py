"""Review workspaces: trial screening (issue 6) and the draft editor (issue 7).

Each has its page (navigation, permission, audit of the view); what the page shows is provided by a
:class:`WorkspaceContent` plug-in registered with :func:`register_workspace_content`:
:mod:`karte.web.routes_screening` and :mod:`karte.web.routes_drafts` (imported by
:mod:`karte.web.mount`). A workspace without content shows ``workspace_pending.html``.
Decisions are stored through :mod:`karte.reviews` (``POST /reviews/screening/decide``, CSV export).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from karte.web.guard import require, services_of
from karte.web.principal import Principal, client_ip
from karte.web.render import page


@dataclass(frozen=True)
class Workspace:
    key: str
    title: str
    path: str
    permission: str
    review_kind: str
    issue: str
    needs: tuple[str, ...]


@dataclass(frozen=True)
class WorkspaceContent:
    """A plug-in: ``build(request, principal, services)`` returns the template's context."""

    template: str
    build: Callable[[Request, Principal, Any], dict[str, Any]]


WORKSPACES = {
    "screening": Workspace(
        key="screening",
        title="治験スクリーニング",
        path="/screening",
        permission="screening.review",
        review_kind="screening",
        issue="issue 6",
        needs=(
            "試験と選択・除外基準のコンパイル結果 (trial and compiled criteria)",
            "順位付けされた候補患者と基準ごとの判定・根拠 (ranked candidates with per-criterion evidence)",
        ),
    ),
    "drafts": Workspace(
        key="drafts",
        title="文書下書き",
        path="/drafts",
        permission="draft.edit",
        review_kind="draft",
        issue="issue 7",
        needs=(
            "セクションごとの下書きと出典の引用 (draft sections with citations)",
            "根拠のない記述の印 (unsupported content marked)",
            "承認後の FHIR 出力 (FHIR export after approval)",
        ),
    ),
}
_CONTENT: dict[str, WorkspaceContent] = {}


def register_workspace_content(key: str, content: WorkspaceContent) -> None:
    if key not in WORKSPACES:
        raise KeyError(f"unknown workspace {key!r}")
    _CONTENT[key] = content


def _workspace_route(workspace: Workspace) -> Callable[..., Response]:
    def view(request: Request, principal: Principal = Depends(require(workspace.permission))) -> Response:
        services = services_of(request)
        services.record(
            actor=principal.actor,
            role=principal.role,
            action=f"{workspace.key}.view",
            target=workspace.path,
            ip=client_ip(request),
        )
        content = _CONTENT.get(workspace.key)
        if content is None:
            return page(request, "workspace_pending.html", principal, workspace=workspace)
        return page(
            request,
            content.template,
            principal,
            workspace=workspace,
            **content.build(request, principal, services),
        )

    view.__name__ = f"workspace_{workspace.key}"
    return view


def workspace_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for workspace in WORKSPACES.values():
        router.add_api_route(workspace.path, _workspace_route(workspace), methods=["GET"])
    return router
