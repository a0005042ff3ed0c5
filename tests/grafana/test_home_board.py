"""The home board shows one home's rooms: the known readings, risk, evidence and alerts."""

from __future__ import annotations

import statistics
import time

import pytest

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch.psychrometrics import dew_point_c
from dampwatch_grafana import schema
from tests.grafana.boards_support import BoardRun, load_boards, with_variable
from tests.grafana.grafana_emulation import ALL, Rendering, TimeRange, Variable
from tests.grafana.sql_support import SqlDatabase, raise_alert, register
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers
MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
HOME = "flat.1"  # the dot must be escaped: the decoy `flatx1` would match it unescaped
DECOY = "flatx1"
ROOMS = ("bathroom", "bedroom-1")
ROOM_NAMES = {"bathroom": "Bathroom", "bedroom-1": "Front bedroom"}


def temperature(room: str, minute: int) -> float:
    return (17.0 if room == "bathroom" else 20.0) + (minute % 10) / 4


def humidity(room: str, minute: int) -> float:
    return (75.0 if room == "bathroom" else 55.0) + (minute % 6)


@pytest.fixture
def home(influx_db: InfluxDatabase, sql_db: SqlDatabase) -> BoardRun:
    register(
        sql_db,
        {
            HOME: ("Flat 1, 10 Harbour Row", ROOM_NAMES),
            DECOY: ("Flat 1x, 12 Harbour Row", {"bathroom": "Bathroom"}),
        },
    )
    raise_alert(sql_db, HOME, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH)
    raise_alert(sql_db, DECOY, "", AlertKind.COLD_HOME, Severity.MEDIUM)
    start = (int(time.time() * 1000) // HOUR_MS - 30) * HOUR_MS
    lines = []
    for minute in range(6 * 60):
        at = start + minute * MINUTE_MS
        for home_id, rooms in ((HOME, ROOMS), (DECOY, ("bathroom",))):
            for room in rooms:
                t, rh = temperature(room, minute), humidity(room, minute)
                if home_id == DECOY:
                    t, rh = 5.0, 99.0
                lines.append(
                    f"reading,device={room}-sensor,home={home_id},room={room} "
                    f"temperature_c={t},humidity_pct={rh},dew_point_c={dew_point_c(t, rh):.3f} {at}"
                )
    for hour, mould in enumerate((0.5, 1.2, 2.0)):
        at = start + (hour + 3) * HOUR_MS
        lines.append(
            f"risk,home={HOME},room=bathroom mould_index={mould},score={60 + hour}.0,"
            f"hours_rh70_7d={40 + hour}.0,hours_surface80_7d=12.0,hours_below_dew_point_7d=3.0,"
            f"hours_below_18c_7d=50.0,hours_below_16c_7d=4.0,overheating_night_pct=0.0,"
            f"hours_co2_1500_7d=0.0 {at}"
        )
        lines.append(
            f"risk,home={HOME},room=bedroom-1 mould_index=0.0,score=5.0,hours_rh70_7d=0.0,"
            f"hours_surface80_7d=0.0,hours_below_dew_point_7d=0.0,hours_below_18c_7d=2.0,"
            f"hours_below_16c_7d=0.0,overheating_night_pct=1.5,hours_co2_1500_7d=6.0 {at}"
        )
        lines.append(f"risk,home={DECOY},room=bathroom mould_index=6.0,score=100.0 {at}")
    lines += [
        f"alert,home={HOME},kind=mould_risk,room=bathroom,severity=high alert_id=7i,"
        f'status="open",text="Bathroom RH above 70 % for 41 h this week" {start + 4 * HOUR_MS}',
        f"alert,home={HOME},kind=mould_risk,room=bathroom,severity=high alert_id=7i,"
        f'status="acknowledged",text="Visit booked" {start + 5 * HOUR_MS}',
        f"alert,home={DECOY},kind=cold_home,severity=medium alert_id=8i,"
        f'status="open",text="not this home" {start + 5 * HOUR_MS}',
    ]
    influx_db.write("\n".join(lines))
    # 48 h shown on 500 points: 345.6 s per point rounds to 5 min, above the 1 min minimum.
    time_range = TimeRange.absolute(start - 18 * HOUR_MS, start + 30 * HOUR_MS)
    run = BoardRun(load_boards()[schema.UID_HOME], influx_db, Rendering(time_range), sql_db)
    run.rendering = with_variable(run.rendering, Variable("home", HOME))
    rooms = run.variable_options("room")
    assert rooms == list(ROOMS)
    run.rendering = with_variable(run.rendering, Variable("room", ALL, options=rooms, multi=True))
    return run


def test_home_variable_lists_homes_by_address(home: BoardRun) -> None:
    assert home.variable_options("home") == [HOME, DECOY]
    texts = [row["__text"] for row in home.sql_result(home.variable("home")["query"])]
    assert texts == ["Flat 1, 10 Harbour Row, BS1 1AA", "Flat 1x, 12 Harbour Row, BS1 1AA"]
    rooms = home.sql_result(home.variable("room")["query"])
    assert [(row["__text"], row["__value"]) for row in rooms] == [
        ("Bathroom", "bathroom"),
        ("Front bedroom", "bedroom-1"),
    ]


def check_room_panels(home: BoardRun) -> None:
    """Temperature, humidity and dew point per room equal the known readings' means."""
    temperatures = home.series("Temperature")
    assert set(temperatures) == set(ROOMS)
    for room in ROOMS:
        points = temperatures[room]
        assert len(points) == 6 * 60 // 5  # one point per 5 minutes
        assert points[1][0] - points[0][0] == 5 * MINUTE_MS
        # each point is the mean of its 5 minutes; their mean is the mean of all readings
        assert points[0][1] == pytest.approx(
            statistics.mean(temperature(room, m) for m in range(5))
        )
        expected = statistics.mean(temperature(room, m) for m in range(360))
        assert statistics.mean(value for _, value in points) == pytest.approx(expected)
    humidities = home.series("Relative humidity")
    assert statistics.mean(v for _, v in humidities["bathroom"]) == pytest.approx(
        statistics.mean(humidity("bathroom", m) for m in range(360))
    )
    dew_points = home.series("Dew point")
    t, rh = temperature("bedroom-1", 0), humidity("bedroom-1", 0)
    first_five = [
        dew_point_c(temperature("bedroom-1", m), humidity("bedroom-1", m)) for m in range(5)
    ]
    assert dew_points["bedroom-1"][0][1] == pytest.approx(statistics.mean(first_five), abs=1e-3)
    assert dew_point_c(t, rh) < t


def test_threshold_bands_are_drawn(home: BoardRun) -> None:
    steps = home.panel("Temperature")["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [step["value"] for step in steps] == [None, 16, 18]
    mode = home.panel("Temperature")["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]
    assert mode == {"mode": "line+area"}
    steps = home.panel("Relative humidity")["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [step["value"] for step in steps] == [None, 70]


def test_every_panel_shows_the_known_home(home: BoardRun) -> None:
    check_room_panels(home)
    assert home.last_values("Mould index now") == {"bathroom": 2.0, "bedroom-1": 0.0}
    trend = home.series("Mould index")
    assert [value for _, value in trend["bathroom"]] == [0.5, 1.2, 2.0]
    rows = home.rows("Hours above thresholds")
    assert [row["room"] for row in rows] == ["bathroom", "bedroom-1"]  # by room score
    assert [row["room_name"] for row in rows] == ["Bathroom", "Front bedroom"]
    assert rows[0]["hours_rh70_7d"] == 42
    assert rows[0]["score"] == 62 and rows[1]["overheating_night_pct"] == 1.5
    assert rows[1]["hours_co2_1500_7d"] == 6 and rows[0]["hours_below_18c_7d"] == 50
    events = home.annotations("Alerts")
    assert [(event["text"], event["tags"]) for event in events] == [
        ("Bathroom RH above 70 % for 41 h this week", ["mould_risk", "high", "open"]),
        ("Visit booked", ["mould_risk", "high", "acknowledged"]),
    ]
    (alert,) = home.sql_rows("Open alerts in this home")
    assert (alert["Room"], alert["Kind"], alert["State"]) == ("Bathroom", "mould_risk", "open")
    assert not home.unseen_panels()


def test_one_room_selected(home: BoardRun) -> None:
    home.rendering = with_variable(
        home.rendering, Variable("room", ["bedroom-1"], options=list(ROOMS), multi=True)
    )
    assert set(home.series("Temperature")) == {"bedroom-1"}
    assert '"room" =~ /^(bedroom-1)$/' in home.queries[-1]
    assert r'"home" =~ /^flat\.1$/' in home.queries[-1]
