"""Ground truth: which conditions each home has, in which rooms, from when, judged on the physics.

Every rule is applied to hourly means of the simulated true conditions (before any sensor error):
- mould_risk: wall-surface RH ≥ 80 % (BS EN ISO 13788, BS 5250) for ≥ 12 h of a day, on ≥ 3 days
  in a row. Onset: the start of the first such run; detectable: the end of its third day.
- condensation_risk: room air RH ≥ 70 % at a wall-surface RH ≥ 80 % for ≥ 12 h of a day, on ≥ 3
  days in a row: sustained, as BS 5250 and BS EN ISO 13788 judge damp. A bedroom at 70 % for a
  few hours of each night, with the wall dry again by day, is ordinary and grows no mould (the
  VTT index declines in the dry hours), so it is not a condition.
- cold_home (living room): a cold day has ≥ 4 occupied waking hours (07:00–23:00 local, someone at
  home) and at least half of them below 18 °C (WHO 2018); the home is cold when 4 of any 7
  consecutive days are cold (most days). Onset: the window's first cold day; detectable: the end
  of the day that completes the window.
- overheating (bedrooms, CIBSE TM59): night hours (22:00–07:00 local) above 26 °C reach 1 % of the
  period's night hours and at least 3 hours. Onset: the first such hour; detectable: the hour the
  count is reached.

Borderline: a damp condition that appears or vanishes when the room's humidity is moved by the
sensors' stated accuracy (±2 %RH: Sensirion SHTC3 and SHT3x, the parts in most £4–£8 sensors)
cannot be told from the readings by any rule, since a sensor within its specification reads the
same room either side of the limit. Likewise a cold living room whose label changes when its
temperature moves by the sensors' ±0.3 K (evenings heated to 17.9 °C or to 18.1 °C). Such
conditions are listed apart, so an evaluation can score the decidable ones and count these
separately.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from dampwatch.psychrometrics_array import FloatArray
from dampwatch_sim.homes import Home, RoomTable
from dampwatch_sim.names import (
    COLD_HOME,
    CONDENSATION_RISK,
    KIND_BEDROOM,
    KIND_LIVING,
    MOULD_RISK,
    OVERHEATING_KIND,
)
from dampwatch_sim.simulation import HourlyRecord

SURFACE_RH_LIMIT: Final = 80.0
SURFACE_HOURS_PER_DAY: Final = 12
ROOM_RH_LIMIT: Final = 70.0
ROOM_RH_HOURS_PER_DAY: Final = 12
RUN_DAYS: Final = 3
COLD_LIMIT_C: Final = 18.0
COLD_MIN_OCCUPIED_HOURS: Final = 4
COLD_WINDOW_DAYS: Final = 7
COLD_DAYS_IN_WINDOW: Final = 4
OVERHEATING_LIMIT_C: Final = 26.0
OVERHEATING_SHARE: Final = 0.01
OVERHEATING_MIN_HOURS: Final = 3
SENSOR_HUMIDITY_ACCURACY_PCT: Final = 2.0
SENSOR_TEMPERATURE_ACCURACY_C: Final = 0.3  # the simulated calibration error is N(0, 0.2 K)
DAMP_RULES: Final = {
    MOULD_RISK: "wall-surface RH >= 80 % for >= 12 h a day",
    CONDENSATION_RISK: "room RH >= 70 % at a wall surface RH >= 80 % for >= 12 h a day",
}

Condition = dict[str, Any]


def _iso(seconds: float) -> str:
    from datetime import UTC, datetime  # noqa: PLC0415

    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _first_run(flags: FloatArray, length: int) -> int | None:
    """Index of the first day starting `length` consecutive true days, or None."""
    run = 0
    for day, flag in enumerate(flags):
        run = run + 1 if flag else 0
        if run >= length:
            return day - length + 1
    return None


def damp_day_flags(
    surface_pct: FloatArray, humidity_pct: FloatArray, days: int
) -> dict[str, FloatArray]:
    """Per damp kind, days × rooms: whether the day met the kind's daily rule."""
    surface = surface_pct.reshape(days, 24, -1)
    humidity = humidity_pct.reshape(days, 24, -1)
    humid_at_cold_wall = (humidity >= ROOM_RH_LIMIT) & (surface >= SURFACE_RH_LIMIT)
    return {
        MOULD_RISK: (surface >= SURFACE_RH_LIMIT).sum(axis=1) >= SURFACE_HOURS_PER_DAY,
        CONDENSATION_RISK: humid_at_cold_wall.sum(axis=1) >= ROOM_RH_HOURS_PER_DAY,
    }


def shifted_humidity(
    surface_pct: FloatArray, humidity_pct: FloatArray, shift_pct: float
) -> tuple[FloatArray, FloatArray]:
    """Room and surface RH with the room's vapour changed so its RH moves by `shift_pct`."""
    room = np.clip(humidity_pct + shift_pct, 0.0, 100.0)
    scale = np.divide(room, humidity_pct, out=np.ones_like(room), where=humidity_pct > 0)
    return np.minimum(surface_pct * scale, 100.0), room


def borderline_damp(
    homes: list[Home], hourly: HourlyRecord, days: int
) -> dict[str, list[dict[str, Any]]]:
    """Per home: damp conditions that differ within the sensors' humidity accuracy.

    Each entry names the kind and room and whether the condition holds at the true humidity.
    """
    surface = hourly.stacked("surface_humidity_pct")
    humidity = hourly.stacked("humidity_pct")
    runs = [
        {
            kind: _runs_found(flags)
            for kind, flags in damp_day_flags(
                *shifted_humidity(surface, humidity, shift), days
            ).items()
        }
        for shift in (-SENSOR_HUMIDITY_ACCURACY_PCT, 0.0, SENSOR_HUMIDITY_ACCURACY_PCT)
    ]
    low, nominal, high = runs
    result: dict[str, list[dict[str, Any]]] = {}
    for home in homes:
        entries = [
            {"kind": kind, "room": name, "holds": bool(nominal[kind][room])}
            for name, room in zip(home.rooms, home.room_index, strict=True)
            for kind in DAMP_RULES
            if low[kind][room] != high[kind][room]
        ]
        result[home.home_id] = entries
    return result


def borderline_cold(
    homes: list[Home], rooms: RoomTable, hourly: HourlyRecord, days: int
) -> dict[str, list[dict[str, Any]]]:
    """Per home: a cold living room whose label differs within the sensors' temperature accuracy."""
    air = hourly.stacked("air_c")
    awake = hourly.stacked("awake_home")
    local_hour = hourly.stacked("local_hour")
    result: dict[str, list[dict[str, Any]]] = {}
    for home in homes:
        entries = []
        for name, room in zip(home.rooms, home.room_index, strict=True):
            if rooms.kind[room] != KIND_LIVING:
                continue
            at_home = awake[:, home_index(rooms, room)]
            low, nominal, high = (
                _cold(air[:, room] + shift, at_home, local_hour, days) is not None
                for shift in (-SENSOR_TEMPERATURE_ACCURACY_C, 0.0, SENSOR_TEMPERATURE_ACCURACY_C)
            )
            if low != high:
                entries.append({"kind": COLD_HOME, "room": name, "holds": nominal})
        result[home.home_id] = entries
    return result


def _runs_found(flags: FloatArray) -> FloatArray:
    """Per room: whether `RUN_DAYS` consecutive flagged days occur."""
    run = np.zeros(flags.shape[1], np.int64)
    found = np.zeros(flags.shape[1], bool)
    for day in flags:
        run = np.where(day, run + 1, 0)
        found |= run >= RUN_DAYS
    return found


def physical_conditions(
    homes: list[Home], rooms: RoomTable, hourly: HourlyRecord, days: int
) -> dict[str, list[Condition]]:
    """The conditions of each home (by home id), derived from the hourly true series."""
    start = hourly.start_s
    damp = damp_day_flags(
        hourly.stacked("surface_humidity_pct"), hourly.stacked("humidity_pct"), days
    )
    air = hourly.stacked("air_c")
    awake = hourly.stacked("awake_home")
    local_hour = hourly.stacked("local_hour")
    result: dict[str, list[Condition]] = {}
    for home in homes:
        found: list[Condition] = []
        for name, room in zip(home.rooms, home.room_index, strict=True):
            for kind, detail in DAMP_RULES.items():
                flags = damp[kind][:, room]
                first = _first_run(flags, RUN_DAYS)
                if first is not None:
                    found.append(
                        _condition(
                            kind,
                            name,
                            start + first * 86_400,
                            start + (first + RUN_DAYS) * 86_400,
                            {"days": int(flags.sum()), "rule": detail},
                        )
                    )
            if rooms.kind[room] == KIND_LIVING:
                cold = _cold(air[:, room], awake[:, home_index(rooms, room)], local_hour, days)
                if cold is not None:
                    onset_day, detect_day, cold_days = cold
                    found.append(
                        _condition(
                            COLD_HOME,
                            name,
                            start + onset_day * 86_400,
                            start + (detect_day + 1) * 86_400,
                            {"cold_days": cold_days, "rule": "occupied hours below 18 °C"},
                        )
                    )
            if rooms.kind[room] == KIND_BEDROOM:
                hot = _overheating(air[:, room], local_hour)
                if hot is not None:
                    onset_hour, detect_hour, hours = hot
                    found.append(
                        _condition(
                            OVERHEATING_KIND,
                            name,
                            start + onset_hour * 3600,
                            start + (detect_hour + 1) * 3600,
                            {"night_hours_above_26c": hours, "rule": "CIBSE TM59 bedroom"},
                        )
                    )
        result[home.home_id] = found
    return result


def home_index(rooms: RoomTable, room: int) -> int:
    """The home a room belongs to."""
    return int(rooms.home[room])


def _cold(
    air: FloatArray, awake: FloatArray, local_hour: FloatArray, days: int
) -> tuple[int, int, int] | None:
    occupied = (awake >= 0.5) & (local_hour >= 7) & (local_hour < 23)
    occupied_days = occupied.reshape(days, 24)
    below = (air < COLD_LIMIT_C).reshape(days, 24) & occupied_days
    hours = occupied_days.sum(axis=1)
    cold_days = (hours >= COLD_MIN_OCCUPIED_HOURS) & (below.sum(axis=1) * 2 >= hours)
    window = min(COLD_WINDOW_DAYS, days)
    needed = min(COLD_DAYS_IN_WINDOW, window // 2 + 1)
    for end in range(window - 1, days):
        chunk = cold_days[end - window + 1 : end + 1]
        if chunk.sum() >= needed:
            onset = end - window + 1 + int(np.argmax(chunk))
            return onset, end, int(cold_days.sum())
    return None


def _overheating(air: FloatArray, local_hour: FloatArray) -> tuple[int, int, int] | None:
    night = (local_hour >= 22) | (local_hour < 7)
    hot = (air > OVERHEATING_LIMIT_C) & night
    needed = max(OVERHEATING_MIN_HOURS, int(np.ceil(OVERHEATING_SHARE * night.sum())))
    if hot.sum() < needed:
        return None
    hot_hours = np.nonzero(hot)[0]
    return int(hot_hours[0]), int(hot_hours[needed - 1]), int(hot.sum())


def _condition(
    kind: str, room: str | None, onset_s: float, detectable_s: float, evidence: dict[str, Any]
) -> Condition:
    return {
        "kind": kind,
        "room": room,
        "device": None,
        "onset": _iso(onset_s),
        "detectable_at": _iso(detectable_s),
        "evidence": evidence,
    }


def device_condition(
    kind: str,
    room: str,
    device: str,
    *,
    onset_s: float,
    detectable_s: float,
    evidence: dict[str, Any],
) -> Condition:
    """A device condition (offline, battery low, sensor fault) in the same shape."""
    condition = _condition(kind, room, onset_s, detectable_s, evidence)
    condition["device"] = device
    return condition
