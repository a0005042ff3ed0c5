"""Moist-air relations used throughout: saturation vapour pressure, dew point, absolute humidity.

Saturation vapour pressure over water uses the Magnus form with the coefficients recommended by the
WMO (Guide to Instruments and Methods of Observation, WMO-No. 8, 2018, Annex 4.B; Sonntag 1990):
    e_s(T) = 6.112 · exp(17.62·T / (243.12 + T))  hPa,  valid -45 … 60 °C over water.
The dew point inverts it. Absolute humidity follows from the ideal gas law for water vapour
(R_v = 461.5 J/(kg·K)): ρ_v = e / (R_v·T) → 216.7 · e[hPa] / (273.15 + T) g/m³.
"""

from __future__ import annotations

import math
from typing import Final

MAGNUS_E0_HPA: Final = 6.112
MAGNUS_B: Final = 17.62
MAGNUS_C_C: Final = 243.12
ABS_HUMIDITY_FACTOR: Final = 216.7  # 100 Pa/hPa · 1000 g/kg / R_v(461.5 J/(kg·K))
KELVIN_OFFSET: Final = 273.15


def saturation_vapour_pressure_hpa(temperature_c: float) -> float:
    """Saturation vapour pressure over water in hPa (Magnus, WMO coefficients)."""
    return MAGNUS_E0_HPA * math.exp(MAGNUS_B * temperature_c / (MAGNUS_C_C + temperature_c))


def vapour_pressure_hpa(temperature_c: float, humidity_pct: float) -> float:
    """Actual vapour pressure in hPa from air temperature and relative humidity."""
    return humidity_pct / 100.0 * saturation_vapour_pressure_hpa(temperature_c)


def dew_point_c(temperature_c: float, humidity_pct: float) -> float:
    """Dew point in °C; RH of 0 % has no dew point, so it is clamped to 0.01 % (about -70 °C)."""
    humidity = max(humidity_pct, 0.01)
    gamma = math.log(humidity / 100.0) + MAGNUS_B * temperature_c / (MAGNUS_C_C + temperature_c)
    return MAGNUS_C_C * gamma / (MAGNUS_B - gamma)


def abs_humidity_gm3(temperature_c: float, humidity_pct: float) -> float:
    """Absolute humidity (water vapour density) in g/m³."""
    return (
        ABS_HUMIDITY_FACTOR
        * vapour_pressure_hpa(temperature_c, humidity_pct)
        / (KELVIN_OFFSET + temperature_c)
    )


def relative_humidity_pct(temperature_c: float, vapour_pressure: float) -> float:
    """Relative humidity in % of air at `temperature_c` holding `vapour_pressure` hPa, up to 100."""
    return min(100.0, 100.0 * vapour_pressure / saturation_vapour_pressure_hpa(temperature_c))
