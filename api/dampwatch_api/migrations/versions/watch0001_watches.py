"""Watches: rooms whose projection reaches a hazard rule within days, linked to their alert.

Revision ID: watch0001
Revises: a5e7c1d20001
Create Date: 2026-12-06 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "watch0001"
down_revision: str | None = "a5e7c1d20001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("home_id", sa.String(length=64), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("last_crossing_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("lead_hours", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_watches_alert_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watches")),
    )
    op.create_index(op.f("ix_watches_home_id"), "watches", ["home_id"])
    op.create_index(op.f("ix_watches_alert_id"), "watches", ["alert_id"])
    op.create_index(
        "uq_watches_one_open",
        "watches",
        ["home_id", "room", "kind"],
        unique=True,
        sqlite_where=sa.text("cleared_at IS NULL"),
        postgresql_where=sa.text("cleared_at IS NULL"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("uq_watches_one_open", table_name="watches")
    op.drop_index(op.f("ix_watches_alert_id"), table_name="watches")
    op.drop_index(op.f("ix_watches_home_id"), table_name="watches")
    op.drop_table("watches")
