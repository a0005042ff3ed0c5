"""Casework and webhooks: cases, their alerts, steps and duties; subscriptions, outbox, deliveries.

Alert events recorded before this revision count as already sent to subscribers (`relayed`):
there were none.

Revision ID: casework0001
Revises: a5e7c1d20002
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "casework0001"
down_revision: str | None = "a5e7c1d20002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

PENDING_CASE_CONDITION = sa.text("status = 'open' AND investigated_at IS NULL")
NAME = 128


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _case_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("home_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=True),
        _when("opened_at", nullable=False),
        _when("aware_at"),
        _when("emergency_aware_at"),
        sa.Column("assigned_to", sa.String(NAME), nullable=True),
        sa.Column("escalated_to", sa.String(NAME), nullable=True),
        _when("escalated_at"),
        _when("investigated_at"),
        sa.Column("investigated_by", sa.String(NAME), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("cause", sa.String(16), nullable=True),
        sa.Column("further_work", sa.Boolean(), nullable=True),
        _when("summary_sent_at"),
        _when("made_safe_at"),
        _when("cannot_make_safe_at"),
        _when("accommodation_offered_at"),
        _when("preventative_steps_at"),
        _when("preventative_started_at"),
        _when("work_completed_at"),
        _when("closed_at"),
        sa.Column("closed_by", sa.String(NAME), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        _when("updated_at", nullable=False),
    ]


def _case_child(name: str, *columns: sa.Column[object] | sa.Constraint) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f(f"fk_{name}_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_case_id"), name, ["case_id"])


def _cases() -> None:
    op.create_table("cases", *_case_columns(), sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")))
    op.create_index(op.f("ix_cases_home_id"), "cases", ["home_id"])
    op.create_index(op.f("ix_cases_status"), "cases", ["status"])
    op.create_index(
        "uq_cases_one_pending_per_home",
        "cases",
        ["home_id"],
        unique=True,
        sqlite_where=PENDING_CASE_CONDITION,
        postgresql_where=PENDING_CASE_CONDITION,
    )
    _case_child(
        "case_alerts",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _when("added_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_case_alerts_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("alert_id", name=op.f("uq_case_alerts_alert_id")),
    )
    _case_child(
        "case_steps",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _when("at", nullable=False),
        _when("recorded_at", nullable=False),
        sa.Column("recorded_by", sa.String(NAME), nullable=False),
        sa.Column("actor", sa.String(NAME), nullable=False),
        sa.Column("duty", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_case_steps_case_id_seq")),
    )
    _case_child(
        "case_duties",
        sa.Column("duty", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("due_by"),
        _when("done_at"),
        _when("overdue_since"),
        _when("updated_at", nullable=False),
        sa.UniqueConstraint("case_id", "duty", name=op.f("uq_case_duties_case_id_duty")),
    )
    op.create_index(op.f("ix_case_duties_status"), "case_duties", ["status"])


def _webhooks() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("secret_nonce", sa.String(64), nullable=False),
        sa.Column("previous_nonce", sa.String(64), nullable=True),
        _when("rotated_at"),
        _when("created_at", nullable=False),
        sa.Column("created_by", sa.String(NAME), nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("source_key", sa.String(120), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("ordering_key", sa.String(80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("home_id", sa.String(64), nullable=True),
        _when("occurred_at", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fanned_out", sa.Boolean(), nullable=False),
        _when("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_webhook_outbox_event_id")),
        sa.UniqueConstraint("source_key", name=op.f("uq_webhook_outbox_source_key")),
    )
    op.create_index(op.f("ix_webhook_outbox_fanned_out"), "webhook_outbox", ["fanned_out"])
    op.create_index(op.f("ix_webhook_outbox_ordering_key"), "webhook_outbox", ["ordering_key"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("ordering_key", sa.String(80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", nullable=False),
        _when("last_attempt_at"),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        _when("delivered_at"),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["webhook_outbox.id"],
            name=op.f("fk_webhook_deliveries_outbox_id_webhook_outbox"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "outbox_id",
            "subscription_id",
            name=op.f("uq_webhook_deliveries_outbox_id_subscription_id"),
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_queue",
        "webhook_deliveries",
        ["subscription_id", "status", "ordering_key"],
    )
    op.create_index(op.f("ix_webhook_deliveries_status"), "webhook_deliveries", ["status"])
    op.create_table(
        "worker_leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        _when("expires_at", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_leases")),
    )


def upgrade() -> None:
    """Create the casework and webhook tables; mark earlier alert events as relayed."""
    _cases()
    _webhooks()
    with op.batch_alter_table("alert_events") as batch:
        batch.add_column(
            sa.Column("relayed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("alert_events") as batch:
        batch.alter_column("relayed", server_default=None)
        batch.create_index(batch.f("ix_alert_events_relayed"), ["relayed"])


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("alert_events") as batch:
        batch.drop_index(batch.f("ix_alert_events_relayed"))
        batch.drop_column("relayed")
    for table in (
        "worker_leases",
        "webhook_deliveries",
        "webhook_outbox",
        "webhook_subscriptions",
        "case_duties",
        "case_steps",
        "case_alerts",
        "cases",
    ):
        op.drop_table(table)
