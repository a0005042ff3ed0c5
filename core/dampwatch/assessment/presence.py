"""Whether people are awake in a living room, from the moisture they add to its air.

A person breathes out about 40–50 g of water vapour an hour awake (BS 5250:2021 Annex D), so a
room in use holds more vapour than the rest of the home: with a typical living room's volume and
ventilation, about 2 hPa more per person. An empty home's rooms converge to the same vapour
pressure. Bedrooms are the reference: by day they are empty whether or not the household is in.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.assessment.frame import HomeSlots, RoomFrame, nan_median
from dampwatch.psychrometrics_array import vapour_pressure_hpa

BoolGrid = npt.NDArray[np.bool_]


def living_room_presence(frame: RoomFrame, config: AssessmentConfig) -> tuple[BoolGrid, BoolGrid]:
    """Per room-hour: (people awake in it, whether that could be told).

    Judged for the rooms a cold home is judged in (`cold_judged`) against the median vapour
    pressure of the same home's bedrooms in the same hour; unknown where either is missing.
    """
    shape = frame.temperature_c.shape
    present, known = np.zeros(shape, np.bool_), np.zeros(shape, np.bool_)
    if not frame.cold_judged.any() or not frame.bedroom.any():
        return present, known
    with np.errstate(invalid="ignore", over="ignore"):
        vapour = vapour_pressure_hpa(frame.temperature_c, frame.humidity_pct)
    judged = frame.cold_judged & ~frame.bedroom
    bedrooms = HomeSlots.of(frame.homes, frame.bedroom)
    if not bedrooms.slots:
        return present, known
    home_of = {
        home: int(number)
        for home, number in zip(frame.homes, bedrooms.home, strict=True)
        if number >= 0
    }
    reference = nan_median(bedrooms.spread(vapour, np.nan), axis=1)  # (homes, hours)
    rows = np.array([row for row in np.flatnonzero(judged) if frame.homes[row] in home_of])
    if not rows.size:
        return present, known
    with np.errstate(invalid="ignore"):
        excess = vapour[rows] - reference[[home_of[frame.homes[row]] for row in rows]]
        present[rows] = excess >= config.presence_excess_hpa
    known[rows] = np.isfinite(excess)
    return present, known
