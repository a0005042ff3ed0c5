"""SQL models of cases: a home's related alerts, the steps taken, the duties and their deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dampwatch.casework.scope import case_reference
from dampwatch_api.db.base import Base, utc_now

ID_LENGTH = 64
NAME_LENGTH = 128
# At most one open case per home waits for its investigation: the home's flags join it.
PENDING_CASE_CONDITION = "status = 'open' AND investigated_at IS NULL"


class Case(Base):
    """One visit's worth of a home's hazard flags, from awareness to closing."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    home_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    level: Mapped[str | None] = mapped_column(String(16))  # emergency, significant, or no clock
    opened_at: Mapped[datetime] = mapped_column(default=utc_now)
    aware_at: Mapped[datetime | None]  # first flag under the statutory clock
    emergency_aware_at: Mapped[datetime | None]
    assigned_to: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    escalated_to: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    escalated_at: Mapped[datetime | None]
    # The facts the duties are computed from; each is set by the step that records it.
    investigated_at: Mapped[datetime | None]
    investigated_by: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    outcome: Mapped[str | None] = mapped_column(String(16))
    cause: Mapped[str | None] = mapped_column(String(16))
    further_work: Mapped[bool | None] = mapped_column(Boolean)
    summary_sent_at: Mapped[datetime | None]
    made_safe_at: Mapped[datetime | None]
    cannot_make_safe_at: Mapped[datetime | None]
    accommodation_offered_at: Mapped[datetime | None]
    preventative_steps_at: Mapped[datetime | None]
    preventative_started_at: Mapped[datetime | None]
    work_completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    close_reason: Mapped[str | None] = mapped_column(Text)
    # Numbers the case's webhook events, so subscribers can keep them in order.
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)

    links: Mapped[list[CaseAlert]] = relationship(
        back_populates="case", order_by="CaseAlert.id", cascade="all, delete-orphan"
    )
    steps: Mapped[list[CaseStep]] = relationship(
        back_populates="case", order_by="CaseStep.seq", cascade="all, delete-orphan"
    )
    duties: Mapped[list[CaseDuty]] = relationship(
        back_populates="case", order_by="CaseDuty.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index(
            "uq_cases_one_pending_per_home",
            "home_id",
            unique=True,
            sqlite_where=text(PENDING_CASE_CONDITION),
            postgresql_where=text(PENDING_CASE_CONDITION),
        ),
    )

    @property
    def reference(self) -> str:
        """The case's reference as officers and tenants quote it."""
        return case_reference(self.id)


class CaseAlert(Base):
    """An alert grouped into a case (an alert belongs to one case at most)."""

    __tablename__ = "case_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), unique=True)
    room: Mapped[str] = mapped_column(String(ID_LENGTH), default="")
    kind: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(default=utc_now)

    case: Mapped[Case] = relationship(back_populates="links")


class CaseStep(Base):
    """One thing done on a case: who did it, when, with what evidence (append-only)."""

    __tablename__ = "case_steps"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]  # when it happened
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    recorded_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    actor: Mapped[str] = mapped_column(String(NAME_LENGTH))  # who did it
    duty: Mapped[str | None] = mapped_column(String(32))  # reasonable endeavours: which deadline
    reason: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)  # references to documents
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="steps")


class CaseDuty(Base):
    """A duty's last computed state, kept so changes notify once and feeds can read it."""

    __tablename__ = "case_duties"
    __table_args__ = (UniqueConstraint("case_id", "duty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    duty: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    due_by: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    overdue_since: Mapped[datetime | None]  # set once, when the overdue event was sent
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)

    case: Mapped[Case] = relationship(back_populates="duties")
