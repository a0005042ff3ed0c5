"""`/predictions`: the officer's homes without sensors to look at first, and where the next
sensors would tell most. Through the API's own routes and the one prediction policy."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse

from dampwatch.prediction.words import fact_words
from dampwatch_api.deps import ContextDep, SessionDep
from dampwatch_api.pages.render import PageError, page
from dampwatch_api.pages.session import page_principal
from dampwatch_api.policy import PredictionView, prediction_view
from dampwatch_api.routes.predictions import Kind, ReasonOut, list_predictions, place_sensors

router = APIRouter(include_in_schema=False)
SHOWN: Final = 50
SENSORS: Final = 20
KIND_LABELS: Final = {Kind.DAMP: "Damp and mould", Kind.COLD: "A cold home"}


def chance_words(probability: float) -> str:
    """A chance as a percentage and as 'about 1 in N', which more people read at a glance."""
    percent = round(probability * 100)
    if probability <= 0:
        return "under 1 %"
    one_in = max(1, round(1 / probability))
    return f"{percent} % (about 1 in {one_in})" if one_in > 1 else f"{percent} %"


def _fact(reason: ReasonOut) -> str:
    """The fact behind a reason, and whether it raises or lowers the chance."""
    fact = fact_words(reason.feature, reason.value)
    return fact if reason.contribution > 0 else f"{fact} (lowers it)"


@router.get("/predictions", response_class=HTMLResponse)
def predictions_page(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    kind: Annotated[Kind, Query()] = Kind.DAMP,
) -> HTMLResponse:
    """Homes without sensors ranked by the chance of the hazard this winter, with reasons."""
    principal = page_principal(request, context)
    view = prediction_view(principal)
    if view is not PredictionView.HOMES:
        message = (
            "Predictions are shown by area for analysts: see the region's page."
            if view is PredictionView.AREAS
            else "This page is for housing officers."
        )
        raise PageError(status.HTTP_403_FORBIDDEN, "Not allowed", message)
    values: dict[str, Any] = {"kinds": KIND_LABELS, "kind": kind, "run": None}
    try:
        ranked = list_predictions(principal, session, kind, top=SHOWN, include_monitored=False)
        placed = place_sensors(principal, session, count=SENSORS)
    except HTTPException as error:
        if error.status_code != status.HTTP_404_NOT_FOUND:
            raise
        return page(request, context, "predictions.html", values, principal=principal)
    values.update(
        run=ranked.run,
        homes=[
            (home, chance_words(home.probability), [_fact(reason) for reason in home.reasons])
            for home in ranked.homes
        ],
        placements=[(p, chance_words(p.probability)) for p in placed.placements],
        rule=placed.rule,
    )
    return page(request, context, "predictions.html", values, principal=principal)
