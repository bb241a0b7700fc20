"""Database tables of the record store (SQLAlchemy 2 declarative), portable to SQLite and PostgreSQL.

Column names equal the field names of the pydantic models in :mod:`karte.records.models`, so a
row and a model convert into each other without a mapping table (see :mod:`.convert`). Nested
structures (sections, gold entities, codes, identifiers) are JSON. ``seq`` keeps the order of a
patient's children. Identifiers use the ``C`` collation on PostgreSQL so that ``ORDER BY id``
sorts by code point, as SQLite and Python do.

Changing a table here needs a new revision in ``migrations/versions`` (written by hand).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import JSON, Date, Dialect, Double, ForeignKey, Integer, MetaData, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 200


def id_type() -> TypeEngine[str]:
    """``VARCHAR(200)``, with ``COLLATE "C"`` on PostgreSQL (code-point order, as in SQLite)."""
    return String(ID_LENGTH).with_variant(String(ID_LENGTH, collation="C"), "postgresql")


class IsoDateTime(TypeDecorator[dt.datetime]):
    """A datetime stored as ISO 8601 text, so that its UTC offset (``+09:00``) comes back as written.

    ``TIMESTAMP WITH TIME ZONE`` would turn ``10:00+09:00`` into ``01:00+00:00`` on PostgreSQL and
    SQLite has no time zones at all; text keeps naive datetimes naive and aware ones aware on both.
    """

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else value.isoformat()

    def process_result_value(self, value: object | None, dialect: Dialect) -> dt.datetime | None:
        if value is None or isinstance(value, dt.datetime):
            return value
        return dt.datetime.fromisoformat(str(value))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[str] = mapped_column(id_type(), primary_key=True)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    age: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(16), default="unknown")
    name: Mapped[str | None] = mapped_column(Text)
    name_kana: Mapped[str | None] = mapped_column(Text)
    identifiers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class _Child:
    """Columns every child of a patient has: its own id, the owner and its place in the owner's list."""

    id: Mapped[str] = mapped_column(id_type(), primary_key=True, sort_order=-3)
    patient_id: Mapped[str | None] = mapped_column(
        id_type(), ForeignKey("patients.id", ondelete="CASCADE"), index=True, sort_order=-2
    )
    seq: Mapped[int] = mapped_column(Integer, default=0, sort_order=-1)


class DocumentRow(_Child, Base):
    __tablename__ = "documents"

    type: Mapped[str] = mapped_column(Text)
    datetime: Mapped[dt.datetime | None] = mapped_column(IsoDateTime)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    sections: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    gold: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(Text)


class ObservationRow(_Child, Base):
    __tablename__ = "observations"

    local_name: Mapped[str] = mapped_column(Text)
    local_code: Mapped[str | None] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Double)
    value_text: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    reference_low: Mapped[float | None] = mapped_column(Double)
    reference_high: Mapped[float | None] = mapped_column(Double)
    reference_text: Mapped[str | None] = mapped_column(Text)
    datetime: Mapped[dt.datetime | None] = mapped_column(IsoDateTime)
    codes: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)


class MedicationRow(_Child, Base):
    __tablename__ = "medications"

    name: Mapped[str] = mapped_column(Text)
    codes: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    dosage: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)
    start: Mapped[dt.date | None] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)


class AllergyRow(_Child, Base):
    __tablename__ = "allergies"

    substance: Mapped[str] = mapped_column(Text)
    codes: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    category: Mapped[str | None] = mapped_column(Text)
    reaction: Mapped[str | None] = mapped_column(Text)
    criticality: Mapped[str | None] = mapped_column(Text)


class ConditionRow(_Child, Base):
    __tablename__ = "conditions"

    name: Mapped[str] = mapped_column(Text)
    codes: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    clinical_status: Mapped[str | None] = mapped_column(Text)
    onset: Mapped[dt.date | None] = mapped_column(Date)
    abatement: Mapped[dt.date | None] = mapped_column(Date)


patients = cast(Table, PatientRow.__table__)
#: The child tables, keyed by the name of the list in :class:`~karte.records.models.PatientRecord`.
CHILD_TABLES: dict[str, Table] = {
    row.__tablename__: cast(Table, row.__table__)
    for row in (DocumentRow, ObservationRow, MedicationRow, AllergyRow, ConditionRow)
}
