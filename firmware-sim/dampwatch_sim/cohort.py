"""A labelled cohort of simulated homes: physics, devices, readings and ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np

from dampwatch.topics import is_valid_id
from dampwatch_sim import truth as truth_rules
from dampwatch_sim.devices import DevicePlan, device_conditions, plan_devices
from dampwatch_sim.firmware import BACKLOG, DUPLICATE, LIVE, DeviceDay, Firmware, row_count, take
from dampwatch_sim.homes import Home, HomeTable, RoomTable, build_tables
from dampwatch_sim.names import (
    DEFAULT_INTERVAL_S,
    DEFAULT_TIMEZONE,
    SECONDS_PER_DAY,
    SUMMER_MIX,
    TRAITS,
    WINTER_MIX,
    WINTER_MONTHS,
)
from dampwatch_sim.payloads import reading_dicts
from dampwatch_sim.physics import DayFrame
from dampwatch_sim.simulation import HomeSimulation, Weather
from dampwatch_sim.weather import SyntheticWeather

TRUTH_SCHEMA: Final = "dampwatch-sim-truth/1"


class CohortError(ValueError):
    """Cohort options that cannot make a cohort."""


def parse_mix(text: str) -> dict[str, float]:
    """`healthy=0.6,damp=0.2,damp+cold=0.2` → normalised shares; raises CohortError."""
    shares: dict[str, float] = {}
    for part in filter(None, (item.strip() for item in text.split(","))):
        name, _, value = part.partition("=")
        traits = name.strip().split("+")
        if not all(trait in TRAITS for trait in traits):
            raise CohortError(f"unknown archetype {name!r}; use {', '.join(TRAITS)} joined by '+'")
        try:
            share = float(value)
        except ValueError:
            raise CohortError(f"share of {name!r} is not a number: {value!r}") from None
        if not share >= 0:
            raise CohortError(f"share of {name!r} must be >= 0")
        shares["+".join(sorted(set(traits), key=TRAITS.index))] = share
    total = sum(shares.values())
    if not shares or total <= 0:
        raise CohortError(f"mix {text!r} has no positive share")
    return {name: share / total for name, share in shares.items()}


def default_mix(start_s: float) -> dict[str, float]:
    """The winter mix from October to April, else the summer mix."""
    month = datetime.fromtimestamp(start_s, UTC).month
    return dict(WINTER_MIX if month in WINTER_MONTHS else SUMMER_MIX)


def assign_archetypes(count: int, mix: dict[str, float], rng: np.random.Generator) -> list[str]:
    """Exactly the mix's proportions (largest remainder), in a seeded random order."""
    names = sorted(mix)
    exact = np.array([mix[name] * count for name in names])
    counts = np.floor(exact).astype(int)
    for index in np.argsort(-(exact - counts), kind="stable")[: count - int(counts.sum())]:
        counts[index] += 1
    labels = [name for name, number in zip(names, counts, strict=True) for _ in range(number)]
    return [labels[index] for index in rng.permutation(len(labels))]


@dataclass(frozen=True, slots=True)
class DeviceReadings:
    """Readings one device sent, in contract v1 dicts, with where it is."""

    home_id: str
    device_id: str
    room: str
    readings: list[dict[str, Any]]


@dataclass(slots=True)
class Cohort:
    """Simulated homes with their devices; iterate it for readings, ask it for the truth."""

    homes: list[Home]
    devices: list[DevicePlan]
    home_table: HomeTable
    room_table: RoomTable
    start_s: float
    days: int
    interval_s: int
    seed: int
    mix: dict[str, float]
    timezone: str = DEFAULT_TIMEZONE
    weather: Weather | None = None
    _truth: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def end_s(self) -> float:
        """End of the simulated period (exclusive)."""
        return self.start_s + self.days * SECONDS_PER_DAY

    def simulation(self) -> HomeSimulation:
        """A fresh physics run of these homes (same seed, same result)."""
        return HomeSimulation(
            self.home_table,
            self.room_table,
            self.weather or SyntheticWeather(self.seed),
            start_s=self.start_s,
            days=self.days,
            step_s=self.interval_s,
            seed=self.seed,
            timezone=self.timezone,
        )

    def days_sent(self) -> Iterator[tuple[int, DayFrame, list[DeviceDay]]]:
        """Each day's true conditions and what every device sent; records the truth at the end."""
        simulation = self.simulation()
        firmware = Firmware(self.devices, self.seed)
        for day, frame in simulation.run():
            yield day, frame, firmware.day(day, frame)
        self._truth = self._truth_document(simulation)

    def device_readings(self) -> Iterator[DeviceReadings]:
        """Every message's readings per device and day, in the order the device sent them."""
        for _day, _frame, sent in self.days_sent():
            for device_day in sent:
                plan = device_day.plan
                readings: list[dict[str, Any]] = []
                for message in device_day.messages:
                    readings.extend(reading_dicts(message.readings))
                if readings:
                    yield DeviceReadings(plan.home_id, plan.device_id, plan.room, readings)

    @property
    def truth(self) -> dict[str, Any]:
        """The ground-truth document (runs the physics alone if no full pass has run yet)."""
        if self._truth is None:
            simulation = self.simulation()
            for _ in simulation.run():
                pass
            self._truth = self._truth_document(simulation)
        return self._truth

    def rooms_of(self, home_id: str) -> dict[str, str]:
        """Device id → room slug for one home, as the registry publishes it."""
        return {plan.device_id: plan.room for plan in self.devices if plan.home_id == home_id}

    def _truth_document(self, simulation: HomeSimulation) -> dict[str, Any]:
        physical = truth_rules.physical_conditions(
            self.homes, self.room_table, simulation.hourly, self.days
        )
        borderline = truth_rules.borderline_damp(self.homes, simulation.hourly, self.days)
        cold = truth_rules.borderline_cold(
            self.homes, self.room_table, simulation.hourly, self.days
        )
        for home_id, entries in cold.items():
            borderline.setdefault(home_id, []).extend(entries)
        devices_by_home: dict[str, list[DevicePlan]] = {}
        for plan in self.devices:
            devices_by_home.setdefault(plan.home_id, []).append(plan)
        homes = []
        for home in self.homes:
            plans = devices_by_home.get(home.home_id, [])
            conditions = list(physical[home.home_id])
            for plan in plans:
                conditions.extend(device_conditions(plan, self.start_s, self.end_s))
            homes.append(
                {
                    "home_id": home.home_id,
                    "archetype": home.archetype,
                    "occupants": home.occupants,
                    "works_away": home.works_away,
                    "heated": home.heated,
                    "rooms": list(home.rooms),
                    "f_rsi": {
                        name: round(float(self.room_table.f_rsi[index]), 3)
                        for name, index in zip(home.rooms, home.room_index, strict=True)
                    },
                    "devices": [_device_entry(plan) for plan in plans],
                    "conditions": conditions,
                    "borderline": borderline[home.home_id],
                }
            )
        return {
            "schema": TRUTH_SCHEMA,
            "seed": self.seed,
            "start": _iso(self.start_s),
            "end": _iso(self.end_s),
            "days": self.days,
            "interval_s": self.interval_s,
            "timezone": self.timezone,
            "mix": {name: round(share, 6) for name, share in sorted(self.mix.items())},
            "definitions": DEFINITIONS,
            "homes": homes,
        }


DEFINITIONS: Final = {
    "mould_risk": "hourly wall-surface RH >= 80 % for >= 12 h of a day on >= 3 consecutive days",
    "condensation_risk": "hourly room RH >= 70 % with wall-surface RH >= 80 % for >= 12 h of a "
    "day on >= 3 consecutive days",
    "cold_home": "living room below 18 °C in at least half the occupied waking hours "
    "(07:00-23:00 local, someone home) on 4 of 7 consecutive days",
    "overheating": "bedroom above 26 °C in night hours (22:00-07:00 local) for >= 1 % of the "
    "period's night hours and >= 3 h (CIBSE TM59)",
    "device_offline": "no reading sent for more than 25 h (outage or flat battery)",
    "borderline": "a mould_risk or condensation_risk that appears or vanishes when the room's "
    "humidity moves by the sensors' stated accuracy (2 %RH), or a cold_home when the living "
    "room's temperature moves by 0.3 K; holds: whether it is a condition",
    "battery_low": "battery below 20 %",
    "sensor_fault": "stuck values (detectable after 24 h), humidity drift (detectable at 5 %RH), "
    "or radio dropouts losing about a third of readings (detectable after a day)",
}


def _device_entry(plan: DevicePlan) -> dict[str, Any]:
    return {
        "device_id": plan.device_id,
        "room": plan.room,
        "co2": plan.co2,
        "surface_probe": plan.probe,
        "fault": plan.fault,
        "fault_onset": _iso(plan.fault_onset_s) if plan.fault else None,
    }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_cohort(
    homes: int,
    days: int,
    seed: int,
    mix: dict[str, float] | str | None = None,
    start: datetime | float | None = None,
    *,
    interval_s: int = DEFAULT_INTERVAL_S,
    home_prefix: str = "sim",
    timezone: str = DEFAULT_TIMEZONE,
    weather: Weather | None = None,
) -> Cohort:
    """Draw `homes` homes for `days` days from `start` (default: the last `days` whole UTC days)."""
    if homes < 1 or days < 1:
        raise CohortError("homes and days must be at least 1")
    if SECONDS_PER_DAY % interval_s or 3600 % interval_s or interval_s < 60:
        raise CohortError(f"interval {interval_s} s must be at least 60 and divide an hour")
    if start is None:
        start_s = (datetime.now(UTC).timestamp() // SECONDS_PER_DAY - days) * SECONDS_PER_DAY
    else:
        start_s = start.timestamp() if isinstance(start, datetime) else float(start)
    if start_s % interval_s:
        raise CohortError(f"start must fall on a multiple of the {interval_s} s interval")
    shares = parse_mix(mix) if isinstance(mix, str) else (mix or default_mix(start_s))
    if not is_valid_id(f"{home_prefix}-{homes:04d}"):
        raise CohortError(f"home prefix {home_prefix!r} does not make valid home ids")
    rng = np.random.default_rng([seed, 1])
    home_ids = [f"{home_prefix}-{number:04d}" for number in range(1, homes + 1)]
    archetypes = assign_archetypes(homes, shares, rng)
    home_list, home_table, room_table = build_tables(home_ids, archetypes, rng)
    plans = plan_devices(home_list, np.random.default_rng([seed, 2]), start_s, days)
    return Cohort(
        home_list,
        plans,
        home_table,
        room_table,
        start_s,
        days,
        interval_s,
        seed,
        shares,
        timezone,
        weather,
    )


__all__ = [
    "BACKLOG",
    "DUPLICATE",
    "LIVE",
    "Cohort",
    "CohortError",
    "DeviceReadings",
    "build_cohort",
    "parse_mix",
    "row_count",
    "take",
]
