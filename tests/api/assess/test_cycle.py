"""The assessment job against a real InfluxDB with known hourly data, state in SQLite."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from dampwatch.influx import InfluxQL, make_writer
from dampwatch.psychrometrics import relative_humidity_pct
from dampwatch_api.alerts.models import Alert, DeviceAssessmentState, RoomAssessmentState
from dampwatch_api.assess.cycle import CycleReport, run_cycle
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.state import RoomHistory
from dampwatch_api.assess.window import HourlyCache
from dampwatch_api.db.migrate import migrate_engine
from dampwatch_api.db.session import create_db_engine
from tests.support import InfluxDatabase

NOW = datetime(2026, 1, 20, 12, 5, tzinfo=UTC)
START = NOW - timedelta(days=10)
STEP = timedelta(minutes=15)

Profile = Callable[[datetime], tuple[float, float]]


def series(home: str, device: str, room: str, profile: Profile, until: datetime = NOW) -> list[str]:
    lines, t, seq = [], START, 0
    while t < until:
        temperature, humidity = profile(t)
        ms = int(t.timestamp() * 1000)
        lines.append(
            f"reading,device={device},home={home},room={room} "
            f"temperature_c={temperature},humidity_pct={humidity},battery_pct=80,seq={seq}i {ms}"
        )
        t, seq = t + STEP, seq + 1
    return lines


def wobble(t: datetime) -> float:
    """Real sensors never repeat exactly: ±0.2 over the day, so nothing looks stuck."""
    return round(0.2 * math.sin(t.timestamp() / 3600), 2)


def damp(t: datetime) -> tuple[float, float]:
    return 18.5 + wobble(t), 78.0 + wobble(t)


def healthy(t: datetime) -> tuple[float, float]:
    return 20.5 + wobble(t), 50.0 + wobble(t)


def shower(t: datetime) -> tuple[float, float]:
    return (23.0, 95.0) if t.hour == 7 else (20.0 + wobble(t), 55.0 + wobble(t))


def outdoor(t: datetime) -> tuple[float, float]:
    return 4.0 + wobble(t), 90.0 + wobble(t)


def settings_for(db: InfluxDatabase) -> AssessSettings:
    return AssessSettings(
        influx_url=db.url, influx_api="v1", influx_database=db.database, assess_backfill_days=10
    )


def cycle(
    engine: Engine, db: InfluxDatabase, now: datetime, cache: HourlyCache | None = None
) -> CycleReport:
    settings = settings_for(db)
    influx, writer = InfluxQL(settings), make_writer(settings)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session:
        report = run_cycle(session, influx, writer, settings, now=now, cache=cache)
        session.commit()
    influx.close()
    writer.close()
    return report


def open_alerts(engine: Engine) -> set[tuple[str, str, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(select(Alert).where(Alert.status != "resolved"))
        return {(a.home_id, a.room, a.kind, a.subject) for a in rows}


@pytest.mark.servers
def test_cycle_raises_explained_alerts_and_writes_the_series(
    influx_db: InfluxDatabase, sqlite_engine: Engine
) -> None:
    lines = (
        series("damp-1", "s1", "bedroom-1", damp)
        + series("damp-1", "s2", "living-room", healthy)
        + series("damp-1", "s3", "outdoor", outdoor)
        + series("well-1", "s4", "bathroom", shower)
        + series("well-1", "s5", "living-room", healthy)
        + series("well-1", "s6", "kitchen", healthy, until=NOW - timedelta(hours=30))
    )
    influx_db.write("\n".join(lines))
    cycle(sqlite_engine, influx_db, NOW)

    assert open_alerts(sqlite_engine) == {
        ("damp-1", "bedroom-1", "condensation_risk", ""),
        ("well-1", "kitchen", "device_offline", "s6"),
    }
    with Session(sqlite_engine) as session:
        alert = session.scalars(select(Alert).where(Alert.kind == "condensation_risk")).one()
        text = alert.evidence["text"]
        assert "bedroom 1" in text
        # No wall probe: the estimate must clear 80 % by the humidity sensors' ±2 %RH.
        assert (
            "82 % relative humidity or more (the 80 % limit plus the humidity sensors' ±2 %RH, "
            "as the wall is estimated) for 168 of the last 168 hours" in text
        )
        assert "estimated from the outdoor temperature" in text
        # Most of the week above 80 %: a significant hazard with the 10-working-day clock.
        assert alert.severity == "high"
        assert alert.due_by is not None
        offline = session.scalars(select(Alert).where(Alert.kind == "device_offline")).one()
        assert "has sent nothing for 30 hours" in offline.evidence["text"]
        states = session.scalars(select(RoomAssessmentState)).all()
        assert {(s.home_id, s.room) for s in states} == {
            ("damp-1", "bedroom-1"),
            ("damp-1", "living-room"),
            ("well-1", "bathroom"),
            ("well-1", "kitchen"),
            ("well-1", "living-room"),
        }
        assert all(s.last_hour == datetime(2026, 1, 20, 11, tzinfo=UTC) for s in states)

    rooms = influx_db.rows('SELECT count("score") FROM "risk" GROUP BY "home", "room"')
    assert {(r["home"], r["room"]) for r in rooms} == {
        ("damp-1", "bedroom-1"),
        ("damp-1", "living-room"),
        ("well-1", "bathroom"),
        ("well-1", "kitchen"),
        ("well-1", "living-room"),
    }  # the outdoor probe is never judged as a room
    last = influx_db.rows(
        'SELECT last("hours_surface80_7d"), last("surface_temperature_c"), last("mould_index") '
        "FROM \"risk\" WHERE room = 'bedroom-1'"
    )[0]
    assert last["last"] == 168
    # T_si = 4 + 0.75·(18.5 - 4) = 14.875 °C (BRE IP1/06 temperature factor), ± the wobble.
    assert last["last_1"] == pytest.approx(14.875, abs=0.2)
    assert 0 < last["last_2"] < 1
    homes = influx_db.rows(
        'SELECT last("open_alerts"), last("kinds") FROM "home_risk" GROUP BY "home"'
    )
    by_home = {r["home"]: r for r in homes}
    assert by_home["damp-1"]["last"] == 1
    assert by_home["damp-1"]["last_1"] == "condensation_risk"
    events = influx_db.rows('SELECT "status", "alert_id", "text" FROM "alert"')
    assert {e["status"] for e in events} == {"open"}
    assert len(events) == 3  # condensation opened as medium, escalated to high; offline opened
    health = influx_db.rows(
        'SELECT last("offline"), last("last_seen_age_h") FROM "device_health" GROUP BY "device"'
    )
    offline = {r["device"]: r["last"] for r in health}
    assert offline["s6"] == 1
    assert offline["s1"] == 0


@pytest.mark.servers
@pytest.mark.parametrize("kept", [False, True], ids=["fresh-process", "hours-kept-in-memory"])
def test_next_cycle_reads_new_hours_and_late_readings_recompute(
    influx_db: InfluxDatabase, sqlite_engine: Engine, kept: bool
) -> None:
    cache = HourlyCache() if kept else None
    influx_db.write("\n".join(series("home-x", "s1", "living-room", healthy)))
    cycle(sqlite_engine, influx_db, NOW, cache)
    quiet = cycle(sqlite_engine, influx_db, NOW + timedelta(hours=1), cache)
    # Nothing arrived late: a process that kept its hours reads the new hour only.
    assert quiet.late_hours == 0
    assert quiet.read_from == (NOW.replace(minute=0) if kept else quiet.first_hour)
    later = NOW + timedelta(hours=3)
    more = [
        f"reading,device=s1,home=home-x,room=living-room temperature_c=20.5,humidity_pct=72.0 "
        f"{int((NOW + timedelta(minutes=m)).timestamp() * 1000)}"
        for m in range(0, 180, 15)
    ]
    # A late reading for an hour processed in the first cycle (within the rewind window).
    late_hour = NOW - timedelta(hours=5)
    late = (
        "reading,device=s1,home=home-x,room=living-room temperature_c=20.5,humidity_pct=90.0 "
        f"{int(late_hour.replace(minute=50).timestamp() * 1000)}"
    )
    influx_db.write("\n".join([*more, late]))
    report = cycle(sqlite_engine, influx_db, later, cache)
    if kept:  # read again from the late reading's hour (it rewrote the 07:50 reading) on
        assert report.late_hours == 2  # 07:00, and 12:00 which got readings after 12:05
        assert report.read_from == late_hour.replace(minute=0)
    rows = influx_db.rows(
        'SELECT "hours_rh70_7d" FROM "risk" WHERE time >= '
        f"'{(NOW - timedelta(hours=6)).isoformat()}'"
    )
    counts = [row["hours_rh70_7d"] for row in rows]
    # Hour of the late reading: mean of 50,50,50,90 = 60 % → no change; new hours at 72 %.
    assert counts[-3:] == [1, 2, 3]
    with Session(sqlite_engine) as session:
        state = session.scalars(select(RoomAssessmentState)).one()
        assert state.last_hour == datetime(2026, 1, 20, 14, tzinfo=UTC)
        assert not math.isnan(state.mould_index)


@pytest.mark.servers
def test_cycles_from_memory_judge_exactly_as_full_rereads(
    influx_db: InfluxDatabase, sqlite_engine: Engine, tmp_path: Path
) -> None:
    rereading = create_db_engine(f"sqlite:///{tmp_path / 'reread.db'}")
    migrate_engine(rereading)
    influx_db.write("\n".join(series("home-d", "s1", "bedroom-1", damp)))
    influx_db.write("\n".join(series("home-d", "s2", "outdoor", outdoor)))
    cache = HourlyCache()
    for hour in range(5):
        now = NOW + timedelta(hours=hour)
        if hour == 3:  # a gateway flushes a backlog of readings from 20 hours ago
            backlog = NOW - timedelta(hours=20)
            influx_db.write(
                "\n".join(
                    f"reading,device=s1,home=home-d,room=bedroom-1 temperature_c=14.0,"
                    f"humidity_pct=97.0 {int((backlog + timedelta(minutes=m)).timestamp() * 1000)}"
                    for m in (2, 17, 32, 47)
                )
            )
        kept = cycle(sqlite_engine, influx_db, now, cache)
        cycle(rereading, influx_db, now)
        assert kept.late_hours == (1 if hour == 3 else 0) or hour == 0
    with Session(sqlite_engine) as left, Session(rereading) as right:
        ours = left.scalars(select(RoomAssessmentState)).one()
        theirs = right.scalars(select(RoomAssessmentState)).one()
        ours_history, theirs_history = (
            RoomHistory.unpack(ours.history),
            RoomHistory.unpack(theirs.history),
        )
        assert (ours_history.flags == theirs_history.flags).all()
        assert ours_history.mould_index == pytest.approx(theirs_history.mould_index, abs=1e-5)
        assert ours.mould_index == pytest.approx(theirs.mould_index, abs=1e-5)
        assert ours.mould_index > 0
    rereading.dispose()


def vapour_of_the_weather(t: datetime) -> float:
    """hPa of vapour every room of a home follows: a spell of days, and a little noise."""
    days = (t - START).total_seconds() / 86_400
    return 10.0 + 1.5 * math.sin(days / 2.5) + 0.1 * math.sin(t.timestamp() / 1234)


def room_at(temperature: float, extra_hpa: float, drift_pct_per_day: float = 0.0) -> Profile:
    def profile(t: datetime) -> tuple[float, float]:
        humidity = relative_humidity_pct(temperature, vapour_of_the_weather(t) + extra_hpa)
        drifted = max(0.0, (t - START).total_seconds() / 86_400 - 2) * drift_pct_per_day
        return temperature + wobble(t), round(min(100.0, humidity + drifted), 2)

    return profile


@pytest.mark.servers
def test_a_drifting_humidity_sensor_is_found_across_cycles_and_not_taken_for_damp(
    influx_db: InfluxDatabase, sqlite_engine: Engine
) -> None:
    until = NOW + timedelta(days=6)
    influx_db.write(
        "\n".join(
            series("home-h", "lr", "living-room", room_at(20.0, 0.8), until)
            + series("home-h", "bed", "bedroom-1", room_at(18.5, 0.0, drift_pct_per_day=2.5), until)
            + series("home-h", "kit", "kitchen", room_at(19.0, 1.2), until)
        )
    )
    for day in range(7):  # the backfill, then one cycle a day, as the job's state carries on
        cycle(sqlite_engine, influx_db, NOW + timedelta(days=day))
    alerts = open_alerts(sqlite_engine)
    assert ("home-h", "bedroom-1", "sensor_fault", "bed") in alerts
    # The drifted bedroom reads over 80 % by now, but it is judged less the drift found.
    assert not {a for a in alerts if a[2] in {"condensation_risk", "mould_risk"}}
    assert {a[3] for a in alerts if a[2] == "sensor_fault"} == {"bed"}
    with Session(sqlite_engine) as session:
        fault = session.scalars(select(Alert).where(Alert.kind == "sensor_fault")).one()
        assert "rising steadily night after night" in fault.evidence["text"]
        assert "humidity less the drift found" in fault.evidence["text"]
        saved = session.get(DeviceAssessmentState, ("home-h", "bed"))
        assert saved is not None and saved.humidity_drift is not None
        assert saved.humidity_drift["since"] is not None
        assert len(saved.humidity_drift["nights"]) >= 10


@pytest.mark.servers
def test_a_device_first_heard_inside_the_backfill_is_not_offline(
    influx_db: InfluxDatabase, sqlite_engine: Engine
) -> None:
    """The first cycle reads 10 days back; a sensor installed 4 days ago was never offline."""
    installed_ms = (NOW - timedelta(days=4)).timestamp() * 1000
    fresh = [
        line
        for line in series("new-1", "n1", "living-room", healthy)
        + series("new-1", "n2", "bedroom-1", healthy, until=NOW - timedelta(hours=30))
        if int(line.rsplit(" ", 1)[1]) >= installed_ms
    ]
    influx_db.write("\n".join(fresh))
    cycle(sqlite_engine, influx_db, NOW)
    with Session(sqlite_engine) as session:
        alerts = {(a.subject, a.kind, a.status) for a in session.scalars(select(Alert))}
    # n1 reported throughout: nothing, not even an alert opened and resolved at once. n2 fell
    # silent 30 hours ago after it had been heard: offline.
    assert alerts == {("n2", "device_offline", "open")}


@pytest.mark.servers
def test_evidence_names_rooms_as_registered(
    influx_db: InfluxDatabase, sqlite_engine: Engine
) -> None:
    from dampwatch_api.registry.models import Home, Room  # noqa: PLC0415

    with Session(sqlite_engine) as session:
        home = Home(home_id="named-1", address="1 Street", postcode="M1 1AA", portfolio="p")
        home.rooms = [Room(room_id="bed1", name="Main bedroom", kind="bedroom")]
        session.add(home)
        session.commit()
    influx_db.write(
        "\n".join(
            series("named-1", "n1", "bed1", damp)
            + series("named-1", "n2", "living", healthy, until=NOW - timedelta(hours=30))
        )
    )
    cycle(sqlite_engine, influx_db, NOW)
    with Session(sqlite_engine) as session:
        texts = {a.kind: a.evidence["text"] for a in session.scalars(select(Alert))}
    assert "in Main bedroom" in texts["condensation_risk"]
    assert "bed1" not in texts["condensation_risk"]
    assert "This has held since" in texts["condensation_risk"]
    # A room not registered keeps its id, spelled out.
    assert "Sensor n2 in the living has sent nothing" in texts["device_offline"]
