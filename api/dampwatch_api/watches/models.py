"""The `watches` table: one early warning of a room and kind, from opening to clearing or alert."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from dampwatch_api.alerts.models import ID_LENGTH
from dampwatch_api.db.base import Base

OPEN_WATCH_CONDITION = "cleared_at IS NULL"


class Watch(Base):
    """A room heading for a hazard rule: not an alert, no statutory clock; linked to the alert
    that follows it, so the lead time is measured."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    home_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    room: Mapped[str] = mapped_column(String(ID_LENGTH))
    kind: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime]
    expected_at: Mapped[datetime]  # when the projection reaches the rule
    share: Mapped[float] = mapped_column(Float)  # of the scenarios, those that reach it
    words: Mapped[str] = mapped_column(Text)
    last_crossing_at: Mapped[datetime]  # the last projection that reached the rule
    cleared_at: Mapped[datetime | None]  # the projection stopped reaching it, or the alert came
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="SET NULL"), index=True
    )
    lead_hours: Mapped[float | None] = mapped_column(Float)  # alert opened − watch opened

    __table_args__ = (
        Index(
            "uq_watches_one_open",
            "home_id",
            "room",
            "kind",
            unique=True,
            sqlite_where=text(OPEN_WATCH_CONDITION),
            postgresql_where=text(OPEN_WATCH_CONDITION),
        ),
    )
