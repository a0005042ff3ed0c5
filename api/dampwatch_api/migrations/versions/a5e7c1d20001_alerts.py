"""Alerts, their audit trail and notes, and the assessment job's room and device state.

Revision ID: a5e7c1d20001
Revises:
Create Date: 2025-11-22 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a5e7c1d20001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("alerts",)
depends_on: Sequence[str] | None = None

OPEN_ALERT_CONDITION = sa.text("status != 'resolved'")


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the alert tables and the one-open-alert index."""
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("home_id", sa.String(64), nullable=False),
        sa.Column("room", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("opened_at", nullable=False),
        _when("condition_since", nullable=False),
        _when("last_seen_at", nullable=False),
        _when("updated_at", nullable=False),
        _when("acknowledged_at"),
        sa.Column("acknowledged_by", sa.String(128), nullable=True),
        sa.Column("assigned_to", sa.String(128), nullable=True),
        _when("investigated_at"),
        sa.Column("investigated_by", sa.String(128), nullable=True),
        _when("summary_sent_at"),
        _when("resolved_at"),
        sa.Column("resolved_by", sa.String(128), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("hazard_level", sa.String(16), nullable=True),
        _when("due_by"),
        _when("summary_due_by"),
        sa.Column("evidence", sa.JSON(), nullable=False),
        _when("clear_candidate_since"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_home_id"), "alerts", ["home_id"])
    op.create_index(op.f("ix_alerts_status"), "alerts", ["status"])
    op.create_index(
        "uq_alerts_one_open",
        "alerts",
        ["home_id", "room", "kind", "subject"],
        unique=True,
        sqlite_where=OPEN_ALERT_CONDITION,
        postgresql_where=OPEN_ALERT_CONDITION,
    )
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        _when("at", nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("exported", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_events_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
    )
    op.create_index(op.f("ix_alert_events_alert_id"), "alert_events", ["alert_id"])
    op.create_index(op.f("ix_alert_events_exported"), "alert_events", ["exported"])
    op.create_table(
        "alert_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        _when("at", nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_notes_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_notes")),
    )
    op.create_index(op.f("ix_alert_notes_alert_id"), "alert_notes", ["alert_id"])
    op.create_table(
        "assess_room_state",
        sa.Column("home_id", sa.String(64), nullable=False),
        sa.Column("room", sa.String(64), nullable=False),
        _when("last_hour", nullable=False),
        sa.Column("mould_index", sa.Float(), nullable=False),
        sa.Column("mould_dry_hours", sa.Integer(), nullable=False),
        sa.Column("history", sa.LargeBinary(), nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("home_id", "room", name=op.f("pk_assess_room_state")),
    )
    op.create_table(
        "assess_device_state",
        sa.Column("home_id", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("room", sa.String(64), nullable=False),
        _when("last_seen_at"),
        sa.Column("last_seq", sa.Integer(), nullable=True),
        sa.Column("battery_pct", sa.Float(), nullable=True),
        sa.Column("seq_gaps", sa.JSON(), nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("home_id", "device_id", name=op.f("pk_assess_device_state")),
    )


def downgrade() -> None:
    """Drop the alert tables."""
    op.drop_table("assess_device_state")
    op.drop_table("assess_room_state")
    op.drop_index(op.f("ix_alert_notes_alert_id"), table_name="alert_notes")
    op.drop_table("alert_notes")
    op.drop_index(op.f("ix_alert_events_exported"), table_name="alert_events")
    op.drop_index(op.f("ix_alert_events_alert_id"), table_name="alert_events")
    op.drop_table("alert_events")
    op.drop_index("uq_alerts_one_open", table_name="alerts")
    op.drop_index(op.f("ix_alerts_status"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_home_id"), table_name="alerts")
    op.drop_table("alerts")
