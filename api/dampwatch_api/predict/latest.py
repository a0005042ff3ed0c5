"""The stored run the routes answer from (no model code: the API never loads LightGBM)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.predict.models import PredictionRun


def latest_run(session: Session) -> PredictionRun | None:
    """The newest finished run, if any."""
    return session.scalar(
        select(PredictionRun)
        .where(PredictionRun.finished_at.is_not(None))
        .order_by(PredictionRun.id.desc())
        .limit(1)
    )
