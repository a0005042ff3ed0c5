"""What the occupants do each day: where they are, showers, cooking, drying clothes, heating.

Moisture rates are those of BS 5250:2021 (Annex C) and BRE's moisture production figures:
a person gives off about 40 g/h asleep and 55 g/h awake and active; a shower 250–500 g; cooking a
main meal 0.3–0.6 kg (2–3 kg a day for a family cooking with gas); a load of washing dried indoors
1.5–2 kg. Metabolic heat of about 70 W asleep and 100 W awake, CO2 of about 16 l/h asleep and
20 l/h awake (CIBSE Guide A, Table 6.2 and 8.x ranges) complete the sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dampwatch.psychrometrics_array import FloatArray
from dampwatch_sim.homes import BoolArray, HomeTable, RoomTable
from dampwatch_sim.names import KIND_BATHROOM, KIND_KITCHEN, KIND_LIVING

MOISTURE_ASLEEP_G_H = 40.0
MOISTURE_AWAKE_G_H = 55.0
HEAT_ASLEEP_W = 70.0
HEAT_AWAKE_W = 100.0
CO2_ASLEEP_L_H = 16.0
CO2_AWAKE_L_H = 20.0
KITCHEN_BACKGROUND_G_H = 50.0
COOKING_W = 1500.0
HEATING_OFF_C = -1000.0
FAN_OVERRUN_MIN = 20.0


@dataclass(slots=True)
class DaySources:
    """Per step and room (shape steps × rooms): sources, extra ventilation and the thermostat."""

    moisture_g_s: FloatArray
    gains_w: FloatArray
    co2_l_s: FloatArray
    extract_on: FloatArray
    target_c: FloatArray
    occupants: FloatArray
    awake_home: BoolArray  # steps × homes: someone is at home and awake


@dataclass(slots=True)
class DayClock:
    """The steps of one simulated day and their local time."""

    times_s: FloatArray
    local_hour: FloatArray
    weekday: BoolArray
    step_s: float


def day_clock(start_s: float, steps: int, step_s: float, utc_offset_s: float) -> DayClock:
    """Times of a day's steps, with local hour and whether it is a weekday (Mon–Fri)."""
    times = start_s + step_s * np.arange(steps, dtype=np.float64)
    local = times + utc_offset_s
    # 1970-01-01 was a Thursday: day 0 has weekday index 3 (Monday = 0).
    weekday = ((np.floor(local / 86_400.0) + 3) % 7) < 5
    return DayClock(times, (local % 86_400.0) / 3600.0, weekday, step_s)


class Scheduler:
    """Makes each day's sources; events that run past midnight carry into the next day."""

    def __init__(self, homes: HomeTable, rooms: RoomTable, seed: int) -> None:
        self.homes = homes
        self.rooms = rooms
        self._seed = seed
        self._carry: dict[str, FloatArray] = {}
        self._clock: DayClock | None = None
        self._first_room = np.zeros(homes.occupants.size, dtype=np.int64)
        self._room_of_kind: dict[int, FloatArray] = {}
        for kind in (KIND_LIVING, KIND_KITCHEN, KIND_BATHROOM):
            index = np.full(homes.occupants.size, -1, dtype=np.int64)
            mask = rooms.kind == kind
            index[rooms.home[mask]] = np.nonzero(mask)[0]
            self._room_of_kind[kind] = index.astype(np.float64)

    def day(self, day_index: int, clock: DayClock) -> DaySources:
        """The sources of one day."""
        rooms, homes = self.rooms, self.homes
        steps, count = clock.times_s.size, rooms.home.size
        rng = np.random.default_rng([self._seed, 5_003, day_index + 100_000])
        hour = clock.local_hour[:, None]
        sleeping = (hour >= 23.0) | (hour < 7.0)
        away = homes.works_away[None, :] & clock.weekday[:, None] & (hour >= 8.5) & (hour < 17.5)
        awake_home = ~sleeping & ~away  # steps × homes
        awake_room = awake_home[:, rooms.home]
        kind = rooms.kind[None, :]
        occupants = np.where(sleeping, rooms.sleepers[None, :], 0.0)
        occupants = occupants + np.where(
            awake_room & (kind == KIND_LIVING), homes.occupants[rooms.home][None, :], 0.0
        )
        awake = ~sleeping
        moisture_g_h = occupants * np.where(awake, MOISTURE_AWAKE_G_H, MOISTURE_ASLEEP_G_H)
        moisture_g_h += np.where(awake_room & (kind == KIND_KITCHEN), KITCHEN_BACKGROUND_G_H, 0.0)
        gains = occupants * np.where(awake, HEAT_AWAKE_W, HEAT_ASLEEP_W)
        gains += np.where(awake_room & (kind == KIND_LIVING), 60.0, 0.0)
        gains += np.where(awake_room & (kind == KIND_KITCHEN), 120.0, 0.0)
        co2 = occupants * np.where(awake, CO2_AWAKE_L_H, CO2_ASLEEP_L_H) / 3600.0

        grids = {name: np.zeros((2 * steps, count)) for name in ("moisture", "gains", "extract")}
        for name, carried in self._carry.items():
            grids[name][:steps] += carried
        self._clock = clock
        self._events(rng, clock, grids)
        self._carry = {name: grid[steps:].copy() for name, grid in grids.items()}

        return DaySources(
            moisture_g_s=moisture_g_h / 3600.0 + grids["moisture"][:steps],
            gains_w=gains + grids["gains"][:steps],
            co2_l_s=co2,
            extract_on=np.minimum(grids["extract"][:steps], 1.0),
            target_c=self._thermostat(clock, rooms, homes),
            occupants=occupants,
            awake_home=awake_home,
        )

    def _events(
        self, rng: np.random.Generator, clock: DayClock, grids: dict[str, FloatArray]
    ) -> None:
        """Showers, meals and washing drying indoors, placed at local times."""
        homes = self.homes
        count = homes.occupants.size
        weekday = bool(clock.weekday[clock.weekday.size // 2])
        working = homes.works_away & weekday
        max_people = int(homes.occupants.max(initial=1))
        # Showers: each occupant with the home's probability, in the morning rush or later.
        starts = np.where(working[:, None], 6.5, 7.5) + rng.uniform(0, 2.5, (count, max_people))
        takes = (rng.random((count, max_people)) < homes.shower_probability[:, None]) & (
            np.arange(max_people)[None, :] < homes.occupants[:, None]
        )
        bathroom = self._room_of_kind[KIND_BATHROOM]
        for person in range(max_people):
            chosen = takes[:, person]
            self._place(
                grids["moisture"],
                bathroom[chosen],
                starts[chosen, person],
                10.0,
                homes.shower_grams[chosen] / 600.0,
            )
            self._place(
                grids["extract"],
                bathroom[chosen],
                starts[chosen, person],
                10.0 + FAN_OVERRUN_MIN,
                np.ones(int(chosen.sum())),
            )
        kitchen = self._room_of_kind[KIND_KITCHEN]
        people_scale = np.sqrt(homes.occupants / 2.0) * homes.cooking_scale
        meals = [
            (np.where(working, 7.25, 8.25), 15.0, 100.0),
            (np.full(count, 12.5), 20.0, 150.0),
            (17.75 + rng.uniform(0, 1.25, count), 45.0, 450.0),
        ]
        for index, (start, minutes, grams) in enumerate(meals):
            cooks = ~working if index == 1 else np.ones(count, dtype=bool)
            cooks &= rng.random(count) < 0.9
            rate = grams * people_scale[cooks] / (minutes * 60.0)
            self._place(grids["moisture"], kitchen[cooks], start[cooks], minutes, rate)
            self._place(
                grids["gains"],
                kitchen[cooks],
                start[cooks],
                minutes,
                np.full(int(cooks.sum()), COOKING_W),
            )
            self._place(
                grids["extract"],
                kitchen[cooks],
                start[cooks],
                minutes,
                np.ones(int(cooks.sum())),
            )
        # Washing dried on a rack or radiators in the living room from the evening on.
        drying = rng.random(count) < homes.drying_days_per_week / 7.0
        living = self._room_of_kind[KIND_LIVING]
        washing_g: FloatArray = rng.uniform(1500.0, 2000.0, count)[drying]
        self._place(
            grids["moisture"],
            living[drying],
            np.full(int(drying.sum()), 18.0),
            12 * 60.0,
            washing_g / (12 * 3600.0),
        )

    def _place(
        self,
        grid: FloatArray,
        rooms: FloatArray,
        start_hour: FloatArray,
        minutes: float,
        rate: FloatArray,
    ) -> None:
        """Add `rate` to each room's steps from its local start hour for `minutes`."""
        clock = self._clock
        if rooms.size == 0 or clock is None:
            return
        offset_h = clock.local_hour[0] - (clock.times_s[0] % 86_400.0) / 3600.0
        start_s = (start_hour - offset_h) * 3600.0 - (clock.times_s[0] % 86_400.0)
        start_s = start_s % 86_400.0
        first = np.floor(start_s / clock.step_s).astype(np.int64)
        span = max(1, round(minutes * 60.0 / clock.step_s))
        columns = rooms.astype(np.int64)
        for step in range(span):
            np.add.at(grid, (np.minimum(first + step, grid.shape[0] - 1), columns), rate)

    @staticmethod
    def _thermostat(clock: DayClock, rooms: RoomTable, homes: HomeTable) -> FloatArray:
        """Set-point during the home's heating periods, set-back outside them, off when unheated."""
        hour = clock.local_hour[:, None]
        blocks = homes.heating_blocks[rooms.home][None, :]
        home_all_day = ~homes.works_away[rooms.home][None, :] | ~clock.weekday[:, None]
        morning = (hour >= 6.5) & (hour < 8.5)
        evening = (hour >= 16.5) & (hour < 22.5)
        daytime = (hour >= 8.5) & (hour < 16.5) & home_all_day
        short_evening = (hour >= 17.0) & (hour < 21.0)
        on = np.where(
            blocks == 1,
            short_evening,
            np.where(blocks >= 2, morning | evening | daytime, False),
        )
        target = np.where(on, rooms.set_point_c[None, :], rooms.setback_c[None, :])
        return np.where(rooms.heater_w[None, :] > 0, target, HEATING_OFF_C)
