"""Placing homes: each home's postcode resolved to census areas and its LSOA's deprivation.

The lookup files are read once per process and kept while their modification time holds, so
placing a home on create or update costs a dictionary look-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.deprivation import Deprivation, DeprivationFileError, load_deprivation
from dampwatch.geography import GeographyLookup, LookupFileError, Place
from dampwatch.settings import PlaceSettings
from dampwatch_api.places.models import HomePlace
from dampwatch_api.registry.models import Home

_LOGGER = logging.getLogger(__name__)


class PlacesUnavailable(RuntimeError):
    """No lookup is configured, or it cannot be read; the message says which."""


@dataclass(frozen=True)
class Placer:
    """The loaded lookup and deprivation indices (empty when no deprivation file is set)."""

    lookup: GeographyLookup
    deprivation: Mapping[str, Deprivation]


@dataclass(frozen=True)
class Unplaced:
    """A home whose postcode could not be placed, and why."""

    home_id: str
    postcode: str
    reason: str


def _stamp(path: Path | None) -> tuple[str, int] | None:
    """A file's identity for the cache: its path and modification time."""
    if path is None:
        return None
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError as error:
        raise PlacesUnavailable(f"cannot read {path}: {error.strerror}") from error


_CACHE: dict[object, Placer] = {}
_CACHE_LOCK = threading.Lock()


def load_placer(settings: PlaceSettings) -> Placer:
    """The placer of these settings, read once per file version; PlacesUnavailable otherwise."""
    if settings.geography_lookup is None:
        raise PlacesUnavailable("no postcode lookup: set DAMPWATCH_GEOGRAPHY_LOOKUP")
    key = (
        _stamp(settings.geography_lookup),
        tuple(sorted(settings.geography_columns.items())),
        _stamp(settings.deprivation_file),
    )
    with _CACHE_LOCK:
        if (cached := _CACHE.get(key)) is not None:
            return cached
        try:
            lookup = GeographyLookup.load(settings.geography_lookup, settings.geography_columns)
            deprivation = (
                load_deprivation(settings.deprivation_file) if settings.deprivation_file else {}
            )
        except (LookupFileError, DeprivationFileError) as error:
            raise PlacesUnavailable(str(error)) from error
        _CACHE.clear()  # one version of the files at a time
        _CACHE[key] = placer = Placer(lookup, deprivation)
        return placer


def optional_placer(settings: PlaceSettings) -> Placer | None:
    """The placer, or None (logged when configured but unreadable) so registering goes on."""
    if settings.geography_lookup is None:
        return None
    try:
        return load_placer(settings)
    except PlacesUnavailable as error:
        _LOGGER.error("homes are not placed: %s", error)
        return None


def place_home(session: Session, home: Home, placer: Placer) -> HomePlace:
    """Resolve the home's postcode and keep the outcome (a place, or the reason there is none)."""
    row = session.get(HomePlace, home.id) if home.id is not None else None
    if row is None:
        row = HomePlace(home=home)
        session.add(row)
    result = placer.lookup.resolve(home.postcode)
    row.postcode, row.placed_at = result.postcode, datetime.now(UTC)
    if isinstance(result, Place):
        deprivation = placer.deprivation.get(result.lsoa)
        row.oa, row.lsoa, row.msoa = result.oa or None, result.lsoa, result.msoa or None
        row.lad, row.lad_name = result.lad or None, result.lad_name or None
        row.source, row.unresolved_reason = result.source, None
        row.imd_decile = deprivation.imd_decile if deprivation else None
        row.living_environment_decile = (
            deprivation.living_environment_decile if deprivation else None
        )
    else:
        row.oa = row.lsoa = row.msoa = row.lad = row.lad_name = None
        row.imd_decile = row.living_environment_decile = None
        row.source, row.unresolved_reason = placer.lookup.source, result.reason
    return row


def refresh_places(session: Session, placer: Placer) -> tuple[int, list[Unplaced]]:
    """Place every home again; the number placed and each home left without a place."""
    placed = 0
    unplaced: list[Unplaced] = []
    for home in session.scalars(select(Home).order_by(Home.home_id)):
        row = place_home(session, home, placer)
        if row.unresolved_reason is None:
            placed += 1
        else:
            unplaced.append(Unplaced(home.home_id, row.postcode, row.unresolved_reason))
    session.commit()
    return placed, unplaced
