"""The VTT mould model against hand-worked values and the published reference behaviour."""

from __future__ import annotations

import itertools
import math

import pytest

from dampwatch import mould
from dampwatch.mould import MouldState, Sensitivity


def test_critical_rh_follows_the_polynomial_and_class_minimum() -> None:
    # Hand-worked: -0.00267·T³ + 0.160·T² - 3.13·T + 100.
    assert mould.rh_critical_pct(0.0, Sensitivity.VERY_SENSITIVE) == pytest.approx(100.0)
    assert mould.rh_critical_pct(5.0, Sensitivity.VERY_SENSITIVE) == pytest.approx(88.016, abs=1e-3)
    assert mould.rh_critical_pct(10.0, Sensitivity.VERY_SENSITIVE) == pytest.approx(82.03, abs=1e-3)
    assert mould.rh_critical_pct(20.0, Sensitivity.VERY_SENSITIVE) == pytest.approx(80.04, abs=1e-3)
    assert mould.rh_critical_pct(25.0, Sensitivity.VERY_SENSITIVE) == 80.0
    # Medium resistant materials never grow below 85 %.
    assert mould.rh_critical_pct(15.0, Sensitivity.MEDIUM_RESISTANT) == 85.0
    assert mould.rh_critical_pct(25.0, Sensitivity.RESISTANT) == 85.0


def test_index_maximum_hand_worked() -> None:
    # x = (80 - 97)/(80 - 100) = 0.85; M_max = 1 + 7·0.85 - 2·0.85² = 5.505.
    assert mould.mould_index_max(97.0, 80.0, Sensitivity.VERY_SENSITIVE) == pytest.approx(5.505)
    assert mould.mould_index_max(100.0, 80.0, Sensitivity.VERY_SENSITIVE) == pytest.approx(6.0)


def test_growth_rate_at_20c_97pct_hand_worked() -> None:
    # exp(-0.68·ln20 - 13.9·ln97 + 66.02) = e^0.3950 ≈ 1.4844; 1/(7·1.4844) per day.
    exponent = -0.68 * math.log(20) - 13.9 * math.log(97) + 66.02
    per_day = 1 / (7 * math.exp(exponent))
    assert per_day == pytest.approx(0.0962, abs=2e-4)
    rate = mould.growth_rate_per_hour(20.0, 97.0, 0.0, Sensitivity.VERY_SENSITIVE)
    k2 = 1 - math.exp(2.3 * (0 - 5.505))
    assert rate == pytest.approx(per_day * k2 / 24)


def test_very_sensitive_pine_at_97pct_20c_reaches_index_1_in_about_ten_days() -> None:
    # Hukka & Viitanen's reference: pine sapwood at RH 97 %, 20 °C shows first microscopic growth
    # (M = 1) after about 1.5 weeks; the rate above gives 1/0.0962 ≈ 10.4 days.
    indices = mould.run([(20.0, 97.0)] * (24 * 20), sensitivity=Sensitivity.VERY_SENSITIVE)
    first = next(hour for hour, index in enumerate(indices, 1) if index >= 1.0)
    assert 240 <= first <= 260
    # After M ≥ 1 the very sensitive class grows twice as fast (k1 = 2).
    second = next(hour for hour, index in enumerate(indices, 1) if index >= 2.0)
    assert (second - first) == pytest.approx((first) / 2, rel=0.1)


def test_index_levels_off_at_its_maximum() -> None:
    indices = mould.run([(20.0, 97.0)] * (24 * 365), sensitivity=Sensitivity.VERY_SENSITIVE)
    assert indices[-1] == pytest.approx(5.505, abs=0.05)
    assert all(b >= a for a, b in itertools.pairwise(indices))
    assert max(indices) <= 5.505


def test_sensitive_class_grows_slower_than_very_sensitive() -> None:
    hours = [(20.0, 95.0)] * (24 * 60)
    very = mould.run(hours, sensitivity=Sensitivity.VERY_SENSITIVE)[-1]
    sensitive = mould.run(hours, sensitivity=Sensitivity.SENSITIVE)[-1]
    medium = mould.run(hours, sensitivity=Sensitivity.MEDIUM_RESISTANT)[-1]
    assert very > sensitive > medium > 0


def test_no_growth_below_critical_rh_or_outside_temperature_range() -> None:
    assert mould.run([(20.0, 79.0)] * 24 * 60) == [0.0] * 24 * 60
    assert mould.run([(5.0, 87.0)] * 24 * 30) == [0.0] * 24 * 30  # RH_crit(5 °C) ≈ 88 %
    assert mould.run([(-1.0, 99.0)] * 24 * 30) == [0.0] * 24 * 30
    assert mould.run([(55.0, 99.0)] * 24 * 30) == [0.0] * 24 * 30
    assert mould.growth_rate_per_hour(20.0, 84.0, 0.0, Sensitivity.MEDIUM_RESISTANT) == 0.0


def test_decline_rates_in_a_dry_spell() -> None:
    # Hukka & Viitanen eq. 9 times the material factor:
    # -0.00133/h for 6 h, 0 to 24 h, then -0.000667/h.
    start = MouldState(index=2.0, dry_hours=0)
    indices = mould.run([(20.0, 50.0)] * 48, state=start, material_factor=1.0)
    assert indices[5] == pytest.approx(2.0 - 6 * 0.00133)
    assert indices[23] == pytest.approx(indices[5])
    assert indices[47] == pytest.approx(indices[23] - 24 * 0.000667)
    halved = mould.run([(20.0, 50.0)] * 48, state=start, material_factor=0.5)
    assert 2.0 - halved[47] == pytest.approx((2.0 - indices[47]) / 2)


def test_a_wet_hour_restarts_the_dry_spell_and_the_index_never_goes_negative() -> None:
    state = MouldState(index=0.0005, dry_hours=30)
    state = mould.step(state, 20.0, 50.0, material_factor=1.0)
    assert state.index == 0.0
    wet = mould.step(MouldState(1.0, 30), 20.0, 95.0)
    assert wet.dry_hours == 0
    assert wet.index > 1.0


def test_missing_hours_leave_the_state_unchanged() -> None:
    state = MouldState(1.5, 3)
    assert mould.step(state, math.nan, 90.0) == state
    assert mould.step(state, 20.0, math.nan) == state
