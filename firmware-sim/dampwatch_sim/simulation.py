"""Run the home physics day by day, after a spin-up, keeping hourly means for the ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np

from dampwatch.psychrometrics_array import FloatArray
from dampwatch_sim.homes import HomeTable, RoomTable
from dampwatch_sim.names import SECONDS_PER_DAY, SPIN_UP_DAYS
from dampwatch_sim.physics import DayFrame, Ledger, RoomState, initial_state, step_day
from dampwatch_sim.schedules import Scheduler, day_clock
from dampwatch_sim.weather import OutdoorSeries


class Weather(Protocol):
    """Where outdoor conditions come from."""

    def day(self, day_index: int, times_s: FloatArray, step_s: float) -> OutdoorSeries:
        """Conditions at the given times of one day."""


@dataclass(slots=True)
class HourlyRecord:
    """Hourly means of the true conditions (hours × rooms), the basis of the ground truth."""

    start_s: float
    air_c: list[FloatArray] = field(default_factory=list)
    humidity_pct: list[FloatArray] = field(default_factory=list)
    surface_humidity_pct: list[FloatArray] = field(default_factory=list)
    awake_home: list[FloatArray] = field(default_factory=list)
    local_hour: list[FloatArray] = field(default_factory=list)

    def add(self, frame: DayFrame, local_hour: FloatArray, steps_per_hour: int) -> None:
        """Append one day."""

        def hourly(values: FloatArray) -> FloatArray:
            shaped = values.reshape(-1, steps_per_hour, *values.shape[1:])
            means: FloatArray = shaped.mean(axis=1).astype(np.float32)
            return means

        self.air_c.append(hourly(frame.air_c))
        self.humidity_pct.append(hourly(frame.humidity_pct))
        self.surface_humidity_pct.append(hourly(frame.surface_humidity_pct))
        self.awake_home.append(hourly(frame.awake_home))
        self.local_hour.append(np.floor(local_hour[::steps_per_hour]))

    def stacked(self, name: str) -> FloatArray:
        """One variable over the whole run, hours × rooms (or hours)."""
        values: list[FloatArray] = getattr(self, name)
        return np.concatenate(values, axis=0)


class HomeSimulation:
    """The physics of a set of homes from `start_s` for `days` days at `step_s` steps."""

    def __init__(
        self,
        homes: HomeTable,
        rooms: RoomTable,
        weather: Weather,
        *,
        start_s: float,
        days: int,
        step_s: float,
        seed: int,
        timezone: str,
    ) -> None:
        if SECONDS_PER_DAY % step_s or 3600 % step_s:
            raise ValueError(f"the step of {step_s} s must divide an hour")
        self.homes = homes
        self.rooms = rooms
        self.weather = weather
        self.start_s = start_s
        self.days = days
        self.step_s = step_s
        self.timezone = ZoneInfo(timezone)
        self.scheduler = Scheduler(homes, rooms, seed)
        self.hourly = HourlyRecord(start_s)
        self.ledger: Ledger | None = None

    @property
    def steps_per_day(self) -> int:
        """Steps in one day."""
        return int(SECONDS_PER_DAY // self.step_s)

    def utc_offset_s(self, at_s: float) -> float:
        """The local time zone's offset from UTC at a moment."""
        offset = datetime.fromtimestamp(at_s, UTC).astimezone(self.timezone).utcoffset()
        return offset.total_seconds() if offset is not None else 0.0

    def run(self, *, spin_up_days: int = SPIN_UP_DAYS) -> Iterator[tuple[int, DayFrame]]:
        """Yield (day index, frame) for each simulated day in order, after the spin-up."""
        state: RoomState | None = None
        steps_per_hour = int(3600 // self.step_s)
        for day in range(-spin_up_days, self.days):
            day_start = self.start_s + day * SECONDS_PER_DAY
            clock = day_clock(
                day_start, self.steps_per_day, self.step_s, self.utc_offset_s(day_start + 43_200)
            )
            outdoor = self.weather.day(day, clock.times_s, self.step_s)
            if state is None:
                state = initial_state(self.rooms, float(outdoor.temperature_c.mean()))
            sources = self.scheduler.day(day, clock)
            ledger = self.ledger if day >= 0 else None
            frame = step_day(
                self.rooms,
                state,
                outdoor,
                sources,
                times_s=clock.times_s,
                step_s=self.step_s,
                ledger=ledger,
            )
            if day >= 0:
                self.hourly.add(frame, clock.local_hour, steps_per_hour)
                yield day, frame
