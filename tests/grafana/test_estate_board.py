"""The estate board's panels show the known homes, alerts and devices, ranked and counted."""

from __future__ import annotations

import time

import pytest

from dampwatch_grafana import schema
from tests.grafana.boards_support import BoardRun, load_boards
from tests.grafana.grafana_emulation import ALL, Rendering, TimeRange, Variable
from tests.grafana.sql_support import SqlDatabase, register
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers
HOUR_MS = 3_600_000
ALERT_FILTERS_ALL = {
    name: Variable(name, ALL, options=[], multi=True, all_value="'*'")
    for name in ("alert_state", "assignee")
}
DAY_MS = 24 * HOUR_MS


def _line(measurement: str, tags: dict[str, str], fields: str, at_ms: int) -> str:
    tag_text = "".join(f",{key}={value}" for key, value in sorted(tags.items()))
    return f"{measurement}{tag_text} {fields} {at_ms}"


def _home_risk(home: str, score: float, open_: int, overdue: int, kinds: str, at: int) -> str:
    fields = f'score={score},open_alerts={open_}.0,overdue_alerts={overdue}.0,kinds="{kinds}"'
    return _line("home_risk", {"home": home}, fields, at)


def _alert(home: str, room: str | None, kind: str, severity: str, status: str, at: int) -> str:
    tags = {"home": home, "kind": kind, "severity": severity} | ({"room": room} if room else {})
    return _line("alert", tags, f'alert_id=1i,status="{status}",text="{kind} in {home}"', at)


def _device(home: str, device: str, offline: int, age_h: float, battery: float, at: int) -> str:
    fields = (
        f"offline={offline}.0,last_seen_age_h={age_h},battery_pct={battery},"
        "seq_gaps_7d=0.0,stuck=0.0"
    )
    return _line("device_health", {"home": home, "device": device}, fields, at)


@pytest.fixture
def estate(influx_db: InfluxDatabase, sql_db: SqlDatabase) -> BoardRun:
    # hE is not registered (a home deleted since): a table joined to the registry leaves it out.
    register(
        sql_db,
        {
            home: (f"{number} Mill Lane", {})
            for number, home in enumerate(("hA", "hB", "hC", "hD"), start=1)
        },
    )
    hour = int(time.time() * 1000) // HOUR_MS * HOUR_MS
    h1, h2, h3 = hour - HOUR_MS, hour - 2 * HOUR_MS, hour - 3 * HOUR_MS
    influx_db.write(
        "\n".join(
            [
                # hA's score rose over the last hours: the latest hour counts.
                _home_risk("hA", 80.0, 1, 0, "mould_risk", h3),
                _home_risk("hA", 85.5, 2, 1, "mould_risk,cold_home", h2),
                _home_risk("hA", 91.25, 2, 1, "mould_risk,cold_home", h1),
                _home_risk("hB", 20.0, 0, 0, "", h1),
                _home_risk("hC", 30.0, 1, 1, "cold_home", h1),
                _home_risk("hC", 30.0, 0, 0, "", h3),
                _home_risk("hD", 60.0, 0, 0, "", h1),
                _home_risk("hE", 45.0, 0, 0, "", h1),
                _alert("hA", "bathroom", "mould_risk", "high", "open", h3),
                _alert("hA", None, "cold_home", "medium", "open", h2),
                _alert("hA", None, "cold_home", "medium", "acknowledged", h1),
                _alert("hC", None, "cold_home", "medium", "open", h2),
                _alert("hB", "bedroom-1", "condensation_risk", "low", "open", h3),
                _alert("hB", "bedroom-1", "condensation_risk", "low", "resolved", h2),
                # raised a month ago and never resolved: still open today
                _alert("hD", "kitchen", "mould_risk", "high", "open", hour - 30 * DAY_MS),
                _device("hA", "dev1", 1, 30.5, 40.0, h1),
                _device("hA", "dev2", 0, 0.1, 90.0, h1),
                _device("hB", "dev3", 1, 8.0, 5.0, h1),
                _device("hB", "dev3", 0, 0.2, 6.0, h3),
                _device("hC", "dev4", 0, 0.3, 70.0, h1),
            ]
        )
    )
    rendering = Rendering(
        TimeRange.last("7d", hour + 10 * 60_000),
        variables={"min_score": Variable("min_score", "50")} | ALERT_FILTERS_ALL,
    )
    return BoardRun(load_boards()[schema.UID_ESTATE], influx_db, rendering, sql_db)


def test_estate_panels_show_the_known_estate(estate: BoardRun) -> None:
    ranked = estate.rows("Homes ranked by score")
    assert [(row["home"], row["score"]) for row in ranked] == [
        ("hA", 91.25),
        ("hD", 60.0),
        ("hC", 30.0),
    ]
    assert [row["address"] for row in ranked] == ["1 Mill Lane", "4 Mill Lane", "3 Mill Lane"]
    assert ranked[0] == {
        "address": "1 Mill Lane",
        "home": "hA",
        "score": 91.25,
        "open_alerts": 2,
        "overdue_alerts": 1,
        "kinds": "mould_risk,cold_home",
    }
    assert estate.last_values("Homes needing intervention") == {"home_risk.homes": 3}
    assert estate.last_values("Homes with a device offline") == {"device_health.homes": 2}

    trend = estate.series("Homes with open alerts")
    assert set(trend) == {"flagged homes"}
    flagged = [value for _, value in trend["flagged homes"] if value]
    assert flagged == [1, 1, 2]  # hA three hours ago; hA two hours ago; hA and hC last hour
    assert "* 3600000 / 3600000" in estate.queries[-1]  # 1 h intervals: homes, not averages

    offline = estate.rows("Homes with devices offline")
    assert offline == [
        {
            "address": "1 Mill Lane",
            "home": "hA",
            "device": "dev1",
            "last_seen_age_h": 30.5,
            "battery_pct": 40,
        },
        {
            "address": "2 Mill Lane",
            "home": "hB",
            "device": "dev3",
            "last_seen_age_h": 8,
            "battery_pct": 5,
        },
    ]
    sql_panels = {
        "Open alerts",
        "Open alerts by deadline",
        "Not acknowledged",
        "Overdue alerts",
        "Cases past a deadline",
        "Open alerts by kind",
        "Open alerts by severity",
        "Open cases and their next statutory deadline",
    }
    assert estate.unseen_panels() == sql_panels  # tests/grafana/test_sql_panels.py runs them


def test_a_lower_minimum_score_lists_more_homes(estate: BoardRun) -> None:
    estate.rendering = Rendering(
        estate.rendering.time_range,
        variables={"min_score": Variable("min_score", "25")} | ALERT_FILTERS_ALL,
    )
    homes = [row["home"] for row in estate.rows("Homes ranked by score")]
    assert homes == ["hA", "hD", "hC"]  # and hE (45), which the registry no longer knows


def test_queries_run_in_the_browser_form_too(estate: BoardRun) -> None:
    estate.rendering = Rendering(
        estate.rendering.time_range, variables=estate.rendering.variables, path="browser"
    )
    assert [row["home"] for row in estate.rows("Homes ranked by score")] == ["hA", "hD", "hC"]
    assert "time >= now() - 7d and time <= now()" in estate.queries[-2]  # [-1]: the SQL


def test_flagged_trend_over_longer_intervals_averages_homes(estate: BoardRun) -> None:
    # 90 days on 500 points: 4.3 h per point, rounded to 3 h
    now_ms = estate.rendering.time_range.to_ms
    estate.rendering = Rendering(
        TimeRange.last("90d", now_ms), variables=estate.rendering.variables
    )
    trend = estate.series("Homes with open alerts")["flagged homes"]
    assert "* 3600000 / 10800000" in estate.queries[-1]
    # four flagged home-hours in the last hours: 4/3 homes flagged on average
    assert sum(value for _, value in trend) == pytest.approx(4 / 3)
