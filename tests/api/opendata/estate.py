"""A small placed estate for the open-data tests: homes at real Knowsley postcodes, tenants,
stock facts, hazards in SQL and hourly readings in a real InfluxDB."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dampwatch_api.alerts.models import Alert
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.places.models import HomeStockFacts
from dampwatch_api.places.placing import load_placer, refresh_places
from dampwatch_api.registry.models import Home, Room, Tenant
from tests.support import InfluxDatabase
from tests.support.opendata import DEPRIVATION, POSTCODE_LOOKUP, opendata_file

AREA_LOOKUP = "lsoa11_msoa11_lad17_lookup_ew.csv"
KNOWSLEY = "E08000011"
NOVEMBER = datetime(2026, 11, 2, tzinfo=UTC)
HOURS = 30


def shared_files() -> dict[str, Path]:
    """The shared open-data files the estate needs, or skip."""
    found = {name: opendata_file(name) for name in (POSTCODE_LOOKUP, DEPRIVATION, AREA_LOOKUP)}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(f"the shared open-data extracts are not on this machine: {missing}")
    return {name: path for name, path in found.items() if path is not None}


def settings_values(paths: dict[str, Path], influx: InfluxDatabase) -> dict[str, Any]:
    """Settings that place homes and publish over the estate."""
    return {
        "geography_lookup": paths[POSTCODE_LOOKUP],
        "deprivation_file": paths[DEPRIVATION],
        "opendata_area_lookup": paths[AREA_LOOKUP],
        "opendata_min_hours": 24,
        "influx_url": influx.url,
        "influx_database": influx.database,
        "influx_api": "v1",
    }


def knowsley_postcodes(path: Path, count: int, seed: int) -> list[str]:
    """`count` real postcodes of Knowsley, a few MSOAs' worth (nearby postcodes first)."""
    with path.open(newline="") as handle:
        codes = [row["postcode"] for row in csv.DictReader(handle) if row["lad_code"] == KNOWSLEY]
    codes.sort()
    random.Random(seed).shuffle(codes)
    return codes[:count]


def build_estate(database_url: str, settings: Any, influx: InfluxDatabase, homes: int) -> list[str]:
    """Homes with a living room and a garden sensor, placed, with readings and hazards."""
    rng = random.Random(3)
    engine = create_db_engine(database_url)
    lines: list[str] = []
    ids: list[str] = []
    with make_session_factory(engine)() as session:
        for number, postcode in enumerate(knowsley_postcodes(settings.geography_lookup, homes, 5)):
            home_id = f"od-{number:03d}"
            ids.append(home_id)
            home = Home(home_id=home_id, address=f"{number} Test Street", postcode=postcode,
                        portfolio="north")  # fmt: skip
            session.add(home)
            session.flush()
            session.add(Room(home_pk=home.id, room_id="living", name="Living room", kind="living"))
            session.add(Room(home_pk=home.id, room_id="garden", name="Garden", kind="outdoor"))
            session.add(Tenant(home_pk=home.id, name=f"Tenant {number}", consent=True))
            session.add(HomeStockFacts(home_pk=home.id, energy_band=rng.choice("CDE"),
                                       property_type="flat", imported_by="test"))  # fmt: skip
            if number % 4 == 0:
                session.add(_alert(home_id, "mould_risk"))
            base = 15.0 + (number % 7)
            for hour in range(HOURS):
                at = int((NOVEMBER + timedelta(hours=hour)).timestamp() * 1000)
                lines.append(
                    f"reading,home={home_id},device=d1,room=living "
                    f"temperature_c={base:.1f},humidity_pct={60 + number % 9} {at}"
                )
                lines.append(f"reading,home={home_id},device=d2,room=garden "
                             f"temperature_c=5.0,humidity_pct=90 {at}")  # fmt: skip
            lines.append(f"risk,home={home_id},room=living mould_index={number % 5 * 0.5} "
                         f"{int(NOVEMBER.timestamp() * 1000)}")  # fmt: skip
        session.commit()
        refresh_places(session, load_placer(settings))
    engine.dispose()
    influx.write("\n".join(lines))
    return ids


def _alert(home_id: str, kind: str) -> Alert:
    opened = NOVEMBER - timedelta(days=3)
    return Alert(home_id=home_id, kind=kind, severity="high", status="open", opened_at=opened,
                 condition_since=opened, last_seen_at=opened, evidence={})  # fmt: skip
