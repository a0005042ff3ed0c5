"""Places and stock facts: each home's census areas and deprivation, its building's facts, and
the tenants' choice about statistics (a consent purpose of its own, counted unless opted out).

Revision ID: places0001
Revises: reg0001
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "places0001"
down_revision: str | None = "reg0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "home_places",
        sa.Column("home_pk", sa.Integer(), nullable=False),
        sa.Column("postcode", sa.String(length=16), nullable=False),
        sa.Column("oa", sa.String(length=9), nullable=True),
        sa.Column("lsoa", sa.String(length=9), nullable=True),
        sa.Column("msoa", sa.String(length=9), nullable=True),
        sa.Column("lad", sa.String(length=9), nullable=True),
        sa.Column("lad_name", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("unresolved_reason", sa.String(length=100), nullable=True),
        sa.Column("imd_decile", sa.Integer(), nullable=True),
        sa.Column("living_environment_decile", sa.Integer(), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_pk"],
            ["homes.id"],
            name=op.f("fk_home_places_home_pk_homes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("home_pk", name=op.f("pk_home_places")),
    )
    with op.batch_alter_table("home_places", schema=None) as batch_op:
        for column in ("lsoa", "msoa", "lad"):
            batch_op.create_index(batch_op.f(f"ix_home_places_{column}"), [column], unique=False)
    op.create_table(
        "stock_facts",
        sa.Column("home_pk", sa.Integer(), nullable=False),
        sa.Column("energy_band", sa.String(length=1), nullable=True),
        sa.Column("property_type", sa.String(length=20), nullable=True),
        sa.Column("built_form", sa.String(length=30), nullable=True),
        sa.Column("age_band", sa.String(length=20), nullable=True),
        sa.Column("wall_type", sa.String(length=30), nullable=True),
        sa.Column("main_heating", sa.String(length=30), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_pk"],
            ["homes.id"],
            name=op.f("fk_stock_facts_home_pk_homes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("home_pk", name=op.f("pk_stock_facts")),
    )
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("statistics", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=20), nullable=False, server_default="monitoring")
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_column("purpose")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("statistics")
    op.drop_table("stock_facts")
    with op.batch_alter_table("home_places", schema=None) as batch_op:
        for column in ("lad", "msoa", "lsoa"):
            batch_op.drop_index(batch_op.f(f"ix_home_places_{column}"))
    op.drop_table("home_places")
