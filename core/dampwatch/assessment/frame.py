"""Hourly aggregates as arrays: one row per room (or device), one column per hour (UTC start)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dampwatch.statutory import UK_TIMEZONE

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
SECONDS_PER_HOUR = 3600
OUTDOOR_ROOM = "outdoor"


def hour_index(moment: datetime) -> int:
    """Hours since the Unix epoch of the hour containing `moment`."""
    return int(moment.timestamp()) // SECONDS_PER_HOUR


def hour_start(index: int) -> datetime:
    """The UTC start of hour `index`."""
    return datetime.fromtimestamp(index * SECONDS_PER_HOUR, UTC)


@lru_cache(maxsize=4096)
def _local_hour(index: int) -> int:
    return hour_start(index).astimezone(UK_TIMEZONE).hour


def local_hours(start_hour: int, count: int) -> npt.NDArray[np.int64]:
    """UK local hour of day (0–23) of each hour, following British Summer Time."""
    return np.array([_local_hour(start_hour + i) for i in range(count)], dtype=np.int64)


def hour_mask(hours_of_day: npt.NDArray[np.int64], start: int, end: int) -> BoolArray:
    """True for hours in [start, end), wrapping past midnight when start > end."""
    if start <= end:
        return (hours_of_day >= start) & (hours_of_day < end)
    return (hours_of_day >= start) | (hours_of_day < end)


def nan_grid(rows: int, hours: int) -> FloatArray:
    """An all-missing array of rows × hours."""
    return np.full((rows, hours), np.nan)


@dataclass
class RoomFrame:
    """Hourly room conditions; NaN where no reading fell in the hour."""

    homes: list[str]
    rooms: list[str]
    bedroom: BoolArray  # (R,) judged by TM59's bedroom rule
    start_hour: int  # epoch hour of column 0
    temperature_c: FloatArray  # (R, H)
    humidity_pct: FloatArray
    probe_c: FloatArray  # wall-surface probe
    co2_ppm: FloatArray
    outdoor_c: FloatArray  # the home's outdoor temperature, repeated per room

    @property
    def hours(self) -> int:
        """Number of hourly columns."""
        return int(self.temperature_c.shape[1])

    @classmethod
    def empty(cls, homes: list[str], rooms: list[str], start_hour: int, hours: int) -> RoomFrame:
        """A frame of these rooms with no data yet."""
        count = len(rooms)
        bedroom = np.array([is_bedroom(room) for room in rooms], dtype=np.bool_)
        grids = [nan_grid(count, hours) for _ in range(5)]
        return cls(list(homes), list(rooms), bedroom, start_hour, *grids)

    def take(self, rows: slice) -> RoomFrame:
        """The rooms of `rows` only (a chunk)."""
        return RoomFrame(
            self.homes[rows],
            self.rooms[rows],
            self.bedroom[rows],
            self.start_hour,
            self.temperature_c[rows],
            self.humidity_pct[rows],
            self.probe_c[rows],
            self.co2_ppm[rows],
            self.outdoor_c[rows],
        )


def is_bedroom(room: str, kind: str | None = None) -> bool:
    """A bedroom by the registry's kind, else by its slug (`bedroom-2`, `main-bedroom`)."""
    if kind is not None:
        return kind == "bedroom"
    return "bedroom" in room.lower()
