"""SQL models of alerts, their audit trail and notes, and the assessment job's per-room state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dampwatch_api.db.base import Base, utc_now

ID_LENGTH = 64
# The alert that may be open only once per home, room, kind and subject.
OPEN_ALERT_CONDITION = "status != 'resolved'"


class Alert(Base):
    """One flagged condition of a home (and room, or device), from opening to resolution."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    home_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    room: Mapped[str] = mapped_column(String(ID_LENGTH), default="")  # "" for the whole home
    subject: Mapped[str] = mapped_column(String(ID_LENGTH), default="")  # a device id, or ""
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utc_now)
    condition_since: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    assigned_to: Mapped[str | None] = mapped_column(String(128))
    investigated_at: Mapped[datetime | None]
    investigated_by: Mapped[str | None] = mapped_column(String(128))
    summary_sent_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(Text)
    hazard_level: Mapped[str | None] = mapped_column(String(16))
    due_by: Mapped[datetime | None]
    summary_due_by: Mapped[datetime | None]
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    clear_candidate_since: Mapped[datetime | None]

    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", order_by="AlertEvent.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[AlertNote]] = relationship(
        back_populates="alert", order_by="AlertNote.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index(
            "uq_alerts_one_open",
            "home_id",
            "room",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text(OPEN_ALERT_CONDITION),
            postgresql_where=text(OPEN_ALERT_CONDITION),
        ),
    )


class AlertEvent(Base):
    """One change of an alert: who, when, what (the audit trail)."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # the alert's status after the change
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set once the assessment job has written the change to InfluxDB's `alert` measurement.
    exported: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Set once the casework worker has sent the change to webhook subscribers (its outbox).
    relayed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    alert: Mapped[Alert] = relationship(back_populates="events")


class AlertNote(Base):
    """A free-text note an officer added to an alert."""

    __tablename__ = "alert_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    author: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)

    alert: Mapped[Alert] = relationship(back_populates="notes")


class RoomAssessmentState(Base):
    """What the assessment job remembers of a room between cycles."""

    __tablename__ = "assess_room_state"

    home_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    room: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    last_hour: Mapped[datetime]  # start of the last hour processed
    mould_index: Mapped[float] = mapped_column(Float, default=0.0)
    mould_dry_hours: Mapped[int] = mapped_column(Integer, default=0)
    # Packed hourly arrays ending at last_hour (see dampwatch_api.assess.state).
    history: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class DeviceAssessmentState(Base):
    """What the assessment job remembers of a device between cycles."""

    __tablename__ = "assess_device_state"

    home_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    room: Mapped[str] = mapped_column(String(ID_LENGTH), default="")
    last_seen_at: Mapped[datetime | None]
    last_seq: Mapped[int | None] = mapped_column(Integer)
    battery_pct: Mapped[float | None] = mapped_column(Float)
    # Sequence gaps per hour over the last 7 days: {"<hour epoch s>": gaps}.
    seq_gaps: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Humidity drift (dampwatch.assessment.drift): the last nights' vapour gaps to the home's
    # other sensors and a drift under way: {"first_night", "nights", "since", "baseline_hpa"}.
    humidity_drift: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
