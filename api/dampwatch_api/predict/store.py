"""Score the register and store the run: every home's probability, rank and reasons per kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from dampwatch.prediction.features import HomeRow
from dampwatch.prediction.model import TrainingError
from dampwatch.prediction.register import KINDS, KindScores, predict_kind
from dampwatch_api.predict.models import Prediction, PredictionRun

BATCH = 5000


def _summary(scored: KindScores) -> dict[str, Any]:
    model = scored.model
    return {
        "monitored": model.trained_on,
        "hazards": model.positives,
        "calibration": model.calibrated.method,
        "prior_lsoa": round(model.areas.lsoa_prior, 2),
        "prior_msoa": round(model.areas.msoa_prior, 2),
    }


def _rows_of(
    run: PredictionRun, scored: KindScores, rows: Sequence[HomeRow], home_pks: Mapping[str, int]
) -> list[dict[str, Any]]:
    ranks = scored.rank()
    return [
        {
            "run_pk": run.id,
            "home_pk": home_pks[row.home_id],
            "kind": scored.kind,
            "probability": float(scored.scores.probability[i]),
            "rank": int(ranks[i]),
            "monitored": bool(scored.monitored[i]),
            "lsoa": row.lsoa,
            "msoa": row.msoa,
            "reasons": [
                {
                    "feature": reason.feature,
                    "value": reason.value,
                    "contribution": round(reason.contribution, 4),
                    "text": reason.text,
                }
                for reason in scored.reasons_of(i)
            ],
        }
        for i, row in enumerate(rows)
    ]


def store_run(
    session: Session,
    rows: Sequence[HomeRow],
    home_pks: Mapping[str, int],
    outcomes: Mapping[str, Mapping[str, bool]],
    winter_start: datetime,
    *,
    seed: int = 0,
) -> PredictionRun:
    """Train each kind, store every home's prediction, then forget older runs (one transaction).

    A kind the monitored homes cannot teach (too few of an outcome) is recorded in the run's
    summary with the reason and stores no predictions; the other kind still does.
    """
    run = PredictionRun(winter_start=winter_start, homes=len(rows), summary={})
    session.add(run)
    session.flush()
    summary: dict[str, Any] = {}
    for kind in KINDS:
        try:
            scored = predict_kind(rows, outcomes.get(kind, {}), kind, seed)
        except TrainingError as error:
            summary[kind] = {"error": str(error)}
            continue
        summary[kind] = _summary(scored)
        values = _rows_of(run, scored, rows, home_pks)
        for start in range(0, len(values), BATCH):
            session.execute(insert(Prediction), values[start : start + BATCH])
    run.summary = summary
    run.finished_at = datetime.now(UTC)
    older = select(PredictionRun.id).where(PredictionRun.id != run.id)
    session.execute(delete(Prediction).where(Prediction.run_pk.in_(older)))
    session.execute(delete(PredictionRun).where(PredictionRun.id != run.id))
    return run
