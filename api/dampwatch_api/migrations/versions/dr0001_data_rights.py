"""Data rights: the audit record of each erasure (no personal data).

Revision ID: dr0001
Revises: (none)
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dr0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("data_rights",)
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "erasure_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("home_id", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_by", sa.String(length=200), nullable=False),
        sa.Column("tenancies", sa.Integer(), nullable=False),
        sa.Column("users_deleted", sa.Integer(), nullable=False),
        sa.Column("notes_deleted", sa.Integer(), nullable=False),
        sa.Column("influx", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_records")),
    )
    with op.batch_alter_table("erasure_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_records_home_id"), ["home_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("erasure_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_records_home_id"))
    op.drop_table("erasure_records")
