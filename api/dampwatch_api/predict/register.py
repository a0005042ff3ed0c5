"""The register as the model sees it: every home's stock facts and place, read from SQL."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.prediction.features import HomeRow
from dampwatch.stockfacts import (
    AgeBand,
    BuiltForm,
    EnergyBand,
    MainHeating,
    PropertyType,
    StockFacts,
    WallType,
)
from dampwatch_api.places.models import HomePlace, HomeStockFacts
from dampwatch_api.registry.models import Home

E = TypeVar("E", bound=StrEnum)


def _member(kind: type[E], value: str | None) -> E | None:
    """The stored value as its enum, or None (unknown, or a value this version lacks)."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _facts(home_id: str, stored: HomeStockFacts | None) -> StockFacts:
    if stored is None:
        return StockFacts(home_id)
    return StockFacts(
        home_id,
        energy_band=_member(EnergyBand, stored.energy_band),
        property_type=_member(PropertyType, stored.property_type),
        built_form=_member(BuiltForm, stored.built_form),
        age_band=_member(AgeBand, stored.age_band),
        wall_type=_member(WallType, stored.wall_type),
        main_heating=_member(MainHeating, stored.main_heating),
        floor_area_m2=stored.floor_area_m2,
    )


def load_register(session: Session) -> tuple[list[HomeRow], dict[str, int]]:
    """Every home's row (facts and place; unknown where the register lacks them) and its key."""
    query = (
        select(Home.id, Home.home_id, HomeStockFacts, HomePlace)
        .outerjoin(HomeStockFacts, HomeStockFacts.home_pk == Home.id)
        .outerjoin(HomePlace, HomePlace.home_pk == Home.id)
        .order_by(Home.home_id)
    )
    rows: list[HomeRow] = []
    keys: dict[str, int] = {}
    for pk, home_id, stored, place in session.execute(query):
        rows.append(
            HomeRow(
                _facts(home_id, stored),
                place.imd_decile if place else None,
                (place.lsoa or None) if place else None,
                (place.msoa or None) if place else None,
            )
        )
        keys[home_id] = pk
    return rows, keys
