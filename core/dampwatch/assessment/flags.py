"""What held in each room-hour, as bit flags: the state a cycle keeps for the next one."""

from __future__ import annotations

from enum import IntFlag

import numpy as np
import numpy.typing as npt

FlagArray = npt.NDArray[np.uint16]


class HourFlag(IntFlag):
    """What held in one room-hour."""

    DATA = 1  # temperature and humidity present
    RH70 = 2
    SURFACE80 = 4  # wall surface RH ≥ 80 % (probed) or ≥ 80 % + the sensors' accuracy (estimated)
    BELOW_DEW = 8
    OCCUPIED = 16  # waking hour (07:00–23:00 local) with temperature data
    COLD18 = 32
    COLD16 = 64
    NIGHT = 128  # night hour with temperature data
    NIGHT_HOT = 256
    CO2 = 512  # CO2 measured
    CO2_HIGH = 1024
    COLD12 = 2048
    DAMP_AT_WALL = 4096  # room air RH ≥ 70 % while the wall surface is at SURFACE80
    HEATING_UP = 8192  # warmer than two hours before by `heating_rise_k`: heat is going in
    PRESENT = 16384  # a living room holding more vapour than the bedrooms: people awake in it
    PRESENCE_KNOWN = 32768  # that comparison could be made (both had data)
