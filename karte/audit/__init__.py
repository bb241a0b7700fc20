"""Append-only, hash-chained audit log of every access to patient data (``karte audit verify``)."""

from karte.audit.log import AuditEvent, AuditLog, AuditRecord, VerifyReport

__all__ = ["AuditEvent", "AuditLog", "AuditRecord", "VerifyReport"]
