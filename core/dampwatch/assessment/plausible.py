"""What no room could read: a sensor's values judged against its home's other rooms.

Saturated air fills a whole damp home and frost a whole unheated one: a reading at 100 % or
below 0 °C is a room's when the home's other rooms are near it too, a sensor's fault when they
are far from it (see devices.device_health).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.assessment.frame import OUTDOOR_ROOM, DeviceFrame, HomeSlots

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def wettest_neighbour_pct(frame: DeviceFrame, indoor: BoolArray) -> FloatArray:
    """Per device-hour: the highest humidity among the same home's other indoor sensors."""
    slots = HomeSlots.of(frame.homes, indoor)
    wettest = np.full(frame.humidity_pct.shape, np.nan)
    if slots.slots < 2:
        return wettest
    grid = slots.spread(np.nan_to_num(frame.humidity_pct, nan=-1.0), -1.0)
    for slot in range(slots.slots):
        rows = np.flatnonzero((slots.home >= 0) & (slots.slot == slot))
        others = np.delete(grid[slots.home[rows]], slot, axis=1).max(axis=1)
        wettest[rows] = np.where(others >= 0, others, np.nan)
    return wettest


def coldest_neighbour_c(frame: DeviceFrame, indoor: BoolArray) -> FloatArray:
    """Per device-hour: the lowest temperature among the same home's other indoor sensors."""
    slots = HomeSlots.of(frame.homes, indoor)
    coldest = np.full(frame.temperature_c.shape, np.nan)
    if slots.slots < 2:
        return coldest
    grid = slots.spread(np.nan_to_num(frame.temperature_c, nan=np.inf), np.inf)
    for slot in range(slots.slots):
        rows = np.flatnonzero((slots.home >= 0) & (slots.slot == slot))
        others = np.delete(grid[slots.home[rows]], slot, axis=1).min(axis=1)
        coldest[rows] = np.where(np.isfinite(others), others, np.nan)
    return coldest


def out_of_range(frame: DeviceFrame, config: AssessmentConfig) -> BoolArray:
    """Per device-hour: an indoor temperature no room of this home could have.

    Above `indoor_max_plausible_c`, or below `indoor_min_plausible_c` while the home's other
    rooms are warm. Frost fills an unheated home: its rooms share air and walls, and one of them
    at or below `frost_home_c` (a heating system's frost protection) within the last
    `implausible_hours` makes a room below 0 °C a cold room, not a broken sensor; one sensor
    below 0 °C beside heated rooms is. Frost is normal outside: outdoor sensors are never judged.
    """
    indoor = np.array([room != OUTDOOR_ROOM for room in frame.rooms], dtype=np.bool_)
    coldest = -rolling_max(-coldest_neighbour_c(frame, indoor), config.implausible_hours)
    with np.errstate(invalid="ignore"):
        frost_home = coldest <= config.frost_home_c
        result: BoolArray = indoor[:, None] & (
            ((frame.temperature_c < config.indoor_min_plausible_c) & ~frost_home)
            | (frame.temperature_c > config.indoor_max_plausible_c)
        )
    return result


def rolling_max(values: FloatArray, hours: int) -> FloatArray:
    """Per row and hour: the largest finite value of that hour and the `hours` - 1 before it."""
    result = values.copy()
    for back in range(1, min(hours, values.shape[1])):
        result[:, back:] = np.fmax(result[:, back:], values[:, :-back])
    return result
