"""Errors that name the record and field they concern.

Every error a user can see carries a stable machine ``type`` (English, snake_case) and a
message in Japanese followed by English, so that hospital staff and developers both read it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorInfo(BaseModel):
    """The ``error`` object of a failed output line: ``{"id": …, "error": ErrorInfo}``."""

    type: str
    message: str
    field: str | None = None
    line: int | None = None


class KarteError(Exception):
    """Base class: an error with a type, a bilingual message and optional record/field."""

    type = "karte_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        record_id: Any = None,
        type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.record_id = record_id
        if type is not None:
            self.type = type

    def info(self, line: int | None = None) -> ErrorInfo:
        return ErrorInfo(type=self.type, message=self.message, field=self.field, line=line)

    def __str__(self) -> str:
        where = []
        if self.record_id is not None:
            where.append(f"record {self.record_id!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = f"[{', '.join(where)}] " if where else ""
        return f"{prefix}{self.message}"


class InputError(KarteError):
    """The input record or file is malformed (bad JSON, bad encoding, missing field …)."""

    type = "invalid_input"


class NotFoundError(KarteError):
    """A referenced object (document, patient, task) does not exist."""

    type = "not_found"


class ConfigError(KarteError):
    """Configuration is missing or inconsistent."""

    type = "config_error"
