"""Tables of the assessment's workers: partitions leased to them, who is alive, what was run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dampwatch_api.db.base import Base

WORKER_ID_LENGTH = 128


class AssessPartition(Base):
    """One partition of the homes and its lease: who assesses it until when, and how far."""

    __tablename__ = "assess_partitions"

    partitions: Mapped[int] = mapped_column(Integer, primary_key=True)  # of the split
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(WORKER_ID_LENGTH), nullable=True)
    # Raised at every claim: a worker whose lease was taken over cannot commit (fencing).
    token: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    assessed_at: Mapped[datetime | None]  # wall-clock time of the last committed run
    assessed_to: Mapped[datetime | None]  # the end (exclusive) of the hours it assessed


class AssessWorker(Base):
    """A running `dampwatch assess` process, seen alive at `seen_at`."""

    __tablename__ = "assess_workers"

    worker_id: Mapped[str] = mapped_column(String(WORKER_ID_LENGTH), primary_key=True)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]


class AssessRun(Base):
    """A committed run of one partition: at most one per partition and end hour."""

    __tablename__ = "assess_runs"
    __table_args__ = (UniqueConstraint("partitions", "partition", "end_hour"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partitions: Mapped[int] = mapped_column(Integer)
    partition: Mapped[int] = mapped_column(Integer)
    end_hour: Mapped[datetime]  # exclusive
    first_hour: Mapped[datetime]  # the first new hour
    worker_id: Mapped[str] = mapped_column(String(WORKER_ID_LENGTH))
    token: Mapped[int] = mapped_column(Integer)
    homes: Mapped[int] = mapped_column(Integer)
    rooms: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[datetime]
