"""A physically generated winter cohort with ground truth, for the assessment evaluation.

Each home has a living room, a bedroom, a kitchen and a bathroom and an outdoor sensor. Room air
follows a heating schedule over the outdoor temperature; its vapour pressure is the outdoor one
plus a moisture excess (occupants, cooking and showers against ventilation), so RH follows from
the Magnus form. Archetypes: healthy (heated, ventilated, daily showers and cooking), damp (high
moisture excess and cold walls from an onset day), cold (under-heated from an onset day),
offline (a sensor stops from an onset day). Readings every 10 minutes with sensor noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from dampwatch.psychrometrics import MAGNUS_B, MAGNUS_C_C, MAGNUS_E0_HPA

ROOMS = ("living-room", "bedroom-1", "kitchen", "bathroom")
SAMPLES_PER_HOUR = 6
ARCHETYPES = ("healthy", "healthy", "damp", "cold", "offline")
FloatArray = npt.NDArray[np.float64]


def saturation_hpa(temperature: FloatArray) -> FloatArray:
    """Magnus saturation vapour pressure (WMO coefficients)."""
    return MAGNUS_E0_HPA * np.exp(MAGNUS_B * temperature / (MAGNUS_C_C + temperature))


@dataclass
class Cohort:
    """Readings per device at 10-minute steps (NaN where not sent) and the truth."""

    start: datetime
    samples: int
    homes: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    temperature: list[FloatArray] = field(default_factory=list)
    humidity: list[FloatArray] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)


def _events(rng: np.random.Generator, samples: int, per_day: float, length: int) -> FloatArray:
    """A 0/1 series of events (showers, cooking) of `length` samples, about `per_day` a day."""
    series = np.zeros(samples)
    days = samples // (24 * SAMPLES_PER_HOUR)
    for day in range(days):
        for _ in range(rng.poisson(per_day)):
            hour = rng.choice([7, 8, 12, 18, 19, 21])
            begin = day * 24 * SAMPLES_PER_HOUR + hour * SAMPLES_PER_HOUR + rng.integers(0, 6)
            series[begin : begin + length] = 1.0
    return series


def _decay(pulses: FloatArray, tau_samples: float) -> FloatArray:
    """First-order response (ventilation time constant) to moisture pulses."""
    out = np.empty_like(pulses)
    level, keep = 0.0, float(np.exp(-1.0 / tau_samples))
    for i, pulse in enumerate(pulses):
        level = level * keep + pulse
        out[i] = level
    return out * (1 - keep)


def generate(homes: int, days: int, seed: int, start: datetime | None = None) -> Cohort:
    """A cohort of `homes` homes over `days` days of winter."""
    rng = np.random.default_rng(seed)
    begin = start or datetime(2026, 1, 5, tzinfo=UTC)
    samples = days * 24 * SAMPLES_PER_HOUR
    hours = np.arange(samples) / SAMPLES_PER_HOUR
    local_hour = (hours + begin.hour) % 24
    weather = np.cumsum(rng.normal(0, 0.04, samples))
    weather -= np.linspace(weather[0], weather[-1], samples)
    cohort = Cohort(begin, samples, truth={"start": begin.isoformat(), "days": days, "homes": []})
    for number in range(homes):
        home = f"home-{number:04d}"
        archetype = ARCHETYPES[number % len(ARCHETYPES)]
        onset_day = int(rng.integers(8, days - 20))
        onset = onset_day * 24 * SAMPLES_PER_HOUR
        after = np.arange(samples) >= onset
        outdoor = 5 + rng.normal(0, 1.5) + 3 * np.sin((local_hour - 9) / 24 * 2 * np.pi) + weather
        occupied = (local_hour >= 6.5) & (local_hour < 23)
        setpoint = np.where(occupied, rng.uniform(20, 21.5), rng.uniform(16.5, 18))
        vapour_out = 0.85 * saturation_hpa(outdoor)
        excess: FloatArray = np.full(
            samples, rng.uniform(2.5, 4.5)
        )  # hPa, occupants vs ventilation
        if archetype == "cold":
            # An under-heated home of one or two people: cold, not wet.
            underheated = np.maximum(rng.uniform(13.0, 15.5), outdoor + 6.0)
            setpoint = np.where(after, np.minimum(setpoint, underheated), setpoint)
            excess = np.full(samples, rng.uniform(1.0, 2.0))
        if archetype == "damp":
            excess = np.where(after, rng.uniform(9.0, 12.0), excess)
        conditions = []
        if archetype in ("damp", "cold"):
            conditions.append(
                {
                    "kind": archetype,
                    "rooms": list(ROOMS),
                    "from": (begin + timedelta(days=onset_day)).isoformat(),
                }
            )
        offline_device = None
        for room in ROOMS:
            # Heating holds the set-point less well the colder it is outside.
            held = setpoint - 0.03 * (setpoint - outdoor)
            # Heated homes keep the bedroom a degree cooler; an under-heated one heats it alike.
            cooler = 1.0 if room == "bedroom-1" and archetype != "cold" else 0.0
            temperature = held + rng.normal(0, 0.15, samples) - cooler
            vapour = vapour_out + excess + rng.normal(0, 0.3, samples)
            if room == "bathroom":
                showers = _decay(_events(rng, samples, 1.5, 2), 4.0) * 2.0
                vapour = vapour + showers * saturation_hpa(temperature) * 0.5
            if room == "kitchen":
                vapour = vapour + _decay(_events(rng, samples, 2.0, 3), 3.0) * 8.0
            humidity = np.clip(100 * vapour / saturation_hpa(temperature), 5, 100)
            device = f"{home}-{room}"
            if archetype == "offline" and room == "living-room":
                offline_device = device
                temperature = np.where(after, np.nan, temperature)
                humidity = np.where(after, np.nan, humidity)
            cohort.homes.append(home)
            cohort.devices.append(device)
            cohort.rooms.append(room)
            cohort.temperature.append(np.round(temperature, 2))
            cohort.humidity.append(np.round(humidity, 1))
        cohort.homes.append(home)
        cohort.devices.append(f"{home}-outdoor")
        cohort.rooms.append("outdoor")
        cohort.temperature.append(np.round(outdoor + rng.normal(0, 0.2, samples), 2))
        cohort.humidity.append(np.full(samples, 85.0) + rng.normal(0, 2, samples))
        if offline_device:
            conditions.append(
                {
                    "kind": "device_offline",
                    "device": offline_device,
                    "from": (begin + timedelta(days=onset_day)).isoformat(),
                }
            )
        cohort.truth["homes"].append(
            {
                "home_id": home,
                "archetype": archetype,
                "conditions": conditions,
                "routine": ["showers", "cooking"],
            }
        )
    return cohort
