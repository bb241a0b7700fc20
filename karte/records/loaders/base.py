"""What every loader yields: patient records, and problems that name where they happened."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from karte.records.models import PatientRecord


class LoadProblem(BaseModel):
    """A record or resource that could not be loaded (error) or was loaded partly (warning).

    ``location`` says where in the source it is: ``line 12``, ``entry 3 (Observation/obs-1)``,
    ``article JP0217-100``. Problems are always reported; nothing is dropped silently.
    """

    source: str
    location: str | None = None
    record_id: str | None = None
    type: str
    message: str
    field: str | None = None
    severity: Literal["error", "warning"] = "error"

    def describe(self) -> str:
        where = ", ".join(
            x for x in (self.source, self.location, f"id={self.record_id}" if self.record_id else None) if x
        )
        fld = f" [{self.field}]" if self.field else ""
        return f"{where}{fld}: {self.message}"


LoadItem = PatientRecord | LoadProblem
