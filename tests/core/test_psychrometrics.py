"""Psychrometrics against published reference values."""

import math

import numpy as np
import pytest

from dampwatch import psychrometrics_array as arrays
from dampwatch.psychrometrics import (
    abs_humidity_gm3,
    dew_point_c,
    relative_humidity_pct,
    saturation_vapour_pressure_hpa,
    vapour_pressure_hpa,
)

# Saturation vapour pressure over water, hPa: WMO-No. 8 (2018) Annex 4.B / Smithsonian tables.
SATURATION_TABLE = [(-10.0, 2.865), (0.0, 6.112), (10.0, 12.28), (20.0, 23.39), (30.0, 42.47)]

# Dew point, °C, from standard psychrometric tables (the values housing guidance quotes).
DEW_POINT_TABLE = [
    (20.0, 50.0, 9.3),
    (30.0, 70.0, 23.9),
    (10.0, 80.0, 6.7),
    (25.0, 60.0, 16.7),
    (21.0, 65.0, 14.2),
]

# Water vapour density of saturated air, g/m³ (CIBSE Guide C, psychrometric data).
SATURATED_DENSITY_TABLE = [(0.0, 4.85), (10.0, 9.40), (20.0, 17.3), (30.0, 30.4)]


@pytest.mark.parametrize(("temperature_c", "expected_hpa"), SATURATION_TABLE)
def test_saturation_vapour_pressure_matches_tables(temperature_c, expected_hpa):
    # Magnus with WMO coefficients stays within 0.4 % of the tables over -10 … 30 °C
    assert saturation_vapour_pressure_hpa(temperature_c) == pytest.approx(expected_hpa, rel=0.004)


@pytest.mark.parametrize(("temperature_c", "humidity_pct", "expected_c"), DEW_POINT_TABLE)
def test_dew_point_matches_tables(temperature_c, humidity_pct, expected_c):
    assert dew_point_c(temperature_c, humidity_pct) == pytest.approx(expected_c, abs=0.1)


@pytest.mark.parametrize(("temperature_c", "expected_gm3"), SATURATED_DENSITY_TABLE)
def test_absolute_humidity_matches_tables(temperature_c, expected_gm3):
    assert abs_humidity_gm3(temperature_c, 100.0) == pytest.approx(expected_gm3, rel=0.01)


@pytest.mark.parametrize("temperature_c", [-30.0, -5.0, 0.0, 12.5, 21.0, 40.0])
def test_dew_point_of_saturated_air_is_the_air_temperature(temperature_c):
    assert dew_point_c(temperature_c, 100.0) == pytest.approx(temperature_c, abs=1e-9)


@pytest.mark.parametrize(("temperature_c", "humidity_pct"), [(21.0, 55.0), (5.0, 90.0), (-8, 40)])
def test_dew_point_inverts_saturation_pressure(temperature_c, humidity_pct):
    dew_point = dew_point_c(temperature_c, humidity_pct)
    assert saturation_vapour_pressure_hpa(dew_point) == pytest.approx(
        vapour_pressure_hpa(temperature_c, humidity_pct), rel=1e-9
    )


def test_cold_wall_relative_humidity():
    # room air 20 °C / 60 % against a wall surface at 12.5 °C (f_Rsi 0.75 with 5 °C outside)
    surface_rh = relative_humidity_pct(12.5, vapour_pressure_hpa(20.0, 60.0))
    # tables: 0.60 · 23.39 hPa / 14.49 hPa = 96.9 %
    assert surface_rh == pytest.approx(96.9, abs=0.3)
    assert relative_humidity_pct(5.0, vapour_pressure_hpa(20.0, 60.0)) == 100.0


def test_dry_air_has_a_finite_dew_point():
    assert math.isfinite(dew_point_c(20.0, 0.0))
    assert dew_point_c(20.0, 0.0) < -60


def test_array_forms_agree_with_the_scalar_ones():
    temperature = np.array([-10.0, 0.0, 12.5, 20.0, 35.0])
    humidity = np.array([30.0, 55.0, 70.0, 85.0, 99.0])
    dew = arrays.dew_point_c(temperature, humidity)
    density = arrays.vapour_density_gm3(temperature, humidity)
    for index, (t, rh) in enumerate(zip(temperature, humidity, strict=True)):
        assert dew[index] == pytest.approx(dew_point_c(t, rh), abs=1e-9)
        assert density[index] == pytest.approx(abs_humidity_gm3(t, rh), rel=1e-12)
