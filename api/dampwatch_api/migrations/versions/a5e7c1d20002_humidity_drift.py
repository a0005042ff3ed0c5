"""The assessment job remembers each sensor's night-time humidity gaps (humidity drift).

Revision ID: a5e7c1d20002
Revises: a5e7c1d20001
Create Date: 2026-11-22 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a5e7c1d20002"
down_revision: str | None = "a5e7c1d20001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    """Add the humidity drift state of each device."""
    with op.batch_alter_table("assess_device_state") as batch:
        batch.add_column(sa.Column("humidity_drift", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop the humidity drift state."""
    with op.batch_alter_table("assess_device_state") as batch:
        batch.drop_column("humidity_drift")
