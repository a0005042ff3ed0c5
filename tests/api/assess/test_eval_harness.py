"""The evaluation harness on the simulator's cohort: its hourly aggregates agree with the job's
InfluxQL read of the same readings in a real InfluxDB, and it scores against the truth."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
import pytest
from bench import assess_eval
from bench.assess_hourly import hourly_readings

from dampwatch.assessment.frame import hour_index
from dampwatch.assessment.kinds import AlertKind
from dampwatch.influx import InfluxQL, make_writer
from dampwatch.lineprotocol import reading_line
from dampwatch.readings import ValidReading, validate_reading
from dampwatch_api.assess.reader import read_hourly
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_sim.cohort import build_cohort
from tests.support import InfluxDatabase

START = datetime(2024, 11, 4, tzinfo=UTC)


@pytest.mark.servers
@pytest.mark.slow
def test_harness_aggregates_match_the_jobs_influxql_read(influx_db: InfluxDatabase) -> None:
    cohort = build_cohort(homes=3, days=2, seed=11, start=START, mix="damp=0.5,faulty=0.5")
    batches = [(b.home_id, b.device_id, b.room, b.readings) for b in cohort.device_readings()]
    settings = AssessSettings(
        influx_url=influx_db.url, influx_api="v1", influx_database=influx_db.database
    )
    writer = make_writer(settings)
    now_s = time.time()
    for home, device, room, readings in batches:
        lines = []
        for element in readings:
            valid = validate_reading(element, now_s=now_s, retention_s=10 * 365 * 86400)
            assert isinstance(valid, ValidReading), valid
            lines.append(reading_line(valid, home, device, room))
        writer.write(lines)
    writer.close()
    start_hour, hours = hour_index(START), 48
    influx = InfluxQL(settings)
    from_db = read_hourly(influx, start_hour, start_hour + hours, [])
    influx.close()
    harness = hourly_readings(batches, start_hour, hours)
    assert sorted(from_db.index) == sorted(harness.index)
    for key, row in harness.index.items():
        other = from_db.index[key]
        for name in ("count", "temperature_c", "humidity_pct", "battery_pct", "seq_min", "seq_max"):
            np.testing.assert_allclose(
                getattr(harness.frame, name)[row],
                getattr(from_db.frame, name)[other],
                rtol=1e-9,
                atol=1e-9,
                err_msg=f"{key} {name}",
            )
        np.testing.assert_allclose(harness.probe_c[row], from_db.probe_c[other], atol=1e-9)
        np.testing.assert_allclose(harness.co2_ppm[row], from_db.co2_ppm[other], atol=1e-9)


@pytest.mark.slow
def test_harness_scores_a_small_cohort_against_its_truth() -> None:
    results = assess_eval.run(12, 30, 5, START)
    damp = results["groups"]["damp/mould"]
    assert damp["actual"] > 0 and damp["flagged"] > 0
    assert damp["precision"] is not None and damp["precision"] >= 0.8
    assert results["median_hours_to_flag_damp"] is not None
    assert "damp/mould" in assess_eval.report(results)


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert assess_eval.main(["--start", "not-a-date"]) == 2
    assert capsys.readouterr().err.startswith("assess_eval: ")
    with pytest.raises(SystemExit) as stopped:
        assess_eval.main(["--days", "3"])
    assert stopped.value.code == 2


def test_homes_on_the_limit_are_scored_apart() -> None:
    def condition(kind: str) -> dict[str, str]:
        return {"kind": kind, "room": "bedroom-1", "onset": "2024-11-05T00:00:00+00:00"}

    on_limit = {"kind": "mould_risk", "room": "bedroom-1", "holds": True}
    appears = {"kind": "condensation_risk", "room": "bedroom-1", "holds": False}
    truth = {
        "homes": [
            {"home_id": "damp", "conditions": [condition("mould_risk")], "borderline": []},
            {"home_id": "limit", "conditions": [condition("mould_risk")], "borderline": [on_limit]},
            {"home_id": "nearly", "conditions": [], "borderline": [appears]},
            {"home_id": "dry", "conditions": [], "borderline": []},
        ]
    }
    flags = assess_eval.Flags()
    for home in ("damp", "nearly", "dry"):
        flags.kinds[home].add(AlertKind.CONDENSATION_RISK)
    results = assess_eval.score(flags, truth, hour_index(START))
    damp = results["groups"]["damp/mould"]
    # Decidable: "damp" found, "dry" a false alarm; "limit" missed and "nearly" flagged, apart.
    assert (damp["precision"], damp["recall"]) == (0.5, 1.0)
    assert (damp["borderline"], damp["borderline_flagged"]) == (2, 1)
    assert (damp["strict_precision"], damp["strict_recall"]) == (1 / 3, 0.5)
    assert results["healthy_homes"] == 1 and results["healthy_homes_with_hazard_alerts"] == 1
    assert "on the limit" in assess_eval.report(results)
