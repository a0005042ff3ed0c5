"""One publication: gather home-months, protect them, write every file atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from dampwatch.influx import InfluxQL
from dampwatch.opendata.areas import load_regions
from dampwatch.opendata.metadata import documents
from dampwatch.opendata.publication import Publication, publish
from dampwatch_api.opendata import files
from dampwatch_api.opendata.sources import (
    Gathered,
    counted_homes,
    hazards,
    highest_mould_index,
    home_months,
    hourly_indoor,
    month_bounds,
    outdoor_rooms,
)
from dampwatch_api.opendata_settings import OpenDataSettings


class PublishError(ValueError):
    """The publication cannot be made (a setting or file is missing); the message says which."""


@dataclass(frozen=True, slots=True)
class Published:
    """What a publication wrote and left out."""

    publication: Publication
    public_files: list[str]
    analyst_files: list[str]
    left_out: dict[str, int]


def previous_month(now: datetime | None = None) -> str:
    """The last complete calendar month (UTC), `YYYY-MM`."""
    moment = now or datetime.now(UTC)
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def gather(
    session: Session, influx: InfluxQL, settings: OpenDataSettings, periods: list[str]
) -> Gathered:
    """Home-months of every period for the homes statistics may count."""
    if settings.opendata_area_lookup is None:
        raise PublishError(
            "set DAMPWATCH_OPENDATA_AREA_LOOKUP to ONS's LSOA/MSOA/LAD/region lookup file"
        )
    gathered = Gathered()
    homes = counted_homes(session, load_regions(settings.opendata_area_lookup), gathered)
    outdoor = outdoor_rooms(session)
    salt = settings.opendata_record_key_salt.get_secret_value()
    for period in periods:
        start, end = month_bounds(period)
        ids = [home.home_id for home in homes]
        readings = hourly_indoor(influx, ids, (start, end), outdoor)
        context = (hazards(session, start, end), highest_mould_index(influx, ids, (start, end)))
        gathered.rows += home_months(
            homes, period, readings, context, min_hours=settings.opendata_min_hours, salt=salt
        )
    return gathered


def write_atomically(folder: Path, texts: dict[str, str]) -> list[str]:
    """Write each file beside its final name, then rename it into place."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, folder / name)
    return sorted(texts)


def run_publication(
    session: Session, influx: InfluxQL, settings: OpenDataSettings, out: Path, periods: list[str]
) -> Published:
    """Publish every table of `periods` into `out` (public) and `out/analyst` (finer)."""
    gathered = gather(session, influx, settings, periods)
    publication = publish(gathered.rows, settings.disclosure, periods)
    public = write_atomically(out, documents(publication, publication.public_tables()))
    analyst = write_atomically(
        files.folder(out, analyst=True), documents(publication, sorted(publication.tables))
    )
    return Published(publication, public, analyst, dict(gathered.left_out))
