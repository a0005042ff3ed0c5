"""A second generator of homes (tests.support.bs5250_homes: moisture and heat balances, BS 5250
moisture production, air-change ventilation), scored as `make eval` scores the simulator's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from bench.assess_eval import Flags, evaluate_flags, score

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.kinds import AlertKind
from tests.support.bs5250_cohort import Cohort, build
from tests.support.bs5250_homes import BEDROOM, hourly_means

SEEDS = (1, 2, 3)
TARGET = 0.95


@pytest.fixture(scope="module", params=SEEDS)
def judged(request: pytest.FixtureRequest) -> tuple[Cohort, Flags, dict[str, Any]]:
    cohort = build(int(request.param), homes=40, days=42)
    flags = evaluate_flags(cohort.readings, DEFAULT_CONFIG)
    return cohort, flags, score(flags, cohort.truth, cohort.start_hour)


@pytest.mark.slow
def test_the_generator_draws_what_it_claims() -> None:
    cohort = build(4, homes=12, days=42)
    kinds = {home.kind for home in cohort.homes}
    assert kinds == {"damp", "cold", "healthy"}
    for home in cohort.homes:
        rh = hourly_means(home.rh_pct)
        if home.kind == "damp":
            after = rh[BEDROOM, (home.onset_day + 2) * 24 :]
            assert 72 <= np.median(after) <= 86
        else:
            assert np.median(rh[BEDROOM]) < 68


@pytest.mark.slow
def test_damp_cold_and_devices_hold_on_homes_of_another_model(
    judged: tuple[Cohort, Flags, dict[str, Any]],
) -> None:
    _cohort, _flags, results = judged
    groups = results["groups"]
    for kind in ("damp/mould", "cold", "device_offline", "sensor_fault"):
        values = groups[kind]
        assert values["actual"] > 0, kind
        assert values["precision"] >= TARGET, (kind, values)
        assert values["recall"] >= TARGET, (kind, values)
    assert results["healthy_homes_with_hazard_alerts"] == 0
    assert results["healthy_homes_with_wet_room_alerts"] == 0


@pytest.mark.slow
def test_a_drifting_sensor_is_drift_and_a_damp_room_is_damp(
    judged: tuple[Cohort, Flags, dict[str, Any]],
) -> None:
    cohort, flags, _results = judged
    damp_kinds = {AlertKind.CONDENSATION_RISK, AlertKind.MOULD_RISK}
    for home in cohort.homes:
        found = flags.kinds.get(home.home_id, set())
        truth = {condition["kind"] for condition in home.conditions}
        if "sensor_fault" in truth:  # a calibration creep in a dry bedroom
            assert AlertKind.SENSOR_FAULT in found, home.home_id
            assert not found & damp_kinds, home.home_id
        if home.kind == "damp":  # its sensor never drifts
            assert found & damp_kinds, home.home_id
            assert AlertKind.SENSOR_FAULT not in found, home.home_id
