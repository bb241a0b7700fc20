"""Initial schema: patients and their documents, observations, medications, allergies, conditions.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01 00:00:00

Written by hand. Types are spelled out here rather than imported from ``schema.py`` so that this
revision keeps describing the first schema when the models change later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHILD_TABLES = ("documents", "observations", "medications", "allergies", "conditions")


def _id() -> sa.types.TypeEngine[str]:
    return sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")


def _child_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    ]


def _child_constraints(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=f"fk_{table}_patient_id_patients", ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", _id(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("sex", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("name_kana", sa.Text(), nullable=True),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_patients"),
    )
    op.create_table(
        "documents",
        *_child_columns(),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("datetime", sa.String(64), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("gold", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        *_child_constraints("documents"),
    )
    op.create_table(
        "observations",
        *_child_columns(),
        sa.Column("local_name", sa.Text(), nullable=False),
        sa.Column("local_code", sa.Text(), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("reference_low", sa.Double(), nullable=True),
        sa.Column("reference_high", sa.Double(), nullable=True),
        sa.Column("reference_text", sa.Text(), nullable=True),
        sa.Column("datetime", sa.String(64), nullable=True),
        sa.Column("codes", sa.JSON(), nullable=False),
        *_child_constraints("observations"),
    )
    op.create_table(
        "medications",
        *_child_columns(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("dosage", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        *_child_constraints("medications"),
    )
    op.create_table(
        "allergies",
        *_child_columns(),
        sa.Column("substance", sa.Text(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("reaction", sa.Text(), nullable=True),
        sa.Column("criticality", sa.Text(), nullable=True),
        *_child_constraints("allergies"),
    )
    op.create_table(
        "conditions",
        *_child_columns(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("clinical_status", sa.Text(), nullable=True),
        sa.Column("onset", sa.Date(), nullable=True),
        sa.Column("abatement", sa.Date(), nullable=True),
        *_child_constraints("conditions"),
    )
    for table in CHILD_TABLES:
        op.create_index(f"ix_{table}_patient_id", table, ["patient_id"])


def downgrade() -> None:
    for table in reversed(CHILD_TABLES):
        op.drop_index(f"ix_{table}_patient_id", table_name=table)
        op.drop_table(table)
    op.drop_table("patients")
