"""Data rights: export everything held about a home, erase its personal data, refuse readings
of a home whose tenant withdrew consent."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from dampwatch.influx import InfluxQL
from dampwatch_api import erasure, export
from dampwatch_api.auth.principal import Principal
from dampwatch_api.deps import ContextDep, HomeAdminister, HomeConsent, SessionDep, SignedIn
from dampwatch_api.registry.models import Home
from dampwatch_api.registry.publish import home_consents

router = APIRouter(prefix="/v1/homes/{home_id}", tags=["data rights"])
CONSENT_WITHDRAWN: Final = (
    "the tenant has withdrawn consent: readings of this home are neither stored nor shown"
)


class ErasureOut(BaseModel):
    """What an erasure removed; the audit record's id."""

    home_id: str
    record_id: int
    tenancies_scrubbed: int
    users_deleted: int
    notes_deleted: int
    influx: str


def require_consent(home: Home) -> None:
    """Refuse with 451 when a tenant of the home has withdrawn consent."""
    if not home_consents(home):
        raise HTTPException(status.HTTP_451_UNAVAILABLE_FOR_LEGAL_REASONS, CONSENT_WITHDRAWN)


def export_response(
    session: Session,
    influx: InfluxQL,
    home: Home,
    fmt: Literal["json", "csv"],
    principal: Principal,
) -> Response:
    """The export as a download, as much as `principal` may see: JSON, or a ZIP of CSV files."""
    stem = f"dampwatch-{home.home_id}"
    if fmt == "csv":
        return Response(
            export.csv_zip(session, influx, home, principal),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{stem}-csv.zip"'},
        )
    return StreamingResponse(
        export.json_chunks(session, influx, home, principal),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{stem}.json"'},
    )


@router.get(
    "/export",
    responses={200: {"content": {"application/json": {}, "application/zip": {}}}},
    response_class=Response,
)
def export_home(
    home: HomeConsent,
    principal: SignedIn,
    session: SessionDep,
    context: ContextDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    """Everything held about the home: registry, tenancies and consent, alerts, every reading."""
    return export_response(session, context.influx, home, format, principal)


@router.delete("/data", response_model=ErasureOut)
def erase_home(
    home: HomeAdminister, principal: SignedIn, session: SessionDep, context: ContextDep
) -> ErasureOut:
    """Withdraw consent, drop the home's series, scrub tenants' personal data; keep an audit."""
    home_id = home.home_id
    counts = erasure.erase_sql(session, home)
    session.commit()
    context.registry.publish_home(home_id)
    influx = erasure.drop_series(context.influx, context.settings, home_id)
    outcome = erasure.record_erasure(session, home_id, principal.name, counts, influx)
    return ErasureOut(
        home_id=home_id,
        record_id=outcome.record_id,
        tenancies_scrubbed=outcome.tenancies,
        users_deleted=outcome.users_deleted,
        notes_deleted=outcome.notes_deleted,
        influx=outcome.influx,
    )
