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
from dampwatch.psychrometrics_array import FloatArray


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
