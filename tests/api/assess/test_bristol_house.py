"""The real Bristol house (2018-03-21, four hours, seven rooms with a kitchen and a bathroom) in
the job's first cycle: a 30-day back-fill that starts weeks before its sensors' first reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from dampwatch.influx import InfluxQL, make_writer
from dampwatch_api.alerts.models import Alert, DeviceAssessmentState
from dampwatch_api.assess.cycle import run_cycle
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_sim.datasets import bristol_series
from tests.support import InfluxDatabase
from tests.support.datasets import shared_data

DATA = (shared_data() or Path("shared/data")) / "bristol_house_2018" / "dataset_3_data.csv"
NOW = datetime(2018, 3, 21, 18, 5, tzinfo=UTC)


def bristol_lines() -> list[str]:
    lines = []
    for series in bristol_series(DATA):
        columns = series.readings
        for ts, seq, temperature, humidity in zip(
            columns["ts"],
            columns["seq"],
            columns["temperature_c"],
            columns["humidity_pct"],
            strict=True,
        ):
            lines.append(
                f"reading,device={series.device_id},home=bristol,room={series.room} "
                f"temperature_c={float(temperature)},humidity_pct={float(humidity)},"
                f"seq={int(seq)}i {int(ts * 1000)}"
            )
    return lines


@pytest.mark.servers
def test_bristol_house_first_cycle_raises_nothing(
    influx_db: InfluxDatabase, sqlite_engine: Engine
) -> None:
    if not DATA.exists():
        pytest.skip(f"{DATA} is not present")
    lines = bristol_lines()
    influx_db.write("\n".join(lines))
    settings = AssessSettings(
        influx_url=influx_db.url,
        influx_api="v1",
        influx_database=influx_db.database,
        assess_backfill_days=30,
    )
    influx, writer = InfluxQL(settings), make_writer(settings)
    with sessionmaker(bind=sqlite_engine)() as session:
        report = run_cycle(session, influx, writer, settings, now=NOW)
        session.commit()
    influx.close()
    writer.close()
    assert report.devices == 8  # seven rooms and the outdoor sensor
    assert report.first_hour == NOW.replace(minute=0) - timedelta(days=30)
    with Session(sqlite_engine) as session:
        # Nothing opened, not even opened and resolved at once: the kitchen's and bathroom's
        # afternoon is no damp, and sensors first heard at 14:00 were never offline.
        alerts = session.scalars(select(Alert)).all()
        assert alerts == [], [(a.room, a.kind, a.evidence["text"]) for a in alerts]
        states = session.scalars(select(DeviceAssessmentState)).all()
        assert len(states) == 8
        assert all(state.last_seen_at is not None for state in states)
