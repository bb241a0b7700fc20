"""Read-only queries for the patient list: one page of patients with their document counts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Engine, func, or_, select

from karte.records.store.schema import CHILD_TABLES, patients

PAGE_SIZE = 50
_documents = CHILD_TABLES["documents"]


class PatientRow(BaseModel):
    id: str
    name: str | None
    name_kana: str | None
    sex: str
    age: int | None
    birth_date: dt.date | None
    documents: int = 0


class PatientPage(BaseModel):
    rows: list[PatientRow]
    page: int
    pages: int
    total: int
    query: str


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def patient_page(engine: Engine, query: str = "", page: int = 1, size: int = PAGE_SIZE) -> PatientPage:
    """Patients in id order whose id starts with, or whose name or reading contains, ``query``."""
    query = query.strip()
    condition = None
    if query:
        like = _escape_like(query)
        condition = or_(
            patients.c.id.like(f"{like}%", escape="\\"),
            patients.c.name.like(f"%{like}%", escape="\\"),
            patients.c.name_kana.like(f"%{like}%", escape="\\"),
        )
    count_query = select(func.count()).select_from(patients)
    rows_query = select(patients).order_by(patients.c.id)
    if condition is not None:
        count_query, rows_query = count_query.where(condition), rows_query.where(condition)
    with engine.connect() as conn:
        total = int(conn.scalar(count_query) or 0)
        pages = max(1, -(-total // size))
        page = min(max(1, page), pages)
        found = conn.execute(rows_query.offset((page - 1) * size).limit(size)).mappings().all()
        ids = [row["id"] for row in found]
        counts: dict[str, int] = (
            dict(
                conn.execute(
                    select(_documents.c.patient_id, func.count())
                    .where(_documents.c.patient_id.in_(ids))
                    .group_by(_documents.c.patient_id)
                ).all()
            )
            if ids
            else {}
        )
    rows = [PatientRow.model_validate({**row, "documents": counts.get(row["id"], 0)}) for row in found]
    return PatientPage(rows=rows, page=page, pages=pages, total=total, query=query)
