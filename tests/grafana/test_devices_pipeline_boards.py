"""The devices and pipeline boards show the known devices, rejections and ingest statistics."""

from __future__ import annotations

import time

import pytest

from dampwatch_grafana import schema
from tests.grafana.boards_support import BoardRun, load_boards, with_variable
from tests.grafana.grafana_emulation import Rendering, TimeRange, Variable
from tests.grafana.sql_support import SqlDatabase, register
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers
SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS


def _health(
    home: str,
    device: str,
    age_h: float,
    battery: float,
    gaps: float,
    stuck: float,
    at: int,
    *,
    offline: bool,
) -> str:
    return (
        f"device_health,device={device},home={home} last_seen_age_h={age_h},"
        f"battery_pct={battery},seq_gaps_7d={gaps},offline={float(offline)},"
        f"stuck={stuck} {at}"
    )


@pytest.fixture
def devices(influx_db: InfluxDatabase, sql_db: SqlDatabase) -> BoardRun:
    register(
        sql_db,
        {"h.1": ("1 Quay St", {}), "h-2": ("2 Quay St", {}), "hx1": ("3 Quay St", {})},
    )
    hour = (int(time.time() * 1000) // HOUR_MS - 2) * HOUR_MS
    lines = [
        _health("h.1", "d1", 0.2, 80.0, 3.0, 0.0, hour, offline=False),
        # mains powered: offline after the assessment's 2 h
        _health("h.1", "d2", 9.5, 15.0, 0.0, 0.0, hour, offline=True),
        _health("h-2", "d3", 1.0, 60.0, 120.0, 1.0, hour, offline=False),
        # battery powered and within its 25 h: quiet, not silent
        _health("h-2", "d5", 12.0, 50.0, 0.0, 0.0, hour, offline=False),
        _health("hx1", "d9", 50.0, 1.0, 9.0, 1.0, hour, offline=True),  # not selected
    ]
    for minute in range(10):
        at = hour + minute * MINUTE_MS
        lines.append(
            "reading,device=d1,home=h.1,room=hall temperature_c=19.5,"
            f"battery_pct={81 - minute % 2},rssi_dbm={-70 - minute % 3} {at}"
        )
        lines.append(f"reading,device=d3,home=h-2,room=loft temperature_c=12.0,rssi_dbm=-95 {at}")
        lines.append(f"reading,device=d9,home=hx1 temperature_c=12.0,rssi_dbm=-20 {at}")
    influx_db.write("\n".join(lines))
    # 1 h on 500 points: 7.2 s, below the 1 min minimum interval, so 1 min.
    rendering = Rendering(TimeRange.absolute(hour - 30 * MINUTE_MS, hour + 30 * MINUTE_MS))
    run = BoardRun(load_boards()[schema.UID_DEVICES], influx_db, rendering, sql_db)
    assert run.variable_options("home") == ["h.1", "h-2", "hx1"]  # by address
    run.rendering = with_variable(
        rendering, Variable("home", ["h.1", "h-2"], options=["h-2", "h.1", "hx1"], multi=True)
    )
    return run


def test_devices_board_shows_the_known_devices(devices: BoardRun) -> None:
    hour_start = devices.rendering.time_range.from_ms + 30 * MINUTE_MS
    health = devices.rows("Device health")
    assert [(row["home"], row["device"], row["last_seen_age_h"]) for row in health] == [
        ("h-2", "d5", 12),
        ("h.1", "d2", 9.5),
        ("h-2", "d3", 1),
        ("h.1", "d1", 0.2),
    ]
    assert [row["address"] for row in health] == [
        "2 Quay St",
        "1 Quay St",
        "2 Quay St",
        "1 Quay St",
    ]
    assert health[1]["battery_pct"] == 15 and health[1]["offline"] == 1
    assert health[2]["seq_gaps_7d"] == 120 and health[2]["stuck"] == 1
    assert r"=~ /^(h\.1|h-2)$/" in devices.queries[-2]
    assert "h.home_id IN ('h.1','h-2')" in devices.queries[-1]  # the addresses, in SQL

    silent = devices.rows("Silent or stuck sensors")
    assert [(row["home"], row["device"]) for row in silent] == [("h.1", "d2"), ("h-2", "d3")]

    last = devices.rows("Last reading")
    assert [(row["device"], row["room"], row["Time"]) for row in last] == [
        ("d1", "hall", hour_start + 9 * MINUTE_MS),
        ("d3", "loft", hour_start + 9 * MINUTE_MS),
    ]
    assert devices.last_values("Sequence gaps (7 days)") == {
        "h-2 d3": 120,
        "h.1 d1": 3,
        "h.1 d2": 0,
        "h-2 d5": 0,
    }
    battery = devices.series("Battery")
    assert set(battery) == {"h.1 d1"}  # d3 reports no battery; d9 is in another home
    assert [value for _, value in battery["h.1 d1"]] == [81, 80] * 5
    signal = devices.series("Signal strength")
    assert [value for _, value in signal["h-2 d3"]] == [-95] * 10
    assert [value for _, value in signal["h.1 d1"]][:3] == [-70, -71, -72]
    assert not devices.unseen_panels()


@pytest.fixture
def pipeline(influx_db: InfluxDatabase) -> BoardRun:
    start = (int(time.time() * 1000) // HOUR_MS - 1) * HOUR_MS
    lines = []
    for index in range(30):  # 30 readings inside one 10 s interval
        lines.append(f"reading,device=d{index},home=h temperature_c=20.0 {start + index * 100}")
    for index, reason in enumerate(["range", "range", "not_json", "schema", "range"]):
        lines.append(
            f'rejected,reason={reason},source=w1 topic="t",raw="x",detail="d" '
            f"{start + index * 1000}"
        )
    for step in range(4):
        at = start + step * 10 * SECOND_MS
        for worker, rate in (("w1", 10), ("w2", 25)):
            lines.append(
                f"ingest,worker={worker} received_total={step * rate * 10}i,"
                f"written_total={step * rate * 10}i,rejected_total={step}i,"
                f"backlog={step * 100 + (5 if worker == 'w2' else 0)}i,"
                f"batch_seconds=0.{step + 1},"
                f"lag_seconds={step * 1.5 + (1 if worker == 'w2' else 0)} {at}"
            )
    influx_db.write("\n".join(lines))
    # 1 h on 500 points: 7.2 s rounds to 5 s, below the 10 s minimum of the ingest panels.
    rendering = Rendering(TimeRange.absolute(start, start + HOUR_MS))
    run = BoardRun(load_boards()[schema.UID_PIPELINE], influx_db, rendering)
    workers = run.variable_options("worker")
    assert workers == ["w1", "w2"]
    run.rendering = with_variable(
        rendering, Variable("worker", "$__all", options=workers, multi=True)
    )
    return run


def test_pipeline_board_shows_the_known_flow(pipeline: BoardRun) -> None:
    per_second = pipeline.series("Readings stored per second")["readings/s"]
    assert per_second[0][1] == pytest.approx(3.0)  # 30 readings in 10 s
    assert "* 1000 / 10000" in pipeline.queries[-1]
    assert all(value == 0 for _, value in per_second[1:])

    throughput = pipeline.series("Ingest throughput")
    assert {value for _, value in throughput["w1 received"]} == {10}
    assert {value for _, value in throughput["w2 written"]} == {25}
    assert {value for _, value in throughput["w1 rejected"]} == {0.1}

    by_reason = pipeline.series("Rejected by reason")
    assert {name: sum(v for _, v in points) for name, points in by_reason.items()} == {
        "range": 3,
        "not_json": 1,
        "schema": 1,
    }
    totals = pipeline.rows("Rejections by reason")
    assert (totals[0]["reason"], totals[0]["rejected"]) == ("range", 3)
    assert sorted(row["rejected"] for row in totals) == [1, 1, 3]

    assert [v for _, v in pipeline.series("Ingest backlog")["w2"]] == [5, 105, 205, 305]
    assert [v for _, v in pipeline.series("Ingest lag")["w1"]] == [0, 1.5, 3, 4.5]
    assert [v for _, v in pipeline.series("Batch write time")["w1"]] == [0.1, 0.2, 0.3, 0.4]
    assert pipeline.last_values("Backlog now") == {"ingest.sum": 300 + 305}
    assert pipeline.last_values("Lag now") == {"ingest.max": 5.5}
    assert not pipeline.unseen_panels()
