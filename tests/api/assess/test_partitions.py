"""Partitions: cycles run partition by partition judge exactly as one cycle over every home.

Real InfluxDB, real PostgreSQL (and SQLite): the same readings go to two databases; one is
assessed in one pass, the other in four partitions, each with its own memory of the window;
alerts, their evidence, the kept state and the written series must be the same, including a
home without its own outdoor sensor whose wall estimate takes the stock's median from outdoor
sensors in other partitions, and a late reading.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from dampwatch.influx import InfluxQL, make_writer
from dampwatch_api.alerts.models import Alert, DeviceAssessmentState, RoomAssessmentState
from dampwatch_api.assess.cycle import run_cycle
from dampwatch_api.assess.scope import ALL_HOMES, HomeScope, partition_of, partition_scopes
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.state import RoomHistory
from dampwatch_api.assess.window import HourlyCache
from dampwatch_stack.servers import InfluxServer
from tests.api.assess.test_cycle import NOW, damp, healthy, outdoor, series, shower, wobble
from tests.support import InfluxDatabase

PARTITIONS = 4


def cold(t: datetime) -> tuple[float, float]:
    return 14.0 + wobble(t), 68.0 + wobble(t)


def humid_bedroom(t: datetime) -> tuple[float, float]:
    return 15.5 + wobble(t), 76.0 + wobble(t)


def mild_outdoor(t: datetime) -> tuple[float, float]:
    return 6.0 + wobble(t), 85.0 + wobble(t)


def stock(until: datetime) -> list[str]:
    """Six homes over four partitions; cold-2 and damp-2 have no outdoor sensor of their own."""
    return (
        series("damp-1", "s1", "bedroom-1", damp, until)
        + series("damp-1", "s2", "living-room", healthy, until)
        + series("damp-1", "s3", "outdoor", outdoor, until)
        + series("well-1", "s4", "bathroom", shower, until)
        + series("well-1", "s5", "living-room", healthy, until)
        + series("well-1", "s6", "kitchen", healthy, until=NOW - timedelta(hours=30))
        + series("cold-2", "c1", "living-room", cold, until)
        + series("cold-2", "c2", "bedroom-1", humid_bedroom, until)
        + series("home-a", "a1", "outdoor", mild_outdoor, until)
        + series("home-a", "a2", "living-room", healthy, until)
        + series("shower-1", "w1", "bathroom", shower, until)
        + series("shower-1", "w2", "bedroom-1", healthy, until)
        + series("damp-2", "d1", "bedroom-1", damp, until)
    )


@pytest.fixture
def twin_influx(influx_server: InfluxServer) -> Iterator[tuple[InfluxDatabase, InfluxDatabase]]:
    """Two databases on the shared server: one per way of assessing."""
    names = [f"test_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    for name in names:
        influx_server.create_database(name)
    yield InfluxDatabase(influx_server, names[0]), InfluxDatabase(influx_server, names[1])
    for name in names:
        influx_server.drop_database(name)


def _settings(db: InfluxDatabase) -> AssessSettings:
    return AssessSettings(
        influx_url=db.url, influx_api="v1", influx_database=db.database, assess_backfill_days=10
    )


def _assess(
    factory: sessionmaker[Session],
    db: InfluxDatabase,
    scopes: list[HomeScope],
    caches: dict[int, HourlyCache],
    now: datetime,
) -> None:
    settings = _settings(db)
    influx, writer = InfluxQL(settings), make_writer(settings)
    for scope in scopes:
        with factory() as session:
            cache = caches.setdefault(scope.partition, HourlyCache())
            run_cycle(session, influx, writer, settings, now=now, cache=cache, scope=scope)
            session.commit()
    influx.close()
    writer.close()


def _rounded(history: RoomHistory) -> tuple[bytes, tuple[float, ...], bytes]:
    """The kept history, its mould index to 4 decimals: a window judged again from a float32
    snapshot and one continued from the last differ in the last bits only."""
    index = tuple(round(float(value), 4) for value in history.mould_index)
    return history.flags.tobytes(), index, history.dry_hours.tobytes()


def _outcome(engine: Engine, db: InfluxDatabase) -> dict[str, Any]:
    with Session(engine) as session:
        alerts = {
            (a.home_id, a.room, a.kind, a.subject): (
                a.severity,
                a.status,
                a.condition_since,
                a.evidence.get("text"),
            )
            for a in session.scalars(select(Alert))
        }
        rooms = {
            (s.home_id, s.room): (s.last_hour, _rounded(RoomHistory.unpack(s.history)))
            for s in session.scalars(select(RoomAssessmentState))
        }
        devices = {
            (s.home_id, s.device_id): (s.last_seen_at, s.last_seq)
            for s in session.scalars(select(DeviceAssessmentState))
        }
    risk = db.rows('SELECT * FROM "risk" GROUP BY "home", "room"')
    return {"alerts": alerts, "rooms": rooms, "devices": devices, "risk": risk}


def test_a_home_keeps_its_partition_and_the_homes_spread() -> None:
    assert partition_of("damp-1", 4) == zlib.crc32(b"damp-1") % 4
    homes = [f"home-{number:05d}" for number in range(4000)]
    sizes = [len(scope.homes or ()) for scope in partition_scopes(homes, 8)]
    assert sum(sizes) == 4000 and min(sizes) > 400  # about 500 each
    assert partition_scopes(homes, 1) == [ALL_HOMES]


def test_a_partition_reads_its_homes_and_every_outdoor_sensor() -> None:
    scope = HomeScope(frozenset({"a.b", "c-d"}), 1, 4)
    assert scope.series_filter() == (' AND ("home" =~ /^(?:a\\.b|c\\-d)$/ OR "room" = \'outdoor\')')
    assert ALL_HOMES.series_filter() == "" and "anything" in ALL_HOMES
    assert "c-d" in scope and "x" not in scope


@pytest.mark.servers
def test_partitioned_cycles_judge_as_one_cycle(
    twin_influx: tuple[InfluxDatabase, InfluxDatabase], engine: Engine, tmp_path: Any
) -> None:
    whole_db, parted_db = twin_influx
    by_partition = {home: partition_of(home, PARTITIONS) for home in ("cold-2", "damp-1", "home-a")}
    # The stock's outdoor sensors live in partitions other than the home that borrows them.
    assert by_partition["cold-2"] not in {by_partition["damp-1"], by_partition["home-a"]}
    lines = "\n".join(stock(NOW))
    whole_db.write(lines)
    parted_db.write(lines)
    from dampwatch_api.db.migrate import migrate_engine  # noqa: PLC0415
    from dampwatch_api.db.session import create_db_engine  # noqa: PLC0415

    whole = create_db_engine(f"sqlite:///{tmp_path / 'whole.db'}")
    migrate_engine(whole)
    parted = sessionmaker(bind=engine, expire_on_commit=False)
    homes = ["damp-1", "well-1", "cold-2", "home-a", "shower-1", "damp-2"]
    scopes = partition_scopes(homes, PARTITIONS)
    whole_caches: dict[int, HourlyCache] = {}
    parted_caches: dict[int, HourlyCache] = {}
    _assess(
        sessionmaker(bind=whole, expire_on_commit=False), whole_db, [ALL_HOMES], whole_caches, NOW
    )
    _assess(parted, parted_db, scopes, parted_caches, NOW)
    first = _outcome(whole, whole_db)
    assert first == _outcome(engine, parted_db)
    kinds = {key[2] for key in first["alerts"]}
    assert {"condensation_risk", "cold_home", "device_offline"} <= kinds
    # An hour on, with a late reading in a home of one partition and in an outdoor sensor.
    later = NOW + timedelta(hours=1)
    late = (
        series("cold-2", "c1", "living-room", cold, later)[-4:]
        + series("damp-1", "s3", "outdoor", outdoor, later)[-4:]
        + [
            f"reading,device=c2,home=cold-2,room=bedroom-1 temperature_c=15.1,humidity_pct=79.0,"
            f"battery_pct=80,seq=9999i {int((NOW - timedelta(hours=20)).timestamp() * 1000)}"
        ]
    )
    for db in (whole_db, parted_db):
        db.write("\n".join(late))
    _assess(
        sessionmaker(bind=whole, expire_on_commit=False), whole_db, [ALL_HOMES], whole_caches, later
    )
    _assess(parted, parted_db, scopes, parted_caches, later)
    assert _outcome(whole, whole_db) == _outcome(engine, parted_db)
    whole.dispose()
