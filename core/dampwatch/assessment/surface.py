"""The coldest wall surface of a room: its temperature and the relative humidity there.

Room air is not the wall. In order of preference: a wall probe (`surface_temperature_c`); the
temperature factor at the internal surface, f_Rsi = (T_si − T_out) / (T_in − T_out) (BS EN ISO
13788:2012, 3.1.4), so T_si = T_out + f_Rsi·(T_in − T_out) with f_Rsi = 0.75 the UK design
minimum (BRE IP1/06, BS 5250:2021 Annex). The wall follows the indoor-outdoor difference: a 13 °C
room on a mild day has a wall about 2 K below its air, a 21 °C room in a frost one 5 K below. The
outdoor temperature is, in order: the home's own outdoor sensor, a reference home's or the
stock's outdoor sensors, a configured weather feed for the home's place, the region's climate by
month (dampwatch.climate); the evidence says which. Room air less a fixed margin remains only
for a frame given no outdoor temperature at all. The surface RH keeps the room air's vapour
pressure at the colder surface (Magnus, WMO), capped at 100 %.

An estimated wall is judged against the surface RH limit raised by the humidity sensors' stated
accuracy (`surface_limit_pct`): the estimate carries the room sensor's error and a wall factor
that is only the design minimum, so it must clear the limit by what the sensor may read high.
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
    FEED_OUTDOOR = 5  # ...with a weather feed's outdoor temperature for the home's place
    CLIMATE_OUTDOOR = 6  # ...with the region's climate by month


class OutdoorSource(IntEnum):
    """Where a room's outdoor temperature came from (RoomFrame.outdoor_source)."""

    OWN = 0
    AREA = 1  # a reference home's outdoor sensor or the median of the stock's
    FEED = 2
    CLIMATE = 3


OUTDOOR_SURFACE = {
    OutdoorSource.OWN: SurfaceSource.TEMPERATURE_FACTOR,
    OutdoorSource.AREA: SurfaceSource.AREA_OUTDOOR,
    OutdoorSource.FEED: SurfaceSource.FEED_OUTDOOR,
    OutdoorSource.CLIMATE: SurfaceSource.CLIMATE_OUTDOOR,
}


SOURCE_WORDS = {
    SurfaceSource.NONE: "no data",
    SurfaceSource.WALL_PROBE: "measured by a wall probe",
    SurfaceSource.TEMPERATURE_FACTOR: "estimated from the outdoor temperature (f_Rsi {f})",
    SurfaceSource.AIR_MARGIN: "estimated as {margin} °C below the room air",
    SurfaceSource.AREA_OUTDOOR: (
        "estimated from the outdoor temperature measured nearby (f_Rsi {f}); the home has no "
        "outdoor sensor of its own"
    ),
    SurfaceSource.FEED_OUTDOOR: (
        "estimated from the weather feed's outdoor temperature for the home's place (f_Rsi {f}); "
        "the home has no outdoor sensor"
    ),
    SurfaceSource.CLIMATE_OUTDOOR: (
        "estimated from the region's average outdoor temperature for the time of year "
        "(f_Rsi {f}), as neither an outdoor sensor nor a weather feed was available"
    ),
}


def surface_temperature(
    air_c: FloatArray,
    outdoor_c: FloatArray,
    probe_c: FloatArray,
    config: AssessmentConfig,
    outdoor_shared: npt.NDArray[np.bool_] | None = None,
    *,
    outdoor_source: npt.NDArray[np.int8] | None = None,
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """Surface temperature and its source per element: probe, else factor, else margin.

    `outdoor_source` (OutdoorSource) says where each outdoor temperature came from;
    `outdoor_shared`, used without it, marks those that are not the home's own sensor's.
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
    factor_rows = source == SurfaceSource.TEMPERATURE_FACTOR
    if outdoor_source is not None:
        for outdoor, surface_source in OUTDOOR_SURFACE.items():
            picked = factor_rows & (outdoor_source == outdoor)
            source = np.where(picked, np.int8(surface_source), source).astype(np.int8)
    elif outdoor_shared is not None:
        area = factor_rows & outdoor_shared
        source = np.where(area, np.int8(SurfaceSource.AREA_OUTDOOR), source).astype(np.int8)
    return surface, source


def surface_limit_pct(source: npt.NDArray[np.int8], config: AssessmentConfig) -> FloatArray:
    """The surface RH a room-hour's wall must reach to count as damp, by how it was found.

    BS EN ISO 13788 and BS 5250 set 80 % at the surface. A wall probe measures the surface; any
    other wall is an estimate from the room sensor's humidity, which may read
    `humidity_accuracy_pct` high (SHT3x-class sensors: ±2 %RH), so an estimate counts only when it
    clears the limit by that much. A room sensor within its specification can put the estimate
    of a sound wall (f_Rsi above the 0.75 design minimum) just over 80 % for days in a mild humid
    spell, while a damp room's wall, colder than the design minimum, clears 82 % by far.
    """
    limit: FloatArray = np.where(
        source == SurfaceSource.WALL_PROBE,
        config.surface_rh_pct,
        config.estimated_surface_rh_pct,
    )
    return limit
