"""The evaluation harness on a small physically generated cohort, and its file input."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from bench import assess_eval
from bench.cohort_gen import SAMPLES_PER_HOUR, generate

from dampwatch.assessment.config import DEFAULT_CONFIG


def test_rules_find_the_planted_conditions_and_spare_healthy_homes() -> None:
    cohort = generate(homes=20, days=40, seed=3)
    frame = assess_eval.hourly_frame(cohort)
    results = assess_eval.score(
        assess_eval.evaluate_flags(frame, DEFAULT_CONFIG), cohort.truth, frame.start_hour
    )
    for group in ("damp", "cold", "device_offline"):
        assert results["groups"][group]["recall"] == 1.0, group
        assert results["groups"][group]["precision"] == 1.0, group
    assert results["healthy_homes_with_hazard_alerts"] == 0
    assert results["median_hours_to_flag_damp"] <= 72
    assert assess_eval.passed(results)


def test_a_cohort_read_from_files_scores_like_the_generated_one(tmp_path: Path) -> None:
    cohort = generate(homes=5, days=30, seed=5)
    readings, truth = tmp_path / "readings.csv", tmp_path / "truth.json"
    truth.write_text(json.dumps(cohort.truth))
    step = timedelta(minutes=60 // SAMPLES_PER_HOUR)
    with readings.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["home", "device", "room", "ts", "temperature_c", "humidity_pct"])
        for row in range(len(cohort.devices)):
            for slot in range(0, cohort.samples):
                t = cohort.temperature[row][slot]
                if np.isfinite(t):
                    at = (cohort.start + slot * step).isoformat()
                    writer.writerow(
                        [
                            cohort.homes[row],
                            cohort.devices[row],
                            cohort.rooms[row],
                            at,
                            t,
                            cohort.humidity[row][slot],
                        ]
                    )
    loaded, loaded_truth = assess_eval.read_cohort(readings, truth)
    direct = assess_eval.evaluate_flags(assess_eval.hourly_frame(cohort), DEFAULT_CONFIG)
    from_files = assess_eval.evaluate_flags(assess_eval.hourly_frame(loaded), DEFAULT_CONFIG)
    assert dict(from_files.kinds) == dict(direct.kinds)
    assert loaded_truth == cohort.truth


def test_unreadable_files_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = assess_eval.main(
        ["--readings", str(tmp_path / "missing.csv"), "--truth", str(tmp_path / "t.json")]
    )
    assert code == 2
    assert capsys.readouterr().err.startswith("assess_eval: cannot read the cohort")
