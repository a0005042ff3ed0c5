"""The assessment's workers: partitions of the homes leased to them, and the runs they made.

Revision ID: assess0001
Revises: a5e7c1d20002
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "assess0001"
down_revision: str | None = "a5e7c1d20002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the partition leases, the workers and the runs."""
    op.create_table(
        "assess_partitions",
        sa.Column("partitions", sa.Integer(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("token", sa.Integer(), nullable=False),
        _when("lease_until"),
        _when("assessed_at"),
        _when("assessed_to"),
        sa.PrimaryKeyConstraint("partitions", "partition"),
    )
    op.create_table(
        "assess_workers",
        sa.Column("worker_id", sa.String(128), nullable=False),
        _when("started_at", nullable=False),
        _when("seen_at", nullable=False),
        sa.PrimaryKeyConstraint("worker_id"),
    )
    op.create_table(
        "assess_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partitions", sa.Integer(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        _when("end_hour", nullable=False),
        _when("first_hour", nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("token", sa.Integer(), nullable=False),
        sa.Column("homes", sa.Integer(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        _when("finished_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partitions", "partition", "end_hour"),
    )


def downgrade() -> None:
    """Drop the assessment's worker tables."""
    op.drop_table("assess_runs")
    op.drop_table("assess_workers")
    op.drop_table("assess_partitions")
