"""Two `dampwatch assess` workers on one PostgreSQL database and one InfluxDB.

They split the partitions between them; one is killed with SIGKILL while it holds leases
with work not committed; the other takes its partitions once the lease runs out and assesses
them; no partition is assessed twice for an hour (the runs table refuses it) and every home's
rooms end up assessed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bench.procs import clean_env
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dampwatch_api.alerts.models import RoomAssessmentState
from dampwatch_api.assess.partitions import AssessPartition, AssessRun
from dampwatch_api.db.migrate import migrate_engine
from tests.api.assess.conftest import _postgres_engine
from tests.support import InfluxDatabase

HOMES = 40
ROOMS = ("living-room", "bedroom-1", "bathroom")
PARTITIONS = 4
LEASE_S = 6
DAYS = 20


@pytest.fixture
def pg() -> Iterator[Engine]:
    """A private, migrated PostgreSQL database."""
    for engine in _postgres_engine():
        migrate_engine(engine)
        yield engine


def _write_stock(db: InfluxDatabase, end: datetime) -> None:
    start = end - timedelta(days=DAYS)
    lines: list[str] = []
    for home in range(HOMES):
        for number, room in enumerate(ROOMS):
            humidity = 82.0 if (home % 5 == 0 and room == "bedroom-1") else 52.0
            t, seq = start, 0
            while t < end:
                wobble = 0.1 * (seq % 7)
                lines.append(
                    f"reading,device=d{number},home=w{home:03d},room={room} "
                    f"temperature_c={19.0 + wobble},humidity_pct={humidity + wobble},"
                    f"battery_pct=90,seq={seq}i {int(t.timestamp() * 1000)}"
                )
                t, seq = t + timedelta(minutes=10), seq + 1
        if len(lines) > 50_000:
            db.write("\n".join(lines))
            lines = []
    db.write("\n".join(lines))


def _worker(db: InfluxDatabase, engine: Engine, log: Path) -> subprocess.Popen[bytes]:
    env = clean_env(
        {
            "DAMPWATCH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "DAMPWATCH_INFLUX_URL": db.url,
            "DAMPWATCH_INFLUX_API": "v1",
            "DAMPWATCH_INFLUX_DATABASE": db.database,
            "DAMPWATCH_ASSESS_PARTITIONS": str(PARTITIONS),
            "DAMPWATCH_ASSESS_LEASE_S": str(LEASE_S),
            "DAMPWATCH_ASSESS_BACKFILL_DAYS": str(DAYS),
            "DAMPWATCH_WATCH_EVERY_HOURS": "0",
        }
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dampwatch.cli", "assess"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
        )


def _owned(engine: Engine) -> dict[str, set[int]]:
    with Session(engine) as session:
        rows = session.execute(select(AssessPartition.owner, AssessPartition.partition)).all()
    owners: dict[str, set[int]] = {}
    for owner, number in rows:
        if owner:
            owners.setdefault(owner, set()).add(number)
    return owners


def _runs(engine: Engine) -> list[tuple[int, str, datetime]]:
    with Session(engine) as session:
        rows = session.execute(
            select(AssessRun.partition, AssessRun.worker_id, AssessRun.end_hour)
        ).all()
    return [(number, worker, end) for number, worker, end in rows]


def _pid_of(worker_id: str) -> int:
    """The process of a worker id (host-pid-random)."""
    return int(worker_id.rsplit("-", 2)[1])


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.servers
@pytest.mark.slow
def test_a_killed_workers_partitions_are_assessed_by_the_other_once(
    influx_db: InfluxDatabase, pg: Engine, tmp_path: Path
) -> None:
    _write_stock(influx_db, datetime.now(UTC))
    first = _worker(influx_db, pg, tmp_path / "first.log")
    second = _worker(influx_db, pg, tmp_path / "second.log")
    try:
        # Both alive: each holds its share (2 of 4); kill one while it holds uncommitted work.
        def pending() -> dict[str, set[int]]:
            owners, runs = _owned(pg), _runs(pg)
            if sorted(len(parts) for parts in owners.values()) != [2, 2]:
                return {}
            done = {(worker, n) for n, worker, _end in runs}
            return {
                worker: {n for n in parts if (worker, n) not in done}
                for worker, parts in owners.items()
                if any((worker, n) not in done for n in parts)
            }

        _wait(lambda: bool(pending()), 60, "a split with work under way")
        waiting = pending()
        process_of = {_pid_of(worker): worker for worker in _owned(pg)}
        victim = first if process_of.get(first.pid) in waiting else second
        survivor = second if victim is first else first
        orphaned = waiting[process_of[victim.pid]]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        _wait(lambda: {n for n, _w, _e in _runs(pg)} == set(range(PARTITIONS)), 120, "all runs")
        runs = _runs(pg)
        # The unique (partition, end hour) constraint makes a second run of an hour fail.
        assert len({(n, end) for n, _w, end in runs}) == len(runs)
        survivor_id = process_of[survivor.pid]
        taken_over = {n for n, worker, _end in runs if worker == survivor_id}
        assert orphaned <= taken_over, (orphaned, runs)
        assert survivor.poll() is None  # still running, now with every partition
        assert _owned(pg) == {survivor_id: set(range(PARTITIONS))}
        with Session(pg) as session:
            rooms = session.scalar(select(func.count()).select_from(RoomAssessmentState))
        assert rooms == HOMES * len(ROOMS)
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    assert (
        "partition" in (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
    )
