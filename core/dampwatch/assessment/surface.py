"""The coldest wall surface of a room: its temperature and the relative humidity there.

Room air is not the wall. In order of preference: a wall probe (`surface_temperature_c`); the
temperature factor with the outdoor temperature, T_si = T_out + f_Rsi·(T_in − T_out) with
f_Rsi = 0.75 the UK design minimum (BRE IP1/06, BS 5250:2021 Annex); else room air less a stated
margin. The surface RH keeps the room air's vapour pressure at the colder surface (Magnus, WMO),
capped at 100 %.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.psychrometrics import (
    MAGNUS_B,
    MAGNUS_C_C,
    dew_point_c,
    relative_humidity_pct,
    vapour_pressure_hpa,
)

FloatArray = npt.NDArray[np.float64]


class SurfaceSource(IntEnum):
    """How a surface temperature was obtained (stored per hour, explained in the evidence)."""

    NONE = 0
    WALL_PROBE = 1
    TEMPERATURE_FACTOR = 2
    AIR_MARGIN = 3
    AREA_OUTDOOR = 4  # temperature factor with the stock's (or a reference) outdoor temperature


SOURCE_WORDS = {
    SurfaceSource.NONE: "no data",
    SurfaceSource.WALL_PROBE: "measured by a wall probe",
    SurfaceSource.TEMPERATURE_FACTOR: "estimated from the outdoor temperature (f_Rsi {f})",
    SurfaceSource.AIR_MARGIN: "estimated as {margin} °C below the room air",
    SurfaceSource.AREA_OUTDOOR: (
        "estimated from the outdoor temperature measured nearby (f_Rsi {f}); the home has no "
        "outdoor sensor of its own"
    ),
}


def surface_temperature(
    air_c: FloatArray,
    outdoor_c: FloatArray,
    probe_c: FloatArray,
    config: AssessmentConfig,
    outdoor_shared: npt.NDArray[np.bool_] | None = None,
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """Surface temperature and its source per element: probe, else factor, else margin.

    `outdoor_shared` marks outdoor temperatures that are not the home's own sensor's.
    """
    factor = outdoor_c + config.temperature_factor * (air_c - outdoor_c)
    margin = air_c - config.air_margin_k
    has_air = np.isfinite(air_c)
    has_probe = np.isfinite(probe_c)
    has_outdoor = np.isfinite(outdoor_c) & has_air
    surface = np.where(has_probe, probe_c, np.where(has_outdoor, factor, margin))
    source = np.select(
        [has_probe, has_outdoor, has_air],
        [SurfaceSource.WALL_PROBE, SurfaceSource.TEMPERATURE_FACTOR, SurfaceSource.AIR_MARGIN],
        SurfaceSource.NONE,
    ).astype(np.int8)
    if outdoor_shared is not None:
        area = (source == SurfaceSource.TEMPERATURE_FACTOR) & outdoor_shared
        source = np.where(area, np.int8(SurfaceSource.AREA_OUTDOOR), source).astype(np.int8)
    return surface, source


def _saturation_ratio(air_c: FloatArray, surface_c: FloatArray) -> FloatArray:
    # e_s(T_air) / e_s(T_surface) with the Magnus form of dampwatch.psychrometrics.
    return np.exp(
        MAGNUS_B * air_c / (MAGNUS_C_C + air_c) - MAGNUS_B * surface_c / (MAGNUS_C_C + surface_c)
    )


def surface_rh(air_c: FloatArray, air_rh_pct: FloatArray, surface_c: FloatArray) -> FloatArray:
    """RH at the surface for room air of this temperature and RH, at most 100 %."""
    with np.errstate(invalid="ignore"):
        return np.minimum(air_rh_pct * _saturation_ratio(air_c, surface_c), 100.0)


def dew_point(air_c: FloatArray, air_rh_pct: FloatArray) -> FloatArray:
    """Dew point of room air (Magnus inverted), NaN where either input is missing."""
    humidity = np.clip(air_rh_pct, 0.01, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = np.log(humidity / 100.0) + MAGNUS_B * air_c / (MAGNUS_C_C + air_c)
        return MAGNUS_C_C * gamma / (MAGNUS_B - gamma)


def surface_rh_scalar(air_c: float, air_rh_pct: float, surface_c: float) -> float:
    """The scalar form, written with the core psychrometrics (tests hold the two together)."""
    return relative_humidity_pct(surface_c, vapour_pressure_hpa(air_c, air_rh_pct))


def dew_point_scalar(air_c: float, air_rh_pct: float) -> float:
    """Dew point of room air from the core psychrometrics."""
    return dew_point_c(air_c, air_rh_pct)
