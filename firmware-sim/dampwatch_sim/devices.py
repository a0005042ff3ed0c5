"""Devices of the simulated homes: what each one measures and how its firmware misbehaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np

from dampwatch_sim.homes import Home
from dampwatch_sim.names import (
    BATTERY_LOW,
    DEVICE_OFFLINE,
    FAULT_DRIFT,
    FAULT_DROPOUTS,
    FAULT_DYING_BATTERY,
    FAULT_OFFLINE,
    FAULT_STUCK,
    FAULTS,
    FAULTY,
    LIVING_ROOM,
    OUTDOOR,
    SECONDS_PER_DAY,
    SENSOR_FAULT,
)
from dampwatch_sim.truth import Condition, device_condition

OFFLINE_AFTER_S: Final = 25 * 3600
BATTERY_LOW_PCT: Final = 20.0
STUCK_DETECT_S: Final = 24 * 3600
DRIFT_DETECT_RH: Final = 5.0
OUTAGES_PER_DAY: Final = 0.12
OUTAGE_MEDIAN_S: Final = 40 * 60
OUTAGE_MAX_S: Final = 20 * 3600
BUFFER_READINGS: Final = 288  # a day at 5-minute sampling in the ESP32's RTC memory
DUPLICATE_PROBABILITY: Final = 0.5
DROPOUT_PROBABILITY: Final = 0.35
CO2_PROBABILITY: Final = 0.3
PROBE_PROBABILITY: Final = 0.25
OUTDOOR_PROBABILITY: Final = 0.5


@dataclass(slots=True)
class DevicePlan:
    """One device: where it is, its sensor errors, battery, clock, outages and fault."""

    home_id: str
    device_id: str
    room: str
    room_index: int  # -1 for the outdoor sensor
    co2: bool
    probe: bool
    battery_start_pct: float
    drain_pct_per_day: float
    rssi_mean_dbm: float
    clock_offset_s: float
    clock_drift_ppm: float
    temperature_bias_c: float
    humidity_bias_pct: float
    outages: list[tuple[float, float]] = field(default_factory=list)
    fault: str | None = None
    fault_onset_s: float = 0.0
    drift_rh_per_day: float = 0.0
    buffer_readings: int = BUFFER_READINGS

    @property
    def death_s(self) -> float | None:
        """When the battery runs flat, if it ever does."""
        if self.drain_pct_per_day <= 0:
            return None
        return self.battery_start_s + self.battery_start_pct / self.drain_pct_per_day * 86_400

    battery_start_s: float = 0.0


def device_id_for(room: str) -> str:
    """The id of the temperature/humidity device in a room."""
    return f"th-{room}"


def plan_devices(
    homes: list[Home], rng: np.random.Generator, start_s: float, days: int
) -> list[DevicePlan]:
    """Every home's devices: one per room, sometimes an outdoor one; faulty homes get faults."""
    end_s = start_s + days * SECONDS_PER_DAY
    plans: list[DevicePlan] = []
    for home in homes:
        rooms = list(zip(home.rooms, home.room_index, strict=True))
        if rng.random() < OUTDOOR_PROBABILITY:
            rooms.append((OUTDOOR, -1))
        probe_home = rng.random() < PROBE_PROBABILITY
        first = len(plans)
        for room, index in rooms:
            plan = DevicePlan(
                home_id=home.home_id,
                device_id=device_id_for(room),
                room=room,
                room_index=index,
                co2=index >= 0 and room == LIVING_ROOM and rng.random() < CO2_PROBABILITY,
                probe=probe_home and index >= 0,
                battery_start_pct=float(rng.uniform(55, 100)),
                drain_pct_per_day=float(rng.uniform(0.03, 0.12)),
                rssi_mean_dbm=float(rng.normal(-64, 8)),
                clock_offset_s=float(np.clip(rng.normal(0, 15), -60, 60)),
                clock_drift_ppm=float(rng.normal(0, 15)),
                temperature_bias_c=float(rng.normal(0, 0.2)),
                humidity_bias_pct=float(rng.normal(0, 1.5)),
                battery_start_s=start_s,
            )
            plan.outages = _outages(rng, start_s, end_s)
            plans.append(plan)
        if FAULTY in home.traits:
            chosen = rng.choice(
                len(rooms), size=min(len(rooms), int(rng.integers(1, 3))), replace=False
            )
            for offset in sorted(int(value) for value in chosen):
                _add_fault(plans[first + offset], rng, start_s, days)
    return plans


def _outages(rng: np.random.Generator, start_s: float, end_s: float) -> list[tuple[float, float]]:
    days = (end_s - start_s) / 86_400
    count = int(rng.poisson(OUTAGES_PER_DAY * days))
    starts = np.sort(rng.uniform(start_s, end_s, count))
    lengths = np.minimum(rng.lognormal(np.log(OUTAGE_MEDIAN_S), 1.0, count), OUTAGE_MAX_S)
    return _merge(
        [(float(s), float(s + length)) for s, length in zip(starts, lengths, strict=True)]
    )


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for begin, end in sorted(intervals):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _add_fault(plan: DevicePlan, rng: np.random.Generator, start_s: float, days: int) -> None:
    plan.fault = str(rng.choice(FAULTS))
    plan.fault_onset_s = float(start_s + rng.uniform(0.1, 0.6) * days * SECONDS_PER_DAY)
    if plan.fault == FAULT_DRIFT:
        plan.drift_rh_per_day = float(rng.uniform(1.0, 2.5))
    elif plan.fault == FAULT_DYING_BATTERY:
        plan.battery_start_pct = float(rng.uniform(25, 45))
        plan.drain_pct_per_day = float(rng.uniform(2.0, 5.0))
        plan.fault_onset_s = start_s
    elif plan.fault == FAULT_OFFLINE:
        length = float(rng.uniform(26, 72) * 3600)
        plan.outages = _merge([*plan.outages, (plan.fault_onset_s, plan.fault_onset_s + length)])


def device_conditions(plan: DevicePlan, start_s: float, end_s: float) -> list[Condition]:
    """The device conditions this plan produces within [start, end), detectable by then."""
    found: list[Condition] = []

    def add(kind: str, onset: float, detectable: float, evidence: dict[str, object]) -> None:
        if onset < end_s and detectable <= end_s:
            found.append(
                device_condition(
                    kind,
                    plan.room,
                    plan.device_id,
                    onset_s=max(onset, start_s),
                    detectable_s=detectable,
                    evidence=evidence,
                )
            )

    death = plan.death_s
    for begin, end in plan.outages:
        if end - begin > OFFLINE_AFTER_S and (death is None or begin < death):
            add(
                DEVICE_OFFLINE,
                begin,
                begin + OFFLINE_AFTER_S,
                {"outage_h": round((end - begin) / 3600, 1)},
            )
    if death is not None and death < end_s:
        add(DEVICE_OFFLINE, death, death + OFFLINE_AFTER_S, {"cause": "battery flat"})
    if plan.battery_start_pct <= BATTERY_LOW_PCT:
        add(BATTERY_LOW, start_s, start_s, {"battery_pct": round(plan.battery_start_pct, 1)})
    elif plan.drain_pct_per_day > 0:
        low = start_s + (plan.battery_start_pct - BATTERY_LOW_PCT) / plan.drain_pct_per_day * 86_400
        add(BATTERY_LOW, low, low, {"drain_pct_per_day": round(plan.drain_pct_per_day, 2)})
    onset = plan.fault_onset_s
    if plan.fault == FAULT_STUCK:
        add(SENSOR_FAULT, onset, onset + STUCK_DETECT_S, {"fault": FAULT_STUCK})
    elif plan.fault == FAULT_DRIFT:
        detect = onset + DRIFT_DETECT_RH / plan.drift_rh_per_day * 86_400
        add(
            SENSOR_FAULT,
            onset,
            detect,
            {"fault": FAULT_DRIFT, "rh_per_day": round(plan.drift_rh_per_day, 2)},
        )
    elif plan.fault == FAULT_DROPOUTS:
        add(
            SENSOR_FAULT,
            onset,
            onset + 86_400,
            {"fault": FAULT_DROPOUTS, "loss": DROPOUT_PROBABILITY},
        )
    return found
