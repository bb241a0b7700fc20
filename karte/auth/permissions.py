"""Roles and permissions as data (``resources/roles.yaml``) and the log-in policy (``policy.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, Field, model_validator

from karte.errors import ConfigError


class Role(BaseModel):
    title: str
    permissions: list[str]
    why: str


class RoleTable(BaseModel):
    """Which role may do what. Unknown roles may do nothing."""

    permissions: dict[str, str] = Field(description="permission → description (Japanese (English))")
    roles: dict[str, Role]

    @model_validator(mode="after")
    def _known_permissions(self) -> RoleTable:
        for name, role in self.roles.items():
            unknown = sorted(set(role.permissions) - set(self.permissions))
            if unknown:
                raise ValueError(f"role {name}: unknown permissions {unknown}")
        return self

    def allows(self, role: str | None, permission: str) -> bool:
        if permission not in self.permissions:
            raise KeyError(f"unknown permission {permission!r}")
        found = self.roles.get(role or "")
        return found is not None and permission in found.permissions

    def check_role(self, role: str) -> str:
        if role not in self.roles:
            known = ", ".join(self.roles)
            raise ConfigError(f"役割 {role!r} はありません。使えるのは {known} (unknown role)", field="role")
        return role

    def title(self, role: str | None) -> str:
        found = self.roles.get(role or "")
        return found.title if found else (role or "")


class SecurityPolicy(BaseModel):
    lockout_after_failures: int = Field(ge=1, le=100)
    lockout_minutes: int = Field(ge=1)
    session_idle_minutes: int = Field(ge=1)
    session_max_hours: int = Field(ge=1)
    password_min_length: int = Field(ge=8)


def _load(name: str) -> Any:
    text = resources.files("karte.auth.resources").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def role_table() -> RoleTable:
    return RoleTable.model_validate(_load("roles.yaml"))


@lru_cache(maxsize=1)
def security_policy() -> SecurityPolicy:
    return SecurityPolicy.model_validate(_load("policy.yaml"))
