"""Array forms of the core moist-air relations, on dampwatch.psychrometrics' Magnus constants."""

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


def vapour_density_gm3(temperature_c: FloatArray, humidity_pct: FloatArray) -> FloatArray:
    """Absolute humidity in g/m³ of air at a temperature and relative humidity."""
    vapour_hpa = humidity_pct / 100.0 * saturation_vapour_pressure_hpa(temperature_c)
    return ABS_HUMIDITY_FACTOR * vapour_hpa / (KELVIN_OFFSET + temperature_c)


def vapour_pressure_from_density_hpa(
    density_gm3: FloatArray, temperature_c: FloatArray
) -> FloatArray:
    """Vapour pressure in hPa of vapour at `density_gm3` and `temperature_c`."""
    return density_gm3 * (KELVIN_OFFSET + temperature_c) / ABS_HUMIDITY_FACTOR


def relative_humidity_pct(temperature_c: FloatArray, vapour_hpa: FloatArray) -> FloatArray:
    """Relative humidity in % of air at `temperature_c` holding `vapour_hpa`, capped at 100."""
    return np.minimum(100.0, 100.0 * vapour_hpa / saturation_vapour_pressure_hpa(temperature_c))
