"""SQL models of the stored predictions (Alembic branch `prediction`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dampwatch_api.db.base import Base, utc_now
from dampwatch_api.registry.models import Home

AREA_CODE_LENGTH = 9  # E01006515


class PredictionRun(Base):
    """One scoring of the register: when, from what, and what it could not learn."""

    __tablename__ = "prediction_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    winter_start: Mapped[datetime]
    homes: Mapped[int] = mapped_column(default=0)
    # Per kind: monitored homes, hazards among them, calibration method, or why not trained.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Prediction(Base):
    """A home's calibrated chance of one hazard kind this winter, its rank and its reasons."""

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("run_pk", "home_pk", "kind"),
        Index("ix_predictions_run_kind_rank", "run_pk", "kind", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("prediction_runs.id", ondelete="CASCADE"))
    home_pk: Mapped[int] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # damp | cold
    probability: Mapped[float] = mapped_column(Float)
    rank: Mapped[int]  # 1 is the highest probability in the whole register
    monitored: Mapped[bool]  # its own outcome trained the model
    lsoa: Mapped[str | None] = mapped_column(String(AREA_CODE_LENGTH))
    msoa: Mapped[str | None] = mapped_column(String(AREA_CODE_LENGTH), index=True)
    # [{"feature", "value", "contribution", "text"}], the largest raise first.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    home: Mapped[Home] = relationship()
