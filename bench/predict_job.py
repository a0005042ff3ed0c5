"""`python -m bench.predict_job`: `dampwatch predict` end to end on a SQLite register.

A simulated stock of HOMES homes (real places when the open-data files are present) is written
into a fresh SQLite database as the platform keeps it: homes, their places and stock facts, a
sensor in every tenth home, and the damp and cold alerts those homes' simulated truth raises.
Then the job runs as `dampwatch predict` does (read the register and outcomes, train both kinds,
score every home with its reasons, store 2 × HOMES rows); its time is printed with what it learnt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from tests.support.datasets import shared_data

from dampwatch.settings import DatabaseSettings
from dampwatch_api.alerts.models import Alert
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.places.models import HomePlace, HomeStockFacts
from dampwatch_api.predict import main as predict
from dampwatch_api.registry.models import Device, Home
from dampwatch_sim.stock import SimulatedHome, real_places, simulate_stock

NOW = datetime(2026, 12, 6, tzinfo=UTC)
FACTS = ("energy_band", "property_type", "built_form", "age_band", "wall_type", "main_heating")


def _facts(home: SimulatedHome) -> dict[str, Any]:
    values = {name: getattr(home.facts, name) for name in FACTS}
    return {name: str(value) if value else None for name, value in values.items()} | {
        "floor_area_m2": home.facts.floor_area_m2
    }


def write_register(url: str, stock: list[SimulatedHome], every: int) -> None:
    """Homes, places, facts; a sensor in every `every`-th home and the alerts its truth raises."""
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        session.execute(
            insert(Home),
            [
                {
                    "home_id": h.home_id,
                    "address": "-",
                    "postcode": h.place.postcode,
                    "portfolio": "bench",
                    "vulnerabilities": [],
                }
                for h in stock
            ],
        )
        keys = {home_id: pk for home_id, pk in session.execute(select(Home.home_id, Home.id))}
        session.execute(
            insert(HomePlace),
            [
                {
                    "home_pk": keys[h.home_id],
                    "postcode": h.place.postcode,
                    "lsoa": h.place.lsoa,
                    "msoa": h.place.msoa,
                    "imd_decile": h.place.imd_decile,
                }
                for h in stock
            ],
        )
        session.execute(
            insert(HomeStockFacts),
            [{"home_pk": keys[h.home_id], "imported_by": "bench", **_facts(h)} for h in stock],
        )
        watched = stock[::every]
        session.execute(
            insert(Device),
            [{"home_pk": keys[h.home_id], "device_id": "d1", "device_type": "th"} for h in watched],
        )
        alerts = [
            {
                "home_id": h.home_id,
                "kind": kind,
                "severity": "high",
                "room": "",
                "subject": "",
                "status": "open",
                "evidence": {},
                "condition_since": NOW - timedelta(days=9),
                "last_seen_at": NOW,
            }
            for h in watched
            for kind, flagged in (("mould_risk", h.damp), ("cold_home", h.cold))
            if flagged
        ]
        session.execute(insert(Alert), alerts)
        session.commit()
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=100_000)
    parser.add_argument("--monitored-every", type=int, default=10)
    args = parser.parse_args(argv)
    data = shared_data()
    places = real_places(data / "opendata") if data else None
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'register.db'}"
        migrate(url)
        write_register(url, simulate_stock(args.homes, 4, places), args.monitored_every)
        started = time.perf_counter()
        run = predict.run(DatabaseSettings(database_url=url), now=NOW)
        print(predict.describe(run, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
