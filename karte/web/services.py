"""Everything the web layer uses, built once per app: database, audit log, users, sessions, tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import Engine

from karte.audit import AuditEvent, AuditLog
from karte.audit.database import open_service_engine
from karte.auth import ApiKeyStore, RoleTable, SessionStore, UserStore, role_table, web_secret
from karte.config import Settings
from karte.reviews import ReviewStore
from karte.tasks.context import TaskContext
from karte.web.analysis import Analyses


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    text = resources.files("karte.web.resources").joinpath("labels.yaml").read_text(encoding="utf-8")
    loaded: dict[str, dict[str, str]] = yaml.safe_load(text)
    return loaded


@dataclass
class WebServices:
    settings: Settings
    ctx: TaskContext
    engine: Engine
    audit: AuditLog
    users: UserStore
    keys: ApiKeyStore
    sessions: SessionStore
    reviews: ReviewStore
    analyses: Analyses
    roles: RoleTable = field(default_factory=role_table)

    @classmethod
    def open(cls, settings: Settings, ctx: TaskContext) -> WebServices:
        engine = open_service_engine(settings.database_url)
        audit = AuditLog(engine)
        return cls(
            settings=settings,
            ctx=ctx,
            engine=engine,
            audit=audit,
            users=UserStore(engine),
            keys=ApiKeyStore(engine),
            sessions=SessionStore(engine, web_secret(settings)),
            reviews=ReviewStore(engine, audit),
            analyses=Analyses(engine, ctx),
        )

    def record(self, **event: Any) -> None:
        """Append an audit event (raises when it cannot be written: no audit, no access)."""
        self.audit.append(AuditEvent(**event))

    def close(self) -> None:
        self.engine.dispose()
