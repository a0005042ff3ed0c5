"""Routes of places and stock facts: import a stock CSV; read a home's place and facts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from dampwatch.stockfacts import STOCK_COLUMNS
from dampwatch_api.deps import HomeManage, SessionDep, StockImporter
from dampwatch_api.places.models import HomePlace, HomeStockFacts
from dampwatch_api.places.stock import import_stock
from dampwatch_api.policy import Action, may
from dampwatch_api.registry.models import Home

router = APIRouter(tags=["places"])

# The body is the CSV itself; a form upload (`multipart/form-data`, field `file`) works too.
CSV_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": "A stock CSV with the columns "
        + ", ".join(STOCK_COLUMNS)
        + "; or a form upload with the CSV in the field `file`",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


class RowErrorOut(BaseModel):
    """One refused cell or row: its row (the header is row 1), field, value and why."""

    row: int
    field: str
    value: str
    message: str


class StockImportOut(BaseModel):
    """What an import stored and what it refused."""

    stored: int
    refused_rows: int
    errors: list[RowErrorOut]


class PlaceOut(BaseModel):
    """A home's census areas and deprivation deciles, or why its postcode has no place."""

    model_config = ConfigDict(from_attributes=True)

    postcode: str
    oa: str | None
    lsoa: str | None
    msoa: str | None
    lad: str | None
    lad_name: str | None
    source: str | None
    unresolved_reason: str | None
    imd_decile: int | None
    living_environment_decile: int | None
    placed_at: datetime


class StockFactsOut(BaseModel):
    """A home's stock facts; null is unknown."""

    model_config = ConfigDict(from_attributes=True)

    energy_band: str | None
    property_type: str | None
    built_form: str | None
    age_band: str | None
    wall_type: str | None
    main_heating: str | None
    floor_area_m2: float | None
    imported_at: datetime
    imported_by: str


async def _csv_text(request: Request) -> str:
    """The CSV sent as the body, or as the `file` field of a form upload."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "send the CSV as the field 'file'")
        raw = await upload.read()
    else:
        raw = await request.body()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the CSV must be UTF-8 text") from error


@router.post("/v1/stock-facts", response_model=StockImportOut, openapi_extra=CSV_BODY)
async def import_stock_facts(
    request: Request, principal: StockImporter, session: SessionDep
) -> dict[str, object]:
    """Import stock facts: valid rows of homes the caller manages are stored, the rest named."""
    text = await _csv_text(request)
    report = await run_in_threadpool(
        import_stock, session, text, principal.name, lambda h: may(principal, h, Action.MANAGE)
    )
    return report.as_json()


def place_or_none(home: Home, session: Session) -> HomePlace | None:
    """The home's place, None before it is placed (for a page that has its guarded home)."""
    return session.get(HomePlace, home.id)


def stock_facts_or_none(home: Home, session: Session) -> HomeStockFacts | None:
    """The home's stock facts, None before any are imported."""
    return session.get(HomeStockFacts, home.id)


@router.get("/v1/homes/{home_id}/place", response_model=PlaceOut)
def get_place(home: HomeManage, session: SessionDep) -> HomePlace:
    """Where the home is, from its postcode (404 until it has been placed)."""
    place = place_or_none(home, session)
    if place is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the home has not been placed yet")
    return place


@router.get("/v1/homes/{home_id}/stock-facts", response_model=StockFactsOut)
def get_stock_facts(home: HomeManage, session: SessionDep) -> HomeStockFacts:
    """What the landlord knows of the home's building (404 until facts are imported)."""
    facts = stock_facts_or_none(home, session)
    if facts is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no stock facts for this home")
    return facts
