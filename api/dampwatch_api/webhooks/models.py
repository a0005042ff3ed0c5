"""SQL models of webhooks: subscriptions, the transactional outbox, deliveries, the worker lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dampwatch_api.db.base import Base, utc_now


class Subscription(Base):
    """A subscriber's URL and the events it wants; its secret is derived, never stored."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The secret is HMAC(server key, nonce): rotating draws a new nonce; the previous one keeps
    # signing beside it for a grace period so a subscriber can switch without losing events.
    secret_nonce: Mapped[str] = mapped_column(String(64))
    previous_nonce: Mapped[str | None] = mapped_column(String(64))
    rotated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class OutboxEvent(Base):
    """One event, written in the same transaction as the change it reports (exactly once)."""

    __tablename__ = "webhook_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # the idempotency key
    source_key: Mapped[str] = mapped_column(String(120), unique=True)  # the change it reports
    type: Mapped[str] = mapped_column(String(64))
    ordering_key: Mapped[str] = mapped_column(String(80), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    home_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)  # the CloudEvent as sent, identical on every retry
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Delivery(Base):
    """One event to one subscriber: pending until a 2xx answer, dead after its retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_id", "subscription_id"),
        Index("ix_webhook_deliveries_queue", "subscription_id", "status", "ordering_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("webhook_outbox.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    ordering_key: Mapped[str] = mapped_column(String(80))
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    event: Mapped[OutboxEvent] = relationship()
    subscription: Mapped[Subscription] = relationship()


class WorkerLease(Base):
    """Who runs a singleton job now, until when (renewed while it runs)."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
