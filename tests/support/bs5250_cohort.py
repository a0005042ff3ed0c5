"""A cohort of `bs5250_homes` homes with sensors, readings and ground truth (the eval's schema).

Each room has a sensor reporting every 15 minutes with its own calibration error (±0.3 °C,
±1.5 %RH) and noise. Some sensors fall silent for good (device_offline), some humidity sensors
in dry rooms creep upwards by 1.2–2 %RH a day (sensor_fault, a calibration drift); the damp
bedrooms' sensors never drift, so a drift verdict there is a mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from bench.assess_hourly import hourly_readings

from dampwatch.assessment.frame import hour_index
from dampwatch_api.assess.reader import HourlyReadings
from tests.support.bs5250_homes import BEDROOM, ROOMS, STEP_H, Home, outdoor_weather, sane, simulate

START = datetime(2025, 11, 3, tzinfo=UTC)  # a Monday
MIX = (("damp", 0.25), ("cold", 0.2), ("healthy", 0.55))


@dataclass
class Cohort:
    """Readings as the job's hourly frame, the truth, and the homes."""

    readings: HourlyReadings
    truth: dict[str, Any]
    homes: list[Home]
    start_hour: int


def _draw_home(rng: np.random.Generator, number: int, days: int) -> Home:
    kind = str(rng.choice([k for k, _ in MIX], p=[p for _, p in MIX]))
    return Home(
        home_id=f"b{number:03d}",
        kind=kind,
        onset_day=int(rng.integers(6, 14)) if kind == "damp" else 0,
        f_rsi=float(rng.uniform(0.6, 0.7) if kind == "damp" else rng.uniform(0.72, 0.85)),
        people=int(rng.integers(1, 3) if kind == "cold" else rng.integers(1, 4)),
        works=bool(kind == "healthy" and rng.random() < 0.5),
    )


def _iso(day: float) -> str:
    return (START + timedelta(days=day)).isoformat()


def build(seed: int, homes: int = 40, days: int = 42) -> Cohort:
    """Draw `homes` homes whose labels hold (redrawing any that does not), with their readings."""
    rng = np.random.default_rng(seed)
    steps = int(days * 24 / STEP_H)
    outdoor_c, outdoor_gm3 = outdoor_weather(rng, steps)
    drawn: list[Home] = []
    while len(drawn) < homes:
        home = _draw_home(rng, len(drawn), days)
        simulate(home, outdoor_c, outdoor_gm3, START)
        if sane(home):
            drawn.append(home)
    start_hour = hour_index(START)
    times = START.timestamp() + np.arange(steps) * STEP_H * 3600
    batches: list[tuple[str, str, str, list[dict[str, Any]]]] = []
    truth_homes = []
    for index, home in enumerate(drawn):
        conditions: list[dict[str, Any]] = []
        if home.kind == "damp":
            conditions.append(
                {"kind": "condensation_risk", "room": "bedroom-1", "onset": _iso(home.onset_day)}
            )
        if home.kind == "cold":
            conditions.append({"kind": "cold_home", "room": "living-room", "onset": _iso(0)})
        # Every seventh healthy home has a drifting bedroom sensor; every ninth home a silent one.
        drifts = home.kind == "healthy" and index % 7 == 3
        # A silent sensor is in a bathroom or kitchen: one in the room a condition is in would
        # leave the condition unseen, which no rule can help.
        silent_room = int(rng.integers(2, 4)) if index % 9 == 4 else None
        for room_index, (room, _volume) in enumerate(ROOMS):
            temperature = home.air_c[room_index] + rng.normal(0, 0.3) + rng.normal(0, 0.1, steps)
            humidity = home.rh_pct[room_index] + rng.normal(0, 1.5) + rng.normal(0, 0.8, steps)
            keep = np.ones(steps, bool)
            if drifts and room_index == BEDROOM:
                start_day = float(rng.uniform(10, 18))
                rate = float(rng.uniform(1.2, 2.0))
                elapsed = np.clip(times - times[0] - start_day * 86400, 0, None) / 86400
                humidity = humidity + rate * elapsed
                conditions.append({"kind": "sensor_fault", "room": room, "onset": _iso(start_day)})
            if silent_room == room_index:
                stop_day = float(rng.uniform(12, days - 6))
                keep = times < times[0] + stop_day * 86400
                conditions.append(
                    {"kind": "device_offline", "room": room, "onset": _iso(stop_day + 1)}
                )
            readings = [
                {
                    "ts": ts,
                    "temperature_c": round(t, 2),
                    "humidity_pct": round(min(max(h, 0.0), 100.0), 1),
                    "battery_pct": 80.0,
                    "seq": float(seq),
                }
                for seq, (ts, t, h) in enumerate(
                    zip(
                        times[keep].tolist(),
                        temperature[keep].tolist(),
                        humidity[keep].tolist(),
                        strict=True,
                    )
                )
            ]
            batches.append((home.home_id, f"{home.home_id}-{room}", room, readings))
        home.conditions = conditions
        truth_homes.append({"home_id": home.home_id, "conditions": conditions, "borderline": []})
    known = [(home, device, room) for home, device, room, _ in batches]
    readings = hourly_readings(batches, start_hour, days * 24, known)
    return Cohort(readings, {"homes": truth_homes}, drawn, start_hour)
