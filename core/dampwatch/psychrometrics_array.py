"""Array forms of `dampwatch.psychrometrics` for numpy callers (the simulator, the assessment).

Same Magnus constants (WMO); tests hold the two forms to agreement.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dampwatch.psychrometrics import (
    ABS_HUMIDITY_FACTOR,
    KELVIN_OFFSET,
    MAGNUS_B,
    MAGNUS_C_C,
    MAGNUS_E0_HPA,
)

FloatArray = npt.NDArray[np.float64]


def saturation_vapour_pressure_hpa(temperature_c: FloatArray) -> FloatArray:
    """Saturation vapour pressure over water in hPa, element-wise."""
    return MAGNUS_E0_HPA * np.exp(MAGNUS_B * temperature_c / (MAGNUS_C_C + temperature_c))


def vapour_pressure_hpa(temperature_c: FloatArray, humidity_pct: FloatArray) -> FloatArray:
    """Water vapour partial pressure in hPa of air at a temperature and relative humidity."""
    vapour: FloatArray = humidity_pct / 100.0 * saturation_vapour_pressure_hpa(temperature_c)
    return vapour


def vapour_density_gm3(temperature_c: FloatArray, humidity_pct: FloatArray) -> FloatArray:
    """Absolute humidity in g/m³ of air at a temperature and relative humidity."""
    vapour_hpa = vapour_pressure_hpa(temperature_c, humidity_pct)
    return ABS_HUMIDITY_FACTOR * vapour_hpa / (KELVIN_OFFSET + temperature_c)


def vapour_pressure_from_density_hpa(
    density_gm3: FloatArray, temperature_c: FloatArray
) -> FloatArray:
    """Vapour pressure in hPa of vapour at `density_gm3` and `temperature_c`."""
    return density_gm3 * (KELVIN_OFFSET + temperature_c) / ABS_HUMIDITY_FACTOR


def relative_humidity_pct(temperature_c: FloatArray, vapour_hpa: FloatArray) -> FloatArray:
    """Relative humidity in % of air at `temperature_c` holding `vapour_hpa`, capped at 100."""
    return np.minimum(100.0, 100.0 * vapour_hpa / saturation_vapour_pressure_hpa(temperature_c))


def surface_rh_pct(air_c: FloatArray, air_rh_pct: FloatArray, surface_c: FloatArray) -> FloatArray:
    """RH at a colder surface for room air of this temperature and RH, at most 100 %."""
    # the air's vapour pressure at the surface: RH scales by e_s(T_air) / e_s(T_surface)
    ratio = np.exp(
        MAGNUS_B * air_c / (MAGNUS_C_C + air_c) - MAGNUS_B * surface_c / (MAGNUS_C_C + surface_c)
    )
    with np.errstate(invalid="ignore"):
        return np.minimum(air_rh_pct * ratio, 100.0)


def dew_point_c(temperature_c: FloatArray, humidity_pct: FloatArray) -> FloatArray:
    """Dew point (Magnus inverted), NaN where either input is missing."""
    humidity = np.clip(humidity_pct, 0.01, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = np.log(humidity / 100.0) + MAGNUS_B * temperature_c / (MAGNUS_C_C + temperature_c)
        return MAGNUS_C_C * gamma / (MAGNUS_B - gamma)
