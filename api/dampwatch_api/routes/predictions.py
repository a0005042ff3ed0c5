"""Predicted risk for homes without sensors: the ranked homes, the next sensors, area totals.

Officers see the homes of their portfolios (admins all), analysts area totals only, tenants
nothing: `policy.prediction_view` and `policy.prediction_homes` decide, the guards enforce.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final

import numpy as np
from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.opendata.disclosure import Control
from dampwatch.prediction import placement
from dampwatch_api.deps import PredictionAreas, PredictionHomes, SessionDep
from dampwatch_api.policy import prediction_homes
from dampwatch_api.predict.latest import latest_run
from dampwatch_api.predict.models import Prediction, PredictionRun
from dampwatch_api.registry.models import Home

router = APIRouter(prefix="/v1/predictions", tags=["predictions"])
# An area total over fewer homes than the open data's threshold would all but show each home's
# risk: withheld, as the published tables withhold small counts.
MIN_AREA_HOMES: Final = Control().threshold
PLACEMENT_RULE: Final = (
    "Among homes without sensors, repeatedly take the one with the highest "
    "p / sqrt(1 + sensors in its MSOA), p its chance of damp or cold, counting the sensors this "
    "plan has already placed: risk leads, and sensors spread to areas the model knows least."
)


class Kind(StrEnum):
    """The hazard a prediction is about."""

    DAMP = "damp"
    COLD = "cold"


class AreaLevel(StrEnum):
    """The areas totals are given for."""

    LSOA = "lsoa"
    MSOA = "msoa"


class RunOut(BaseModel):
    """The scoring run the answer comes from."""

    finished_at: datetime | None
    winter_start: datetime
    homes: int
    summary: dict[str, object]


class ReasonOut(BaseModel):
    """One reason in words, with the feature's contribution to the log-odds."""

    feature: str
    value: str | None
    contribution: float
    text: str


class HomePredictionOut(BaseModel):
    """A home's chance of the hazard this winter, its rank among the caller's homes, why."""

    rank: int
    home_id: str
    address: str
    postcode: str
    portfolio: str
    probability: float
    monitored: bool
    lsoa: str | None
    msoa: str | None
    reasons: list[ReasonOut]


class PredictionsOut(BaseModel):
    """The caller's homes by predicted risk, highest first."""

    kind: Kind
    run: RunOut
    homes: list[HomePredictionOut]


class PlacementOut(BaseModel):
    """A home chosen for the next sensor, in the order chosen."""

    rank: int
    home_id: str
    address: str
    msoa: str
    probability: float
    area_sensors_before: int
    priority: float


class PlacementsOut(BaseModel):
    """Where to place the next sensors among the caller's homes, and the rule that chose."""

    rule: str
    run: RunOut
    placements: list[PlacementOut]


class AreaOut(BaseModel):
    """Predicted hazards in one area, over the homes the caller may count."""

    area_code: str
    homes: int
    expected_homes_with_hazard: float
    mean_probability: float


class AreasOut(BaseModel):
    """Area totals; areas with fewer than `min_homes` homes are withheld and counted."""

    kind: Kind
    level: AreaLevel
    min_homes: int
    withheld_areas: int
    run: RunOut
    areas: list[AreaOut]


def _run(session: Session) -> PredictionRun:
    run = latest_run(session)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no predictions yet: run dampwatch predict")
    return run


def _run_out(run: PredictionRun) -> RunOut:
    return RunOut(
        finished_at=run.finished_at,
        winter_start=run.winter_start,
        homes=run.homes,
        summary=dict(run.summary),
    )


@router.get("")
def list_predictions(
    principal: PredictionHomes,
    session: SessionDep,
    kind: Kind = Kind.DAMP,
    top: Annotated[int, Query(ge=1, le=1000)] = 50,
    include_monitored: bool = False,
) -> PredictionsOut:
    """The caller's homes most likely to have the hazard this winter, with reasons in words
    ("homes to visit first"); homes with sensors only when asked, as their alerts speak."""
    run = _run(session)
    query = (
        select(Prediction, Home)
        .join(Home, Home.id == Prediction.home_pk)
        .where(Prediction.run_pk == run.id, Prediction.kind == kind.value)
        .where(prediction_homes(principal))
        .order_by(Prediction.rank, Home.home_id)
        .limit(top)
    )
    if not include_monitored:
        query = query.where(Prediction.monitored.is_(False))
    homes = [
        HomePredictionOut(
            rank=number,
            home_id=home.home_id,
            address=home.address,
            postcode=home.postcode,
            portfolio=home.portfolio,
            probability=round(prediction.probability, 4),
            monitored=prediction.monitored,
            lsoa=prediction.lsoa,
            msoa=prediction.msoa,
            reasons=[ReasonOut(**reason) for reason in prediction.reasons],
        )
        for number, (prediction, home) in enumerate(session.execute(query), start=1)
    ]
    return PredictionsOut(kind=kind, run=_run_out(run), homes=homes)


@router.get("/placement")
def place_sensors(
    principal: PredictionHomes,
    session: SessionDep,
    count: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> PlacementsOut:
    """Where to place the next `count` sensors among the caller's homes without one."""
    run = _run(session)
    sensors: dict[str, int] = {}
    for msoa in session.scalars(
        select(Prediction.msoa).where(
            Prediction.run_pk == run.id, Prediction.kind == Kind.DAMP, Prediction.monitored
        )
    ):
        sensors[msoa or placement.NO_AREA] = sensors.get(msoa or placement.NO_AREA, 0) + 1
    chances: dict[str, dict[str, float]] = {}
    details: dict[str, tuple[str, str | None]] = {}
    query = (
        select(Prediction, Home)
        .join(Home, Home.id == Prediction.home_pk)
        .where(Prediction.run_pk == run.id, Prediction.monitored.is_(False))
        .where(prediction_homes(principal))
    )
    for prediction, home in session.execute(query):
        chances.setdefault(home.home_id, {})[prediction.kind] = prediction.probability
        details[home.home_id] = (home.address, prediction.msoa)
    home_ids = sorted(chances)
    either = placement.either_hazard(
        np.array([chances[h].get("damp", 0.0) for h in home_ids]),
        np.array([chances[h].get("cold", 0.0) for h in home_ids]),
    )
    plan = placement.place_sensors(
        home_ids, [details[h][1] for h in home_ids], either, sensors, count
    )
    return PlacementsOut(
        rule=PLACEMENT_RULE,
        run=_run_out(run),
        placements=[
            PlacementOut(
                rank=p.rank,
                home_id=p.home_id,
                address=details[p.home_id][0],
                msoa=p.area,
                probability=round(p.probability, 4),
                area_sensors_before=p.area_sensors_before,
                priority=round(p.priority, 4),
            )
            for p in plan
        ],
    )


@router.get("/areas")
def area_predictions(
    principal: PredictionAreas,
    session: SessionDep,
    kind: Kind = Kind.DAMP,
    level: AreaLevel = AreaLevel.MSOA,
) -> AreasOut:
    """Expected homes with the hazard per area, over the homes the caller may count."""
    run = _run(session)
    column = Prediction.msoa if level is AreaLevel.MSOA else Prediction.lsoa
    query = (
        select(column, Prediction.probability)
        .join(Home, Home.id == Prediction.home_pk)
        .where(Prediction.run_pk == run.id, Prediction.kind == kind.value)
        .where(column.is_not(None), prediction_homes(principal))
    )
    totals: dict[str, list[float]] = {}
    for area, probability in session.execute(query):
        totals.setdefault(area or "", []).append(probability)
    shown = {area: values for area, values in totals.items() if len(values) >= MIN_AREA_HOMES}
    areas = [
        AreaOut(
            area_code=area,
            homes=len(values),
            expected_homes_with_hazard=round(sum(values), 1),
            mean_probability=round(sum(values) / len(values), 4),
        )
        for area, values in sorted(shown.items(), key=lambda item: -sum(item[1]))
    ]
    return AreasOut(
        kind=kind,
        level=level,
        min_homes=MIN_AREA_HOMES,
        withheld_areas=len(totals) - len(shown),
        run=_run_out(run),
        areas=areas,
    )
