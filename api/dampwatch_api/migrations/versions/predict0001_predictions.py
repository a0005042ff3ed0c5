"""Predictions: each scoring run of the register and every home's risk, rank and reasons.

Revision ID: predict0001
Revises: (none)
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "predict0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("prediction",)
depends_on: Sequence[str] | None = ("reg0001",)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "prediction_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("winter_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("homes", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prediction_runs")),
    )
    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("home_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("monitored", sa.Boolean(), nullable=False),
        sa.Column("lsoa", sa.String(length=9), nullable=True),
        sa.Column("msoa", sa.String(length=9), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_pk"],
            ["prediction_runs.id"],
            name=op.f("fk_predictions_run_pk_prediction_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["home_pk"], ["homes.id"], name=op.f("fk_predictions_home_pk_homes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictions")),
        sa.UniqueConstraint(
            "run_pk", "home_pk", "kind", name=op.f("uq_predictions_run_pk_home_pk_kind")
        ),
    )
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_predictions_home_pk"), ["home_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_predictions_msoa"), ["msoa"], unique=False)
        batch_op.create_index("ix_predictions_run_kind_rank", ["run_pk", "kind", "rank"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("predictions")
    op.drop_table("prediction_runs")
